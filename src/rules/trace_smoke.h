#pragma once
// The staging trace persistence + e2e trace storage smoke (runbook:
// smoke_langfuse_trace_persistence.sh): its stages, its final line and when it passes.
#include <nlohmann/json.hpp>
#include <string>

#include "rules/judgement.h"

namespace infra_dod {

// The runbook's stages, in order.
inline constexpr const char* kTraceStages[] = {"credentials", "ingest", "fetch_before_restart", "restart",
                                               "fetch_after_restart", "complete"};

// The ingestion answered for our event: 200/201/202 as the runbook's script saw it, or LangFuse
// v3's 207 multi-status with the event among the successes (its per-event status 2xx).
bool ingestion_accepted(long http_code, const nlohmann::json& body, const std::string& event_id, std::string* why);

// Judges the smoke's final line: result pass, stage complete, ingest accepted, and both fetches
// 200 for the same trace_id.
Judgement judge_trace_persistence(const nlohmann::json& final_line);

}  // namespace infra_dod
