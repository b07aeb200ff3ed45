// DEV-043: the LangFuse workload on AKS (automatic rows).
#include "dod/dod_case.h"

namespace infra_dod {

class DEV043 : public DodCase {};

TEST_F(DEV043, DeploymentIsRolledOutBehindClusterIpService) { DOD_NOT_IMPLEMENTED(); }
TEST_F(DEV043, EveryImageIsPinnedFromAcr) { DOD_NOT_IMPLEMENTED(); }
TEST_F(DEV043, NoPublicRouteReachesLangfuse) { DOD_NOT_IMPLEMENTED(); }
TEST_F(DEV043, RollbackToPreviousRevisionIsPossible) { DOD_NOT_IMPLEMENTED(); }

}  // namespace infra_dod
