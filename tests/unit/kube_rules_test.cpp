#include <gtest/gtest.h>

TEST(kube_rules, AreWrittenLater) { GTEST_SKIP() << "not written yet"; }
