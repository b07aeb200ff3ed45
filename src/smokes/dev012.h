#pragma once
// DEV-012 / ADR-0027: the fingerprint smoke through its single entry point,
// `pytest tests/smoke/test_incident_fingerprint_smoke.py -rA -s` in AGENT_REPO_DIR, run in the
// runbook checklist's modes and judged by judge_fingerprint_policy (rules/pytest_output.h):
//   default fixture mode  RUN_DEV012_FINGERPRINT_SMOKE=1, no DEV012_RUNTIME_INPUT_PATH: the JSON
//                         line's runtime_input_path is tests/fixtures/runtime_inputs/<env>_incident_input.json;
//   override mode         DEV012_RUNTIME_INPUT_PATH set to a copy of that input the harness writes
//                         into the evidence folder: the line's runtime_input_path equals it;
//   gate mode             RUN_DEV012_FINGERPRINT_SMOKE unset: pytest reports the test SKIPPED
//                         with its reason and prints no runtime_input_path.
// With `gate_open` false only gate mode runs (the row's own gate is closed, and the closed gate is
// what gets checked). DEV012_SMOKE_ENV must be dev or staging (empty reads as dev); anything else
// is an error before any child runs. The ADR-0027 rationale is copied into the evidence from
// labels/adr0027.json. Evidence: dev012-fingerprint.jsonl.
#include <filesystem>
#include <string>

#include "runtime/config.h"
#include "runtime/evidence.h"
#include "smokes/smoke_result.h"

namespace infra_dod {

SmokeResult run_fingerprint_smoke(const Config& cfg, const Evidence& ev, const std::string& dod_item,
                                  const std::filesystem::path& labels_dir, bool gate_open);

}  // namespace infra_dod
