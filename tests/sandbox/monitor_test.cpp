#include <gtest/gtest.h>

TEST(Sandboxmonitor, IsWrittenLater) { GTEST_SKIP() << "not written yet"; }
