#include <gtest/gtest.h>

TEST(Sandboxkube, IsWrittenLater) { GTEST_SKIP() << "not written yet"; }
