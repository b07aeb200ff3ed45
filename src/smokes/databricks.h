#pragma once
// The Databricks smokes' I/O (DEV-013, DEV-019, the private path's Databricks line): payloads
// from fixtures/jobs/ templates, runs submitted and polled on the injected clock, every call in
// `databricks-calls.jsonl` with the CLI command that repeats it, and each run's polling log,
// run JSON and task output in evidence. The verdicts are rules/databricks_rules.h.
#include <string>

#include "runtime/clock.h"
#include "runtime/config.h"
#include "runtime/evidence.h"
#include "smokes/smoke_result.h"

namespace infra_dod {

// DEV013-PRAGMATIC: current-user me, then the listing of DEV013_VOLUME_PATH.
SmokeResult run_dev013_pragmatic(const Config& cfg, const Evidence& ev, const std::string& dod_item, Clock& clock);
// DEV013-STRICT: the runbook's serverless payload with DEV013_RUNTIME_SMOKE_SCRIPT and
// --checkpoint-db-path DEV013_CHECKPOINT_DB_PATH, polled to the end (DATABRICKS_POLL_INTERVAL_S up
// to DATABRICKS_RUN_TIMEOUT_S), triaged on failure: permission, then path existence, then run output.
SmokeResult run_dev013_strict(const Config& cfg, const Evidence& ev, const std::string& dod_item, Clock& clock);
// DEV019-WATCHDOG: the shape guard, then the serverless run polled every DEV019_POLL_INTERVAL_S up
// to DEV019_TIMEOUT_S (cancelled at the deadline), then get-run-output on the task run id.
SmokeResult run_dev019_watchdog(const Config& cfg, const Evidence& ev, const std::string& dod_item, Clock& clock);
// DEV019-WRAPPER-LINT: the wrapper guardrails on the local copy DEV019_WRAPPER_PATH.
SmokeResult run_wrapper_lint(const Config& cfg, const Evidence& ev, const std::string& dod_item);
// PRIVATE-PATH-DATABRICKS: the probe job (PRIVATE_PATH_PROBE_SCRIPT, fixtures/probes/langfuse_probe.py
// uploaded) against PRIVATE_PATH_LANGFUSE_URL, polled like the strict smoke.
SmokeResult run_databricks_private_path(const Config& cfg, const Evidence& ev, const std::string& dod_item,
                                        Clock& clock);

}  // namespace infra_dod
