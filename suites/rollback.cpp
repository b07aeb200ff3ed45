// The runbook's rollback procedures: destructive, mode `rollback`, never selected by `automatic`
// or `smoke`; each needs its flags and a confirmation naming the namespace (see labels/dod.json).
// The gate in labels/dod.json is applied by DodCase::SetUp before any body runs, and the
// registry's `after` orders them: undo, then removal, then the absence checks.
#include "dod/dod_case.h"
#include "smokes/rollback.h"

namespace infra_dod {

class Rollback : public DodCase {};

TEST_F(Rollback, WorkloadRollsBackToPreviousRevision) {
  assert_smoke(run_workload_rollback(config(), evidence(), item().id));
}

TEST_F(Rollback, LangfuseRemovalLeavesNothingBehind) {
  assert_smoke(run_langfuse_removal(config(), evidence(), item().id));
}

TEST_F(Rollback, RemovedAzureResourcesAreAbsent) {
  assert_smoke(run_absence_checks(config(), evidence(), item().id));
}

}  // namespace infra_dod
