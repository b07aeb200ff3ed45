#pragma once
// The Databricks smokes' judgements (DEV-013, DEV-019, the private path's Databricks line), pure
// functions over what the Jobs, Files and SCIM APIs answered (wire-contracts 2.1-2.6), unit-tested
// on literals. A run's life-cycle state says whether it ended; only its result state says how.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "rules/judgement.h"

namespace infra_dod {

// Terminal life-cycle states: the run will not change any more.
bool run_is_terminal(const nlohmann::json& run);
// "TERMINATED/SUCCESS", "RUNNING", "INTERNAL_ERROR/FAILED": a run's or task's state for a log line.
std::string run_state_text(const nlohmann::json& state_holder);

// DEV-019's shape guard, before anything is submitted: no classic-cluster field anywhere
// (job_clusters, job_cluster_key, new_cluster, existing_cluster_id, spark_env_vars, spark_conf),
// every tasks[].environment_key names an environments[] entry, and every dependency is pinned
// with an exact `==`. One line per problem; none means the payload may go.
std::vector<std::string> serverless_shape_problems(const nlohmann::json& payload);

// DEV-019's success criteria: the parent run and every task run TERMINATED + SUCCESS, and the
// task run's get-run-output (by task run id) without an `error` field. `outputs` holds one
// get-run-output answer per task run id (as a string key).
Judgement judge_watchdog_run(const nlohmann::json& run, const nlohmann::json& outputs);

// DEV-013's pragmatic layer: who the token is, and the UC volume listing (`listing` null when the
// read was refused or found nothing: `listing_error` says which, and that is the finding).
Judgement judge_pragmatic(const nlohmann::json& me, const nlohmann::json* listing, const std::string& listing_error,
                          const std::string& volume_path);

// DEV-013's strict layer. On failure the runbook's triage order: permission (the run's own
// error or the volume read says permission), then path existence (the checkpoint path or its
// volume is missing), then the run output. The class, the exact error and the follow-up action
// the runbook asks for go into the judgement.
struct StrictTriage {
  std::string triage;     // "permission" | "path" | "run-output" | "" when it passed
  std::string error;      // the exact error text
  std::string follow_up;  // what the operator does next
};
StrictTriage triage_strict_run(const nlohmann::json& run, const nlohmann::json& output,
                               const std::optional<std::string>& volume_error, bool checkpoint_path_exists);
Judgement judge_strict(const nlohmann::json& run, const StrictTriage& triage,
                       const std::string& checkpoint_db_path);
// A /dbfs path is the legacy FUSE mount: context only, never the strict default.
bool is_legacy_dbfs_path(const std::string& path);

// The private path's Databricks line: the probe job's output logs hold one JSON line
// {"probe": "http", "url", "host", "address", "status", "error"}; passes when the address is
// private and the health endpoint answered 200.
std::optional<nlohmann::json> probe_result_in_logs(const std::string& logs);
Judgement judge_databricks_probe(const nlohmann::json& run, const nlohmann::json& output);

// DEV019-WRAPPER-LINT: the runbook's wrapper guardrails, checked on the wrapper's source text:
// no `__file__`; a sys.path bootstrap with the workspace root and a `src` fallback; the task
// parameters mapped to TARGET_PIPELINES and LANGFUSE_HOST; no `raise SystemExit(0)` ending.
Judgement judge_wrapper_source(const std::string& source, const std::string& file);

}  // namespace infra_dod
