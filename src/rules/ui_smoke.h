#pragma once
// The staging LangFuse UI smoke (runbook: "Staging LangFuse UI smoke"): what its evidence line
// holds, and when it passes (http_code 200 or 302).
#include <nlohmann/json.hpp>
#include <string>

#include "rules/judgement.h"

namespace infra_dod {

// The body's visible text, tags and scripts removed, whitespace folded, at most `max` bytes:
// enough to see which page answered. Scripts (where tokens live) never reach it; the smoke masks
// registered secrets in the body before it is summarised.
std::string sanitized_summary(const std::string& body, std::size_t max = 160);

Judgement judge_ui_answer(long http_code, const std::string& url);

}  // namespace infra_dod
