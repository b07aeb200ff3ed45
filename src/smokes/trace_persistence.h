#pragma once
// The runbook's smoke_langfuse_trace_persistence.sh: credentials -> ingest ->
// fetch_before_restart -> restart -> fetch_after_restart -> complete, one JSON line per stage
// (and per stage in LANGFUSE_TRACE_SMOKE_ARTIFACT_FILE when set, checked after the run for one
// appended line per stage, each equal to the line printed). The keys come from the
// Kubernetes secret LANGFUSE_SECRET_NAME and are registered the moment they are read. Reads are
// polled on the given clock, since LangFuse ingests asynchronously. The last line carries the
// verdict, judged by judge_trace_persistence.
#include "runtime/clock.h"
#include "smokes/langfuse.h"

namespace infra_dod {

SmokeResult run_trace_persistence(const Config& cfg, const Evidence& ev, const std::string& dod_item,
                                  Clock& clock = SystemClock::instance());

}  // namespace infra_dod
