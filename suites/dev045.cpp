// DEV-045: private DNS and private endpoints (automatic rows).
#include "dod/dod_case.h"

namespace infra_dod {

class DEV045 : public DodCase {};

TEST_F(DEV045, PrivateDnsZonesLinkedAndResolvingEndpoints) { DOD_NOT_IMPLEMENTED(); }

}  // namespace infra_dod
