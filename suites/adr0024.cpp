// ADR-0024: the real alert send, behind RUN_ALERT_REAL_SEND=1.
// The gate in labels/dod.json is applied by DodCase::SetUp before any body runs.
#include "dod/dod_case.h"

namespace infra_dod {

class ADR0024 : public DodCase {};

TEST_F(ADR0024, RealAlertFiresExactlyOnce) { DOD_NOT_IMPLEMENTED(); }

}  // namespace infra_dod
