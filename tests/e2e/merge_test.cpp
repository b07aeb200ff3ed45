// `infra-dod merge` puts the tables of two runs side by side, a status column each.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "e2e/support.h"

namespace infra_dod::e2e {
namespace {

namespace fs = std::filesystem;

TEST(Merge, TwoScenarioRunsShowBothColumnsAndTheirDifference) {
  const auto tmp = fresh_dir("merge");
  for (const std::string s : {"healthy", "svc-nodeport"}) {
    auto r = run({INFRA_DOD_CLI, "run", "--scenario", s, "--labels", "^automatic$", "--state-dir",
                  (tmp / ("state-" + s)).string(), "--out", (tmp / s).string()});
    ASSERT_NE(r.exit_code, 2) << r.describe();
  }
  auto m = run({INFRA_DOD_CLI, "merge", (tmp / "healthy").string(), (tmp / "svc-nodeport").string(), "--json",
                (tmp / "merged.json").string()});
  EXPECT_EQ(m.exit_code, 1) << "DEV043-INTERNAL-ONLY fails in one environment: " << m.describe();
  EXPECT_NE(m.out.find("| Id | Plan DoD item | sandbox (healthy) | sandbox (svc-nodeport) |"), std::string::npos) << m.out;
  const auto merged = nlohmann::json::parse(slurp(tmp / "merged.json"));
  for (const auto& row : merged["rows"])
    if (row["id"] == "DEV043-INTERNAL-ONLY") {
      EXPECT_EQ(row["status"]["sandbox (healthy)"], "pass");
      EXPECT_EQ(row["status"]["sandbox (svc-nodeport)"], "fail");
    }
  EXPECT_EQ(run({INFRA_DOD_CLI, "merge", (tmp / "nowhere").string()}).exit_code, 2);
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace infra_dod::e2e
