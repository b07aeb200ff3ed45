#pragma once
// ADR-0015: the Databricks real-environment secret smoke's I/O. The verdicts are the pure rules
// in rules/secret_contract.h, over what these steps saw.
//
//   1. `databricks current-user me` (DatabricksClient::current_user) against DATABRICKS_HOST.
//   2. Env first: PYTHON runs fixtures/probes/get_secret_driver.py in AGENT_REPO_DIR (its working
//      folder and PYTHONPATH), which imports GET_SECRET_CALLABLE and calls it with
//      SECRET_SMOKE_KEY, with SECRET_<KEY> set to a stub, both scope variables invalid, and
//      DATABRICKS_HOST pointing at a loopback endpoint the smoke starts, which refuses and
//      records every request: the stub must come back, and no request may arrive.
//   3. Scope fallback: the stub unset, the operator's scope variables; the endpoint forwards
//      GET requests to the real DATABRICKS_HOST with the child's own Authorization header and
//      records the scope and key of each. The driver reports only whether the value was empty
//      and its length, so the value never reaches the harness's pipes; the endpoint keeps every
//      form of what it relays (plain, base64, URL-encoded) in a registry of the smoke's own,
//      masks them in everything the row writes, and a last evidence line (leak-check) says
//      none of them is in the row's evidence.
//   Precedence: both scope variables set to distinct names the endpoint answers itself; the
//      first read must name DATABRICKS_SECRET_SCOPE's.
//   Classification: the endpoint injects 403, 404 (missing scope), 404 (missing key), 429, 500,
//      503 and a hang; for these calls the driver passes SECRET_SMOKE_TIMEOUT_S as the
//      callable's `timeout` keyword when it takes one.
//
// Every child gets an explicit environment on top of the harness's (DATABRICKS_TOKEN only
// through it, never argv; PYTHONPATH the checkout; no bytecode written into it) and the
// INFRA_DOD_PROCESS_TIMEOUT_S deadline. Each step's command, environment, masked stdout and
// stderr, result and the requests the endpoint saw go to adr0015-secret.jsonl, then the leak
// check and one line of verdicts, one per runbook criterion.
#include <string>

#include "runtime/config.h"
#include "runtime/evidence.h"
#include "smokes/smoke_result.h"

namespace infra_dod {

SmokeResult run_secret_smoke(const Config& cfg, const Evidence& ev, const std::string& dod_item);

}  // namespace infra_dod
