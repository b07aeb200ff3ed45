// ADR-0015: the Databricks real-environment secret smoke against GET_SECRET_CALLABLE.
// The gate in labels/dod.json is applied by DodCase::SetUp before any body runs.
#include "dod/dod_case.h"
#include "smokes/adr0015.h"

namespace infra_dod {

class ADR0015 : public DodCase {};

TEST_F(ADR0015, SecretResolutionFollowsContract) { assert_smoke(run_secret_smoke(config(), evidence(), item().id)); }

}  // namespace infra_dod
