// DEV-045: private DNS and private endpoints (automatic rows, judged over the run's inventory),
// the NSG review and the rollback plan (manual rows, passed by an attestation record), and the
// private-path-only checklist (DEV045-PRIVATE-PATH and its three PRIVATE-PATH-* rows).
#include "dod/dod_case.h"
#include "rules/azure_rules.h"
#include "smokes/databricks.h"
#include "smokes/private_path.h"

namespace infra_dod {

class DEV045 : public DodCase {};

TEST_F(DEV045, PrivateDnsZonesLinkedAndResolvingEndpoints) {
  if (const auto* s = snapshot()) assert_judgement(judge_private_dns(*s), "private DNS zones, links and endpoints");
}

// The NSG rules are reviewed by a person against the runbook; the inventory does not fetch them.
TEST_F(DEV045, NsgReviewIsAttested) { expect_attested(); }
TEST_F(DEV045, RollbackPlanIsAttested) { expect_attested(); }

class PrivatePath : public DodCase {};

TEST_F(PrivatePath, DatabricksReachesLangfusePrivately) {
  assert_smoke(run_databricks_private_path(config(), evidence(), item().id, SystemClock::instance()));
}
TEST_F(PrivatePath, LangfuseReachesPostgresPrivately) {
  if (const auto* s = snapshot()) assert_smoke(run_postgres_private_path(config(), evidence(), item().id, *s));
}
TEST_F(PrivatePath, NoPublicFallbackAnswers) {
  if (const auto* s = snapshot()) assert_smoke(run_no_public_fallback(config(), evidence(), item().id, *s));
}

}  // namespace infra_dod
