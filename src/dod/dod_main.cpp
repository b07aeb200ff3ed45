// The DoD binary's main: gtest exits 0 when every selected case skipped and when the filter
// matched nothing, which would show a gated case, or a stale registry entry, as passed. Here a
// run where every selected case skipped exits 77 (CTest's SKIP_RETURN_CODE), and a filter that
// matched nothing exits 2.
#include <gtest/gtest.h>

#include <cstdio>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  const int rc = RUN_ALL_TESTS();
  const auto* unit = ::testing::UnitTest::GetInstance();
  if (::testing::GTEST_FLAG(list_tests)) return rc;
  if (unit->test_to_run_count() == 0) {
    std::fprintf(stderr, "infra-dod: no test matched the filter (stale registry entry?)\n");
    return 2;
  }
  if (rc == 0 && unit->skipped_test_count() == unit->test_to_run_count()) return 77;
  return rc;
}
