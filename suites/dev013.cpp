// DEV-013: the Databricks checkpoint smokes, pragmatic and strict (each its own verdict).
// The gate in labels/dod.json is applied by DodCase::SetUp before any body runs.
#include "dod/dod_case.h"

namespace infra_dod {

class DEV013 : public DodCase {};

TEST_F(DEV013, PragmaticVolumeIsReachable) { DOD_NOT_IMPLEMENTED(); }
TEST_F(DEV013, StrictRuntimeSmokeSucceeds) { DOD_NOT_IMPLEMENTED(); }

}  // namespace infra_dod
