// The JUnit the report writes for CI servers validates against Jenkins xunit's junit-10.xsd and
// carries each case's DoD rows, tickets and labels, and its skip reason.
#include <gtest/gtest.h>

#include <fstream>

#include "e2e/support.h"

namespace infra_dod::e2e {
namespace {

namespace fs = std::filesystem;

ProcessResult validate(const fs::path& xml) {
  return run({"xmllint", "--noout", "--schema", (source_dir() / "tests/data/junit-10.xsd").string(), xml.string()});
}

TEST(JunitSchema, EveryStatusOfTheCheckedInRunValidates) {
  const auto tmp = fresh_dir("junit-all");
  const fs::path golden = source_dir() / "fixtures/report/all-modes";
  auto r = run({INFRA_DOD_CLI, "report", "--junit", (golden / "junit.xml").string(), "--run-dir", golden.string(),
                "--junit-out", (tmp / "dod-junit.xml").string(), "--quiet"},
               {{"INFRA_DOD_ENV_FILE", std::nullopt}, {"SOURCE_DATE_EPOCH", "1800000000"}});
  ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.describe();
  const auto v = validate(tmp / "dod-junit.xml");
  EXPECT_EQ(v.exit_code, 0) << v.err;
  const std::string text = slurp(tmp / "dod-junit.xml");
  EXPECT_NE(text.find("<property name=\"dod_items\" value=\"ADR0024-ALERT-SEND\"/>"), std::string::npos);
  EXPECT_NE(text.find("<property name=\"tickets\" value=\"ADR-0024\"/>"), std::string::npos);
  EXPECT_NE(text.find("<skipped message=\"skipped: opt-in: set RUN_ALERT_REAL_SEND=1 to run\"/>"), std::string::npos);
  EXPECT_NE(text.find("<skipped message=\"manual-pending: manual: no attestation for DEV045-NSG"), std::string::npos);
  fs::remove_all(tmp);
}

TEST(JunitSchema, AFailingScenarioRunValidatesWithItsFailure) {
  const auto tmp = fresh_dir("junit-fail");
  auto r = run({INFRA_DOD_CLI, "run", "--scenario", "svc-nodeport", "--labels", "^automatic$", "--state-dir",
                (tmp / "state").string(), "--out", (tmp / "out").string()});
  ASSERT_EQ(r.exit_code, 1) << r.describe();
  const auto v = validate(tmp / "out/dod-junit.xml");
  EXPECT_EQ(v.exit_code, 0) << v.err;
  const std::string text = slurp(tmp / "out/dod-junit.xml");
  EXPECT_NE(text.find("<failure type=\"fail\" message=\""), std::string::npos);
  EXPECT_NE(text.find("<property name=\"labels\" value=\"automatic,DEV-043\"/>"), std::string::npos) << text.substr(0, 2000);
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace infra_dod::e2e
