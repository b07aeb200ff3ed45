#pragma once
// pytest's console output as the runbook's commands produce it (`-rA -s`), read as data: the
// `-rA` short test summary (one line per test: outcome, test, reason) and the JSON lines the
// tests printed (`-s` leaves them in stdout). Pure; the DEV-012 and ADR-0024 smokes run pytest.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/judgement.h"

namespace infra_dod {

struct PytestSummaryLine {
  std::string outcome;  // PASSED, FAILED, SKIPPED, ERROR, XFAIL, XPASS
  std::string subject;  // the test id, or "path:line" for a skip
  std::string reason;   // the skip reason or the failure's short message
};

struct PytestOutput {
  std::vector<PytestSummaryLine> summary;
  std::vector<nlohmann::json> json_lines;  // JSON objects the tests printed
  std::string totals;                      // "1 passed in 0.01s"
  int count(std::string_view outcome) const;
};

PytestOutput parse_pytest_output(std::string_view stdout_text);

// One pytest run of a smoke: how it ended and what it printed.
struct PytestRun {
  bool ran = false;
  std::string problem;  // why it did not run or did not finish (a timeout, no interpreter)
  int exit_code = -1;
  PytestOutput output;
};

// The runtime_input_path values the run's JSON lines carry.
std::vector<std::string> runtime_input_paths(const PytestOutput& o);

// DEV012-FINGERPRINT: what the three runs of the fingerprint smoke showed.
struct FingerprintObservation {
  std::string expected_default_path;  // tests/fixtures/runtime_inputs/<env>_incident_input.json
  std::optional<PytestRun> default_mode;
  std::string override_path;
  std::optional<PytestRun> override_mode;
  PytestRun gate_mode;
};
Judgement judge_fingerprint_policy(const FingerprintObservation& o);

}  // namespace infra_dod
