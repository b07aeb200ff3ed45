// ADR-0024's "one event per event_type per run", against the sandbox: the send case runs twice in
// one run, and the emulator's own request log shows one ingestion request. The Alert/Event
// checklist's attestation then rests on that send, or on a link, and is refused on neither.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "e2e/support.h"

namespace infra_dod::e2e {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

int ingestion_requests(const fs::path& log) {
  int n = 0;
  std::ifstream in(log);
  for (std::string line; std::getline(in, line);) {
    const auto j = json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.value("service", "") == "monitor" && j.value("method", "") == "POST" &&
        j.value("target", "").rfind("/dataCollectionRules/", 0) == 0)
      ++n;
  }
  return n;
}

TEST(AlertSend, OneSendPerEventTypePerRunAndTheChecklistAttestationRestsOnIt) {
  const auto tmp = fresh_dir("alert-once");
  auto up = run({INFRA_DOD_CLI, "sandbox", "up", "--scenario", "healthy", "--state-dir", (tmp / "state").string()});
  ASSERT_EQ(up.exit_code, 0) << up.describe();
  const std::map<std::string, std::optional<std::string>> env = {
      {"INFRA_DOD_ENV_FILE", (tmp / "state/sandbox.env").string()},
      {"EVIDENCE_DIR", (tmp / "evidence").string()},
      {"INFRA_DOD_RUN_DIR", (tmp / "run").string()},
      {"HOME", (tmp / "state/home").string()},
      {"RUN_ALERT_REAL_SEND", "1"},
      {"INFRA_DOD_ATTESTATIONS", (tmp / "attestations").string()}};
  // The first send, with the run's fixtures (run start, inventory) as ctest sets them up.
  auto first = run({INFRA_DOD_CTEST, "--test-dir", build_dir().string(), "-R", "^ADR0024\\.", "--output-on-failure"}, env);
  EXPECT_EQ(first.exit_code, 0) << first.out << first.err;
  // The same case again in the same run (INFRA_DOD_RUN_DIR names it).
  auto second = run({INFRA_DOD_CASES, "--gtest_filter=ADR0024.RealAlertFiresExactlyOnce"}, env);
  EXPECT_NE(second.out.find("an event of type TRIAGE_READY was already sent in this run"), std::string::npos)
      << second.out << second.err;
  EXPECT_NE(second.out.find("[  SKIPPED ]"), std::string::npos) << second.out;

  // The checklist row of the event sent takes the run's send as its evidence; another row, which
  // no send covers, is refused without a link and accepted with one.
  const std::string run_dir = (tmp / "run").string();
  auto sent = run({INFRA_DOD_CLI, "attest", "ALERT-TRIAGE-READY", "--verdict", "pass", "--run-dir", run_dir}, env);
  EXPECT_EQ(sent.exit_code, 0) << sent.describe();
  EXPECT_NE(sent.out.find("evidence (adr0024-send):"), std::string::npos) << sent.out;
  auto unsent = run({INFRA_DOD_CLI, "attest", "ALERT-APPROVAL-TIMEOUT", "--verdict", "pass", "--run-dir", run_dir}, env);
  EXPECT_EQ(unsent.exit_code, 2) << unsent.describe();
  EXPECT_NE(unsent.err.find("holds no passing ADR-0024 send of APPROVAL_TIMEOUT"), std::string::npos) << unsent.err;
  EXPECT_FALSE(fs::exists(tmp / "attestations/sandbox/ALERT-APPROVAL-TIMEOUT.json"));
  auto linked = run({INFRA_DOD_CLI, "attest", "ALERT-APPROVAL-TIMEOUT", "--verdict", "pass", "--evidence",
                     "https://tickets.example/OPS-42"},
                    env);
  EXPECT_EQ(linked.exit_code, 0) << linked.describe();
  auto attested = run({INFRA_DOD_CASES, "--gtest_filter=Attestation.ALERT_TriageReady"}, env);
  EXPECT_EQ(attested.exit_code, 0) << attested.out;
  const auto record = json::parse(slurp(tmp / "attestations/sandbox/ALERT-TRIAGE-READY.json"));
  EXPECT_EQ(record["evidence_source"], "adr0024-send");
  EXPECT_NE(record["evidence"].get<std::string>().find("adr0024-alert-send.jsonl"), std::string::npos);

  auto down = run({INFRA_DOD_CLI, "sandbox", "down", "--state-dir", (tmp / "state").string()});
  ASSERT_EQ(down.exit_code, 0) << down.describe();
  EXPECT_EQ(ingestion_requests(tmp / "state/store/requests-log.jsonl"), 1);
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace infra_dod::e2e
