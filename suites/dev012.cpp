// DEV-012 / ADR-0027: the incident fingerprint smoke, behind RUN_DEV012_FINGERPRINT_SMOKE=1.
// The gate in labels/dod.json is applied by DodCase::SetUp before any body runs.
#include "dod/dod_case.h"

namespace infra_dod {

class DEV012 : public DodCase {};

TEST_F(DEV012, FingerprintSmokeUsesPolicyInput) { DOD_NOT_IMPLEMENTED(); }

}  // namespace infra_dod
