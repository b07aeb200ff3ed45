// `infra-dod report` over real ctest output: the checked-in JUnit renders to the checked-in
// table, and a live run of the DoD cases (the ones that need no VNet) shows gated cases as
// skipped with their reason.
#include <gtest/gtest.h>

#include "e2e/support.h"
#include "registry/registry.h"

namespace infra_dod::e2e {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kRunbookOrder = {
    "DEV043-DEPLOYMENT", "DEV043-ACR-IMAGE",     "DEV043-INTERNAL-ONLY", "DEV043-UI-SMOKE", "DEV043-ROLLBACK-DOC",
    "DEV044-PG-PROVISIONED", "DEV044-DB-MIGRATION", "DEV044-TRACE-RESTART", "DEV044-KV-SECRETS", "DEV044-E2E-TRACE",
    "DEV045-PRIVATE-DNS", "DEV045-NSG",          "DEV045-PRIVATE-PATH",  "DEV045-ROLLBACK-PLAN"};

TEST(ReportE2E, RendersTheCheckedInJunitToTheCheckedInTable) {
  const auto sample = source_dir() / "fixtures/report/all-modes";
  const auto tmp = fresh_dir("golden");
  auto r = run({INFRA_DOD_CLI, "report", "--junit", (sample / "junit.xml").string(), "--run-dir", sample.string(), "--md", (tmp / "dod.md").string(), "--json",
                (tmp / "dod.json").string(), "--quiet"},
               {{"SOURCE_DATE_EPOCH", "1800000000"}, {"INFRA_DOD_ENVIRONMENT", "dev"}, {"INFRA_DOD_REGISTRY", std::nullopt},
                {"INFRA_DOD_OPERATOR", "golden-operator"}, {"INFRA_DOD_ENV_FILE", std::nullopt}});
  // The golden run had no sandbox, so its automatic rows are errors and block the release.
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_EQ(slurp(tmp / "dod.md"), slurp(sample / "expected.md"))
      << "regenerate with ci/regen-report-golden when labels/dod.json changes on purpose";
  EXPECT_EQ(slurp(tmp / "dod.json"), slurp(sample / "expected.json"));
  fs::remove_all(tmp);
}

TEST(ReportE2E, ALiveRunShowsTheRunbookRowsInOrderAndGatedCasesAsSkipped) {
  const auto tmp = fresh_dir("live");
  const std::map<std::string, std::optional<std::string>> env = {
      {"EVIDENCE_DIR", (tmp / "evidence").string()}, {"INFRA_DOD_RUN_DIR", (tmp / "run").string()}, {"RUN_DEV012_FINGERPRINT_SMOKE", std::nullopt},
      {"DATABRICKS_HOST", std::nullopt},             {"DATABRICKS_TOKEN", std::nullopt},
      {"INFRA_DOD_ENV_FILE", std::nullopt},          {"INFRA_DOD_ATTESTATIONS", (tmp / "attestations").string()}};
  auto ct = run({INFRA_DOD_CTEST, "--test-dir", build_dir().string(), "-L", "^(smoke|manual)$", "-LE", "^vnet$",
                 "--output-junit", (tmp / "junit.xml").string(), "--test-output-truncation", "middle"},
                env);
  EXPECT_EQ(ct.exit_code, 0) << ct.describe();
  const auto console = ct.out.substr(ct.out.find("DEV012.FingerprintSmokeUsesPolicyInput ."));
  EXPECT_NE(console.substr(0, console.find('\n')).find("***Skipped"), std::string::npos) << ct.out;
  const std::string junit = slurp(tmp / "junit.xml");
  const auto at = junit.find("name=\"DEV012.FingerprintSmokeUsesPolicyInput\"");
  ASSERT_NE(at, std::string::npos);
  EXPECT_NE(junit.substr(at, 300).find("<skipped message=\"SKIP_RETURN_CODE=77\"/>"), std::string::npos);

  auto rep = run({INFRA_DOD_CLI, "report", "--junit", (tmp / "junit.xml").string(), "--run-dir", (tmp / "run").string(), "--md",
                  (tmp / "dod.md").string(), "--quiet"},
                 env);
  EXPECT_EQ(rep.exit_code, 0) << rep.describe();
  const std::string md = slurp(tmp / "dod.md");
  const auto dod = table_rows(md, "DoD Mapping");
  ASSERT_EQ(dod.size(), kRunbookOrder.size()) << md;
  for (std::size_t i = 0; i < dod.size(); ++i) EXPECT_EQ(dod[i][1], kRunbookOrder[i]) << "row " << i + 1;
  bool saw_gate = false;
  for (const auto& row : table_rows(md, "Phase 3")) {
    if (row[1] == "DEV012-FINGERPRINT") {
      EXPECT_EQ(row[4], "**skipped**");
      EXPECT_EQ(row[5], "opt-in: set RUN_DEV012_FINGERPRINT_SMOKE=1 to run");
      saw_gate = true;
    }
    if (row[1] == "ADR0015-SECRET") {
      EXPECT_EQ(row[5], "missing variables DATABRICKS_HOST, DATABRICKS_TOKEN, SECRET_SMOKE_KEY, GET_SECRET_CALLABLE, AGENT_REPO_DIR");
    }
  }
  EXPECT_TRUE(saw_gate);
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace infra_dod::e2e
