#pragma once
// What a smoke returns to the suite that asserts it: the judgement, the row's console line and
// the evidence files the smoke wrote.
#include <filesystem>
#include <string>
#include <vector>

#include "rules/judgement.h"

namespace infra_dod {

struct SmokeResult {
  Judgement judgement;
  std::string headline;  // the runbook's console line for the whole row
  std::vector<std::filesystem::path> evidence;
};

}  // namespace infra_dod
