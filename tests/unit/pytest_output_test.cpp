// pytest's -rA -s output read as data, and DEV-012's fingerprint policy judged over it.
#include <gtest/gtest.h>

#include "rules/pytest_output.h"

namespace infra_dod {
namespace {

const char kPassed[] = R"(============================= test session starts ==============================
platform linux -- Python 3.11.2, pytest-7.2.1, pluggy-1.0.0+repack
rootdir: /repo
collected 1 item

tests/smoke/test_incident_fingerprint_smoke.py {"smoke": "dev012-fingerprint", "runtime_input_path": "tests/fixtures/runtime_inputs/dev_incident_input.json", "fingerprint": "0fc6"}
.

==================================== PASSES ====================================
=========================== short test summary info ============================
PASSED tests/smoke/test_incident_fingerprint_smoke.py::test_incident_fingerprint_smoke
============================== 1 passed in 0.01s ===============================
)";

const char kSkipped[] = R"(============================= test session starts ==============================
collected 1 item

tests/smoke/test_incident_fingerprint_smoke.py s

=========================== short test summary info ============================
SKIPPED [1] tests/smoke/test_incident_fingerprint_smoke.py:23: DEV-012 fingerprint smoke is opt-in: set RUN_DEV012_FINGERPRINT_SMOKE=1
============================== 1 skipped in 0.01s ==============================
)";

const char kFailed[] = R"(collected 1 item

tests/smoke/test_incident_fingerprint_smoke.py F

=========================== short test summary info ============================
FAILED tests/smoke/test_incident_fingerprint_smoke.py::test_incident_fingerprint_smoke - FileNotFoundError: [Errno 2] No such file or directory: '/repo/tests/fixtures/runtime_inputs/dev_incident_input.json'
============================== 1 failed in 0.02s ===============================
)";

PytestRun run_of(const char* text, int exit_code = 0) { return {true, "", exit_code, parse_pytest_output(text)}; }

TEST(PytestOutput, ReadsThePassedSummaryAndTheJsonLineAfterTheProgressPrefix) {
  const auto o = parse_pytest_output(kPassed);
  ASSERT_EQ(o.summary.size(), 1u);
  EXPECT_EQ(o.summary[0].outcome, "PASSED");
  EXPECT_EQ(o.summary[0].subject, "tests/smoke/test_incident_fingerprint_smoke.py::test_incident_fingerprint_smoke");
  EXPECT_EQ(o.totals, "1 passed in 0.01s");
  EXPECT_EQ(runtime_input_paths(o), (std::vector<std::string>{"tests/fixtures/runtime_inputs/dev_incident_input.json"}));
}

TEST(PytestOutput, ReadsTheSkipReason) {
  const auto o = parse_pytest_output(kSkipped);
  ASSERT_EQ(o.summary.size(), 1u);
  EXPECT_EQ(o.summary[0].outcome, "SKIPPED");
  EXPECT_EQ(o.summary[0].subject, "tests/smoke/test_incident_fingerprint_smoke.py:23");
  EXPECT_EQ(o.summary[0].reason, "DEV-012 fingerprint smoke is opt-in: set RUN_DEV012_FINGERPRINT_SMOKE=1");
  EXPECT_TRUE(o.json_lines.empty());
}

TEST(PytestOutput, ReadsTheFailureMessage) {
  const auto o = parse_pytest_output(kFailed);
  ASSERT_EQ(o.summary.size(), 1u);
  EXPECT_EQ(o.summary[0].outcome, "FAILED");
  EXPECT_NE(o.summary[0].reason.find("FileNotFoundError"), std::string::npos);
}

TEST(PytestOutput, GarbageGivesNoSummaryAndNoCrash) {
  const auto o = parse_pytest_output("{not json\n\x01\x02 ===\n=====\nSKIPPED\n{\"a\": 1}");
  EXPECT_TRUE(o.summary.empty());
  EXPECT_EQ(o.json_lines.size(), 1u);
}

FingerprintObservation healthy() {
  FingerprintObservation o;
  o.expected_default_path = "tests/fixtures/runtime_inputs/dev_incident_input.json";
  o.default_mode = run_of(kPassed);
  o.override_path = "/evidence/dev012-override-input.json";
  std::string with_override = kPassed;
  with_override.replace(with_override.find("tests/fixtures/runtime_inputs/dev_incident_input.json"),
                        std::string("tests/fixtures/runtime_inputs/dev_incident_input.json").size(), o.override_path);
  o.override_mode = PytestRun{true, "", 0, parse_pytest_output(with_override)};
  o.gate_mode = run_of(kSkipped);
  return o;
}

TEST(FingerprintPolicy, AllThreeModesPass) {
  const auto j = judge_fingerprint_policy(healthy());
  EXPECT_EQ(j.outcome, Outcome::pass) << j.failure_summary();
  EXPECT_EQ(j.findings.size(), 3u);
}

TEST(FingerprintPolicy, DefaultModeFailingFailsNamingIt) {
  auto o = healthy();
  o.default_mode = run_of(kFailed, 1);
  const auto j = judge_fingerprint_policy(o);
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_FALSE(j.findings[0].ok);
  EXPECT_NE(j.findings[0].found.find("FileNotFoundError"), std::string::npos);
}

TEST(FingerprintPolicy, OverrideNotHonouredFails) {
  auto o = healthy();
  o.override_mode = run_of(kPassed);  // printed the default path
  const auto j = judge_fingerprint_policy(o);
  EXPECT_FALSE(j.findings[1].ok);
  EXPECT_NE(j.findings[1].found.find("dev_incident_input.json"), std::string::npos);
}

TEST(FingerprintPolicy, GateThatDoesNotSkipFails) {
  auto o = healthy();
  o.gate_mode = run_of(kPassed);
  const auto j = judge_fingerprint_policy(o);
  EXPECT_FALSE(j.findings[2].ok);
  EXPECT_NE(j.findings[2].found.find("ran although the gate was closed"), std::string::npos);
}

TEST(FingerprintPolicy, ClosedRowGateJudgesOnlyGateMode) {
  FingerprintObservation o;
  o.gate_mode = run_of(kSkipped);
  const auto j = judge_fingerprint_policy(o);
  EXPECT_EQ(j.outcome, Outcome::pass);
  ASSERT_EQ(j.findings.size(), 1u);
  EXPECT_EQ(j.findings[0].check, "gate mode");
}

TEST(FingerprintPolicy, AbsoluteFormOfTheDefaultPathIsAccepted) {
  auto o = healthy();
  std::string absolute = kPassed;
  absolute.replace(absolute.find("\"tests/fixtures"), 1, "\"/repo/");
  o.default_mode = run_of(absolute.c_str());
  EXPECT_TRUE(judge_fingerprint_policy(o).findings[0].ok);
}

}  // namespace
}  // namespace infra_dod
