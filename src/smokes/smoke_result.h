#pragma once
// What a smoke returns to the suite that asserts it: the judgement, the row's console line and
// the evidence files the smoke wrote.
#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "rules/judgement.h"
#include "runtime/result.h"

namespace infra_dod {

struct SmokeResult {
  Judgement judgement;
  std::string headline;  // the runbook's console line for the whole row
  std::vector<std::filesystem::path> evidence;
  // Set when the smoke declined to act because one of the runbook's conditions for it does not
  // hold (ADR-0024's send guardrails): the row is skipped with this reason, never passed.
  std::optional<std::string> declined;
};

// The smoke could not judge (auth, timeout, bad config): `why` becomes the row's error.
inline SmokeResult cannot(SmokeResult out, const std::string& why) {
  out.judgement = Judgement::cannot_judge(why);
  return out;
}

// Lists a file the smoke wrote among its evidence, once.
inline void keep(SmokeResult& out, const Result<std::filesystem::path>& written) {
  if (written && std::find(out.evidence.begin(), out.evidence.end(), written.value()) == out.evidence.end())
    out.evidence.push_back(written.value());
}

}  // namespace infra_dod
