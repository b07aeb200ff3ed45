// `infra-dod run --env-file` against the sandbox as if it were a real environment: the operator's
// own environment plus the sandbox's env file, no sandbox shortcut, and the same verdicts as the
// sandbox run of the same scenario.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "e2e/support.h"

namespace infra_dod::e2e {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

TEST(RunEnvFile, TheSandboxAsARealEnvironmentGivesTheSandboxRunsVerdicts) {
  const auto tmp = fresh_dir("envfile");
  auto up = run({INFRA_DOD_CLI, "sandbox", "up", "--scenario", "healthy", "--state-dir", (tmp / "state").string()});
  ASSERT_EQ(up.exit_code, 0) << up.describe();
  const json expected = read_json(source_dir() / "fixtures/sandbox/healthy/expected.json");
  // The scenario's opt-in gates, as an operator would export them.
  std::map<std::string, std::optional<std::string>> env = {
      {"INFRA_DOD_ATTESTATIONS", (tmp / "attestations").string()}};
  for (const auto& [k, v] : expected["env"].items())
    if (v.get<std::string>().find("{out}") == std::string::npos) env[k] = v.get<std::string>();
  auto r = run({INFRA_DOD_CLI, "run", "--env-file", (tmp / "state/sandbox.env").string(), "--select",
                "automatic,smoke,manual", "--out", (tmp / "out").string()},
               env, std::chrono::seconds(600));
  auto down = run({INFRA_DOD_CLI, "sandbox", "down", "--state-dir", (tmp / "state").string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const json table = read_json(tmp / "out/dod-table.json");
  ASSERT_TRUE(table.contains("rows")) << r.err;
  int compared = 0;
  for (const auto& row : table["rows"]) {
    const std::string id = row["id"];
    ASSERT_TRUE(expected["rows"].contains(id)) << id;
    EXPECT_EQ(row["status"], expected["rows"][id]) << id << ": " << row["reason"];
    ++compared;
  }
  EXPECT_EQ(compared, static_cast<int>(expected["rows"].size()));
  // The configuration the run saw, with the secrets masked.
  const json ready = read_json(tmp / "state/ready.json");
  const std::string config_text = slurp(tmp / "out/effective-config.json");
  EXPECT_EQ(read_json(tmp / "out/effective-config.json")["DATABRICKS_TOKEN"]["value"], "***");
  EXPECT_NE(config_text.find("sandbox.env"), std::string::npos);
  // A ticket-ready table: the runbook's columns, the header a reviewer needs, and no path of this
  // machine (evidence cells are relative to the evidence folder).
  const std::string md = slurp(tmp / "out/dod-table.md");
  EXPECT_NE(md.find("| # | Id | Plan DoD item | Evidence source | Status | Reason | Evidence | Tests |"), std::string::npos);
  for (const char* field : {"Environment", "Tenant", "Subscription", "Identity", "Kube context", "API server", "Operator",
                            "Started (UTC)", "Ended (UTC)", "Run id", "Harness", "Selection"})
    EXPECT_NE(md.find(std::string("- ") + field + ": `"), std::string::npos) << field << "\n" << md.substr(0, 1500);
  EXPECT_NE(md.find("object id "), std::string::npos);
  EXPECT_NE(md.find("Automated: private DNS zones + VNet links + private endpoint checks"), std::string::npos);
  for (const auto& text : {md, slurp(tmp / "out/dod-table.json")}) {
    EXPECT_EQ(text.find(tmp.string()), std::string::npos) << "a runner path reached the table";
    EXPECT_EQ(text.find(source_dir().string()), std::string::npos) << "a runner path reached the table";
  }
  EXPECT_TRUE(fs::exists(tmp / "out/junit.xml"));
  const auto v = run({"xmllint", "--noout", "--schema", (source_dir() / "tests/data/junit-10.xsd").string(),
                      (tmp / "out/dod-junit.xml").string()});
  EXPECT_EQ(v.exit_code, 0) << v.err;
  EXPECT_TRUE(fs::exists(tmp / "out/evidence-dir/inventory.json"));
  fs::remove_all(tmp);
}

TEST(RunEnvFile, AMissingEnvFileIsAClearErrorBeforeAnythingRuns) {
  const auto tmp = fresh_dir("envfile-missing");
  auto r = run({INFRA_DOD_CLI, "run", "--env-file", (tmp / "nope.env").string(), "--out", (tmp / "out").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("nope.env: no such file"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(tmp / "out"));
  fs::remove_all(tmp);
}

TEST(RunEnvFile, AnUnknownSelectionIsAClearError) {
  const auto tmp = fresh_dir("envfile-select");
  std::ofstream(tmp / "x.env") << "INFRA_DOD_ENVIRONMENT=dev\n";
  auto r = run({INFRA_DOD_CLI, "run", "--env-file", (tmp / "x.env").string(), "--select", "everything"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--select everything"), std::string::npos) << r.err;
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace infra_dod::e2e
