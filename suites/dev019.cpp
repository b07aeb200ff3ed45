// DEV-019: the serverless watchdog smoke.
// The gate in labels/dod.json is applied by DodCase::SetUp before any body runs.
#include "dod/dod_case.h"

namespace infra_dod {

class DEV019 : public DodCase {};

TEST_F(DEV019, ServerlessWatchdogRunSucceeds) { DOD_NOT_IMPLEMENTED(); }

}  // namespace infra_dod
