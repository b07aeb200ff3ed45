#pragma once
// The runbook's rollback procedures, destructive and gated (labels/dod.json: mode `rollback`,
// RUN_ROLLBACK[_REMOVAL] and INFRA_DOD_CONFIRM_NAMESPACE, applied before any of these runs).
// Each writes its steps to the evidence stream "rollback" and returns the judgement of
// src/rules/rollback.h over the record it built.
#include <string>

#include "runtime/clock.h"
#include "runtime/config.h"
#include "runtime/evidence.h"
#include "smokes/smoke_result.h"

namespace infra_dod {

// ROLLBACK-WORKLOAD: records which revision `kubectl rollout undo` would restore (a server-side
// dry run first), then undoes and waits with `rollout status --timeout=LANGFUSE_ROLLOUT_TIMEOUT_S`.
// Nothing is undone when the dry run finds nothing to restore.
SmokeResult run_workload_rollback(const Config& cfg, const Evidence& ev, const std::string& dod_item);

// ROLLBACK-REMOVAL: deletes the Deployment and the Service, then polls (on `clock`, for
// ROLLBACK_DELETE_TIMEOUT_S) until each answers NotFound. A finalizer that holds an object is
// named in the finding.
SmokeResult run_langfuse_removal(const Config& cfg, const Evidence& ev, const std::string& dod_item,
                                 Clock& clock = SystemClock::instance());

// ROLLBACK-ABSENCE: each id of ROLLBACK_EXPECT_ABSENT read the way `az resource show --ids`
// reads it (the provider's registration picks the api-version, then one GET), one id per
// request.
SmokeResult run_absence_checks(const Config& cfg, const Evidence& ev, const std::string& dod_item,
                               Clock& clock = SystemClock::instance());

}  // namespace infra_dod
