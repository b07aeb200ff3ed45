// DEV-043: the LangFuse workload on AKS. The automatic rows are judged over the run's inventory;
// the UI smoke (DEV043-UI-SMOKE, UI-SMOKE) runs from inside the VNet.
#include "dod/dod_case.h"
#include "rules/kube_rules.h"
#include "smokes/ui_smoke.h"

namespace infra_dod {

class DEV043 : public DodCase {};

TEST_F(DEV043, DeploymentIsRolledOutBehindClusterIpService) {
  if (const auto* s = snapshot()) assert_judgement(judge_deployment(*s), "LangFuse deployment + ClusterIP service");
}

TEST_F(DEV043, EveryImageIsPinnedFromAcr) {
  if (const auto* s = snapshot()) assert_judgement(judge_acr_images(*s), "LangFuse images pinned from " + config_value(*s, "ACR_LOGIN_SERVER"));
}

TEST_F(DEV043, NoPublicRouteReachesLangfuse) {
  if (const auto* s = snapshot()) assert_judgement(judge_internal_only(*s), "LangFuse internal-only");
}

TEST_F(DEV043, RollbackToPreviousRevisionIsPossible) {
  if (const auto* s = snapshot()) assert_judgement(judge_rollback_possible(*s), "LangFuse rollback possible");
}

class UiSmoke : public DodCase {};

TEST_F(UiSmoke, InternalUiAnswers) { assert_smoke(run_ui_smoke(config(), evidence(), item().id)); }

}  // namespace infra_dod
