// The runbook's rollback procedures: destructive, mode `rollback`, never selected by `automatic`
// or `smoke`; each needs its flags and a confirmation naming the namespace (see labels/dod.json).
// The gate in labels/dod.json is applied by DodCase::SetUp before any body runs.
#include "dod/dod_case.h"

namespace infra_dod {

class Rollback : public DodCase {};

TEST_F(Rollback, WorkloadRollsBackToPreviousRevision) { DOD_NOT_IMPLEMENTED(); }
TEST_F(Rollback, LangfuseRemovalLeavesNothingBehind) { DOD_NOT_IMPLEMENTED(); }
TEST_F(Rollback, RemovedAzureResourcesAreAbsent) { DOD_NOT_IMPLEMENTED(); }

}  // namespace infra_dod
