#pragma once
// What a smoke returns to the suite that asserts it: the judgement, the row's console line and
// the evidence files the smoke wrote.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "rules/judgement.h"

namespace infra_dod {

struct SmokeResult {
  Judgement judgement;
  std::string headline;  // the runbook's console line for the whole row
  std::vector<std::filesystem::path> evidence;
  // Set when the smoke declined to act because one of the runbook's conditions for it does not
  // hold (ADR-0024's send guardrails): the row is skipped with this reason, never passed.
  std::optional<std::string> declined;
};

}  // namespace infra_dod
