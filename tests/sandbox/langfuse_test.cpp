#include <gtest/gtest.h>

TEST(Sandboxlangfuse, IsWrittenLater) { GTEST_SKIP() << "not written yet"; }
