// The DoD binary's main. gtest exits 0 when every selected case skipped and when the filter
// matched nothing, which would show a gated case, or a stale registry entry, as passed. Here a
// run where every selected case skipped exits 77 (CTest's SKIP_RETURN_CODE), and a filter that
// matched nothing exits 2. Every case leaves a result record in its run's folder (see
// dod/case_recorder.h), including the two ways a case can end without gtest's help: a filter
// that matched nothing, and an exception nothing caught.
#include <gtest/gtest.h>

#include <cstdio>
#include <exception>

#include "dod/case_recorder.h"
#include "runtime/process.h"
#include "runtime/run.h"

namespace {

std::string g_filter;

[[noreturn]] void on_terminate() {
  std::string what = "uncaught exception";
  if (auto e = std::current_exception()) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      what += ": " + std::string(ex.what());
    } catch (...) {
      what += " of an unknown type";
    }
  }
  infra_dod::write_error_record(g_filter, what);
  std::fprintf(stderr, "infra-dod: %s\n", what.c_str());
  std::abort();
}

bool names_one_case(const std::string& filter) { return !filter.empty() && filter.find_first_of("*?:-") == std::string::npos; }

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (GTEST_FLAG_GET(list_tests)) return RUN_ALL_TESTS();
  g_filter = GTEST_FLAG_GET(filter);
  // The per-case gtest XML goes into the run's own folder unless the caller chose a file.
  if (GTEST_FLAG_GET(output).empty() && names_one_case(g_filter))
    if (auto folder = infra_dod::run_folder(infra_dod::process_environ()))
      GTEST_FLAG_SET(output, "xml:" + (*folder / "gtest-xml" / (g_filter + ".xml")).string());
  // An exception must end the case as an error with its message, not as a test failure.
  GTEST_FLAG_SET(catch_exceptions, false);
  std::set_terminate(on_terminate);
  // A SIGTERM (CTest's timeout, an operator's kill, `infra-dod run` stopping) reaches every
  // child this case started, then ends the case as it would have.
  infra_dod::forward_termination_signals(true);
  ::testing::UnitTest::GetInstance()->listeners().Append(new infra_dod::RecordWriter);
  const int rc = RUN_ALL_TESTS();
  const auto* unit = ::testing::UnitTest::GetInstance();
  if (unit->test_to_run_count() == 0) {
    std::fprintf(stderr, "infra-dod: no compiled case matches %s (stale registry entry?)\n", g_filter.c_str());
    if (names_one_case(g_filter))
      infra_dod::write_error_record(g_filter, "no compiled gtest case matches " + g_filter + " (stale registry entry?)");
    return 2;
  }
  if (rc == 0 && unit->skipped_test_count() == unit->test_to_run_count()) return 77;
  return rc;
}
