// ADR-0015: the Databricks real-environment secret smoke against GET_SECRET_CALLABLE.
// The gate in labels/dod.json is applied by DodCase::SetUp before any body runs.
#include "dod/dod_case.h"

namespace infra_dod {

class ADR0015 : public DodCase {};

TEST_F(ADR0015, SecretResolutionFollowsContract) { DOD_NOT_IMPLEMENTED(); }

}  // namespace infra_dod
