// DEV-043: the LangFuse workload on AKS (automatic rows), judged over the run's inventory.
#include "dod/dod_case.h"
#include "rules/kube_rules.h"

namespace infra_dod {

class DEV043 : public DodCase {};

TEST_F(DEV043, DeploymentIsRolledOutBehindClusterIpService) {
  if (const auto* s = snapshot()) assert_judgement(judge_deployment(*s), "LangFuse deployment + ClusterIP service");
}

TEST_F(DEV043, EveryImageIsPinnedFromAcr) {
  if (const auto* s = snapshot()) assert_judgement(judge_acr_images(*s), "LangFuse images pinned from " + config().value("ACR_LOGIN_SERVER"));
}

TEST_F(DEV043, NoPublicRouteReachesLangfuse) {
  if (const auto* s = snapshot()) assert_judgement(judge_internal_only(*s), "LangFuse internal-only");
}

TEST_F(DEV043, RollbackToPreviousRevisionIsPossible) {
  if (const auto* s = snapshot()) assert_judgement(judge_rollback_possible(*s), "LangFuse rollback possible");
}

}  // namespace infra_dod
