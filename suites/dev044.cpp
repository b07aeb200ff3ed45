// DEV-044: PostgreSQL and Key Vault (automatic rows, judged over the run's inventory), and the
// trace persistence smoke (DEV044-DB-MIGRATION, -TRACE-RESTART, -E2E-TRACE, TRACE-PERSISTENCE).
#include <chrono>

#include "dod/dod_case.h"
#include "runtime/text.h"
#include "rules/azure_rules.h"
#include "smokes/trace_persistence.h"

namespace infra_dod {

class DEV044 : public DodCase {};

TEST_F(DEV044, PostgresServerIsReadyAndPrivate) {
  // The runbook asks for the verify script's PASS line naming the server: the one collected,
  // so an offline re-judge names what the snapshot holds, not the live configuration.
  if (const auto* s = snapshot())
    assert_judgement(judge_postgres(*s), "PostgreSQL Flexible Server " + config_value(*s, "POSTGRES_SERVER_NAME"));
}

TEST_F(DEV044, RequiredKeyVaultSecretsAreUsable) {
  // Judged at the snapshot's own time, so a saved snapshot re-judges to the same verdict.
  const auto* s = snapshot();
  if (!s) return;
  const auto at = parse_utc(s->value("collected_utc", "")).value_or(std::chrono::system_clock::now());
  assert_judgement(judge_key_vault_secrets(*s, at),
                     "Key Vault " + config_value(*s, "KEY_VAULT_NAME") + " required secrets");
}

class TracePersistence : public DodCase {};

TEST_F(TracePersistence, TraceSurvivesRestart) {
  assert_smoke(run_trace_persistence(config(), evidence(), item().id));
}

}  // namespace infra_dod
