// The automatic suite against a dead sandbox and against saved evidence: a refused connection
// gives error rows that say so (never a hang, never a pass), and a saved snapshot re-judges to
// the same verdicts with the network gone and no az or kubectl started.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>
#include <nlohmann/json.hpp>

#include "e2e/support.h"

namespace infra_dod::e2e {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::map<std::string, json> rows_by_id(const json& table) {
  std::map<std::string, json> out;
  for (const auto& r : table.value("rows", json::array())) out[r["id"]] = r;
  return out;
}

const std::vector<std::string> kAutomaticRows = {"DEV043-DEPLOYMENT",     "DEV043-ACR-IMAGE",  "DEV043-INTERNAL-ONLY",
                                                 "DEV043-ROLLBACK-DOC",   "DEV044-PG-PROVISIONED", "DEV044-KV-SECRETS",
                                                 "DEV045-PRIVATE-DNS"};

// A tripwire standing in for az and kubectl: if anything runs it, the marker file appears.
fs::path tripwire(const fs::path& dir) {
  const fs::path t = dir / "tripwire";
  std::ofstream(t) << "#!/bin/sh\necho \"$0 $*\" >> '" << (dir / "tripwire.fired").string() << "'\nexit 1\n";
  fs::permissions(t, fs::perms::owner_all);
  return t;
}

// Defect 15: `sandbox down` signalled whatever process held the pid file's number.
TEST(SandboxDown, NeverSignalsAProcessThatIsNotThisFoldersSandbox) {
  const auto tmp = fresh_dir("stale-pid");
  const pid_t bystander = ::fork();
  ASSERT_GE(bystander, 0);
  if (bystander == 0) {
    ::execlp("sleep", "sleep", "30", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::ofstream(tmp / "pid") << bystander << "\n";
  std::ofstream(tmp / "ready.json") << json{{"pid", bystander}, {"scenario", "healthy"}}.dump();
  const auto down = run({INFRA_DOD_CLI, "sandbox", "down", "--state-dir", tmp.string()});
  EXPECT_EQ(down.exit_code, 0) << down.describe();
  EXPECT_NE(down.out.find("no sandbox was running"), std::string::npos) << down.out;
  int status = 0;
  EXPECT_EQ(::waitpid(bystander, &status, WNOHANG), 0) << "the bystander was signalled";
  ::kill(bystander, SIGKILL);
  ::waitpid(bystander, &status, 0);
}

TEST(Offline, AKilledSandboxGivesErrorRowsNamingTheRefusedConnection) {
  const auto tmp = fresh_dir("dead");
  auto up = run({INFRA_DOD_CLI, "sandbox", "up", "--scenario", "healthy", "--state-dir", (tmp / "state").string()});
  ASSERT_EQ(up.exit_code, 0) << up.describe();
  const auto ready = read_json(tmp / "state/ready.json");
  ASSERT_TRUE(ready.contains("pid"));
  ::kill(ready["pid"].get<int>(), SIGKILL);

  const std::map<std::string, std::optional<std::string>> env = {
      {"INFRA_DOD_ENV_FILE", (tmp / "state/sandbox.env").string()}, {"EVIDENCE_DIR", (tmp / "evidence").string()}, {"INFRA_DOD_RUN_DIR", (tmp / "run").string()},
      {"HOME", (tmp / "state/home").string()}, {"INFRA_DOD_HTTP_MAX_ATTEMPTS", "2"}, {"INFRA_DOD_PROCESS_TIMEOUT_S", "20"}};
  const auto started = std::chrono::steady_clock::now();
  auto ct = run({INFRA_DOD_CTEST, "--test-dir", build_dir().string(), "-L", "^automatic$", "-j", "4", "--output-junit",
                 (tmp / "junit.xml").string()},
                env, std::chrono::seconds(240));
  EXPECT_FALSE(ct.timed_out) << "the suite hung against a dead sandbox";
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(120));
  auto rep = run({INFRA_DOD_CLI, "report", "--junit", (tmp / "junit.xml").string(), "--run-dir", (tmp / "run").string(), "--json", (tmp / "dod.json").string(), "--quiet"},
                 env);
  EXPECT_EQ(rep.exit_code, 1) << "release-blocking rows must be errors: " << rep.describe();
  const auto rows = rows_by_id(read_json(tmp / "dod.json"));
  for (const auto& id : kAutomaticRows) {
    ASSERT_TRUE(rows.count(id)) << id;
    EXPECT_EQ(rows.at(id)["status"], "error") << id << ": " << rows.at(id)["reason"];
    const std::string reason = rows.at(id)["reason"];
    EXPECT_TRUE(reason.find("refused") != std::string::npos) << id << " does not name the refused connection: " << reason;
  }
  fs::remove_all(tmp);
}

TEST(Offline, KillingTheSandboxMidCollectionGivesErrorRowsNeverAHangOrAPass) {
  const auto tmp = fresh_dir("midrun");
  // A slow copy of healthy, so the kill lands while requests are in flight.
  fs::create_directories(tmp / "scenarios/slow");
  fs::copy(source_dir() / "fixtures/sandbox/healthy", tmp / "scenarios/healthy", fs::copy_options::recursive);
  std::ofstream(tmp / "scenarios/slow/scenario.json")
      << R"({"extends": "healthy", "latency_ms": {"arm": 400, "kube": 400}})";
  std::ofstream(tmp / "scenarios/slow/expected.json") << R"({"extends": "healthy"})";
  auto up = run({INFRA_DOD_CLI, "sandbox", "up", "--scenario", "slow", "--scenarios", (tmp / "scenarios").string(),
                 "--state-dir", (tmp / "state").string()});
  ASSERT_EQ(up.exit_code, 0) << up.describe();
  const int pid = read_json(tmp / "state/ready.json")["pid"].get<int>();

  const fs::path run_file = tmp / "run" / "run.json";
  const std::map<std::string, std::optional<std::string>> env = {
      {"INFRA_DOD_ENV_FILE", (tmp / "state/sandbox.env").string()}, {"EVIDENCE_DIR", (tmp / "evidence").string()}, {"INFRA_DOD_RUN_DIR", (tmp / "run").string()},
      {"HOME", (tmp / "state/home").string()}, {"INFRA_DOD_HTTP_MAX_ATTEMPTS", "2"}, {"INFRA_DOD_PROCESS_TIMEOUT_S", "20"}};
  ProcessResult ct;
  std::thread suite([&] {
    ct = run({INFRA_DOD_CTEST, "--test-dir", build_dir().string(), "-L", "^automatic$", "-j", "4", "--output-junit",
              (tmp / "junit.xml").string()},
             env, std::chrono::seconds(240));
  });
  // The run has started once run-start wrote the run record; the collector follows at once.
  for (int i = 0; i < 500; ++i) {
    if (fs::exists(run_file)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  ::kill(pid, SIGKILL);
  suite.join();
  EXPECT_FALSE(ct.timed_out) << "the suite hung after the sandbox died";
  auto rep = run({INFRA_DOD_CLI, "report", "--junit", (tmp / "junit.xml").string(), "--run-dir", (tmp / "run").string(), "--json", (tmp / "dod.json").string(), "--quiet"},
                 env);
  EXPECT_EQ(rep.exit_code, 1) << rep.describe();
  const auto rows = rows_by_id(read_json(tmp / "dod.json"));
  for (const auto& id : kAutomaticRows) {
    ASSERT_TRUE(rows.count(id)) << id;
    const std::string reason = rows.at(id)["reason"];
    EXPECT_EQ(rows.at(id)["status"], "error") << id << ": " << reason;
    EXPECT_TRUE(reason.find("refused") != std::string::npos || reason.find("reset") != std::string::npos ||
                reason.find("Unable to connect") != std::string::npos)
        << id << " does not name the broken connection: " << reason;
  }
  fs::remove_all(tmp);
}

TEST(Offline, ASavedSnapshotReJudgesToTheSameVerdictsWithNoNetworkAndNoProcess) {
  const auto tmp = fresh_dir("rejudge");
  // A scenario with passes and failures, so "the same verdicts" means something.
  auto first = run({INFRA_DOD_CLI, "run", "--scenario", "svc-loadbalancer", "--labels", "^automatic$", "--state-dir",
                    (tmp / "state").string(), "--out", (tmp / "first").string()});
  ASSERT_NE(first.exit_code, 2) << first.describe();
  const fs::path snapshot = fs::canonical(tmp / "first/evidence-dir") / "inventory.json";
  ASSERT_TRUE(fs::exists(snapshot));
  fs::copy_file(snapshot, tmp / "saved-inventory.json");
  // The pod template's literal DATABASE_URL (with its password) never reaches the snapshot.
  EXPECT_EQ(slurp(snapshot).find("sandbox-inline-db-password"), std::string::npos);
  ASSERT_FALSE(fs::exists(tmp / "state/ready.json")) << "the sandbox must be down";

  const auto wire = tripwire(tmp);
  const std::map<std::string, std::optional<std::string>> env = {
      {"INFRA_DOD_INVENTORY", (tmp / "saved-inventory.json").string()}, {"EVIDENCE_DIR", (tmp / "evidence").string()}, {"INFRA_DOD_RUN_DIR", (tmp / "run").string()},
      {"AZ_CLI", wire.string()}, {"KUBECTL", wire.string()}, {"INFRA_DOD_ENV_FILE", std::nullopt}};
  std::vector<std::string> ctest = {INFRA_DOD_CTEST, "--test-dir", build_dir().string(), "-L", "^automatic$",
                                    "--output-junit", (tmp / "junit.xml").string()};
  // No network at all where the machine allows a network namespace of our own.
  if (run({"unshare", "-n", "true"}).exit_code == 0) ctest.insert(ctest.begin(), {"unshare", "-n"});
  auto ct = run(ctest, env);
  auto rep = run({INFRA_DOD_CLI, "report", "--junit", (tmp / "junit.xml").string(), "--run-dir", (tmp / "run").string(), "--json", (tmp / "second.json").string(), "--quiet"},
                 env);
  EXPECT_FALSE(fs::exists(tmp / "tripwire.fired")) << "re-judging started a process: " << slurp(tmp / "tripwire.fired");
  const auto before = rows_by_id(read_json(tmp / "first/dod-table.json"));
  const auto after = rows_by_id(read_json(tmp / "second.json"));
  for (const auto& id : kAutomaticRows) {
    EXPECT_EQ(after.at(id)["status"], before.at(id)["status"]) << id << ": " << after.at(id)["reason"];
    // The same words, but for where this run's evidence is.
    auto without_evidence = [](std::string r) { return r.substr(0, r.find(" (evidence: ")); };
    EXPECT_EQ(without_evidence(after.at(id)["reason"]), without_evidence(before.at(id)["reason"])) << id;
  }
  EXPECT_EQ(before.at("DEV043-INTERNAL-ONLY")["status"], "fail");
  EXPECT_EQ(before.at("DEV044-PG-PROVISIONED")["status"], "pass");
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace infra_dod::e2e
