#pragma once
// The base of every DoD case. SetUp finds the case's rows in labels/dod.json, records them,
// and skips with the gate's own reason when an opt-in flag, a variable or a confirmation is
// missing. The case body then gathers, judges with a rule from src/, records evidence and
// asserts.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dod/case_recorder.h"
#include "registry/registry.h"
#include "rules/judgement.h"
#include "smokes/smoke_result.h"
#include "runtime/config.h"
#include "runtime/evidence.h"

namespace infra_dod {

class DodCase : public ::testing::Test {
 protected:
  void SetUp() override;

  const Config& config() const { return *config_; }
  const Registry& registry() const { return *registry_; }
  // labels/: the registry's folder, where the policy data files beside it live.
  static std::filesystem::path labels_dir() { return Registry::default_path().parent_path(); }
  // The first row this case gives evidence for (rows sharing a case share gate and mode).
  const DodItem& item() const { return *items_.front(); }
  const std::vector<const DodItem*>& items() const { return items_; }
  const Evidence& evidence() const { return *evidence_; }
  static std::string test_name();
  // Set when the row's opt-in flags are unset but its gate is `checked_when_closed`: the gate's
  // reason, which the body reports as the skip once it has checked the closed gate.
  const std::optional<std::string>& closed_gate() const { return closed_gate_; }
  // Reports the case as skipped for the closed gate (gate-closed), with its reason.
  void skip_for_closed_gate();

  // Marks the case as unable to judge (auth, timeout, unreachable, bad config): the report shows
  // `error`, not `fail`. Use as `return record_error(...)`.
  void record_error(const std::string& message);
  // Records where this case's evidence is: relative to the evidence folder, or absolute when the
  // file lies outside it (an artifact file).
  void record_evidence(const std::filesystem::path& file);
  // The runbook's console line: "PASS: <check>" or "FAIL: <check>: <reason>".
  static void console_verdict(const std::string& check, bool ok, const std::string& reason = {});
  // Passes when a valid attestation exists, skips (manual-pending) when none does, fails when
  // the record attests a failure or is invalid.
  void expect_attested();

  // The inventory snapshot of this run (INFRA_DOD_INVENTORY when re-judging saved evidence,
  // else the one the inventory fixture wrote); null after recording an error when there is none.
  const nlohmann::json* snapshot();
  // Records a rule's judgement: one PASS/FAIL console line per check (and `headline`, the
  // runbook's line for the whole row, when given), evidence lines, then the verdict: error when
  // the rule could not judge, a failure naming what was expected, found and where, else pass.
  void assert_judgement(const Judgement& j, const std::string& headline = {});
  // A smoke's result: its evidence files recorded, then its judgement asserted as above; a smoke
  // that declined to act (a guardrail unmet) is reported skipped with its reason.
  void assert_smoke(const SmokeResult& r);

 private:
  std::optional<Config> config_;
  std::optional<Registry> registry_;
  std::vector<const DodItem*> items_;
  std::optional<Evidence> evidence_;
  std::optional<nlohmann::json> snapshot_;
  std::optional<std::string> closed_gate_;
};

}  // namespace infra_dod

// A case whose check is not written yet: the report shows it as not-run, never as a pass.
#define DOD_NOT_IMPLEMENTED()                                                                          \
  do {                                                                                                 \
    ::infra_dod::CaseRecorder::current().set_kind(::infra_dod::CaseOutcome::not_implemented,           \
                                                  "not implemented yet");                              \
    GTEST_SKIP() << "not implemented yet";                                                             \
  } while (0)
