// ADR-0024 and the Alert/Event checklist: the real alert send behind RUN_ALERT_REAL_SEND=1 (its
// gate in labels/dod.json is applied by DodCase::SetUp; its guardrails by the smoke, which
// declines the send and skips naming the unmet one), and ALERT-RULES-ROUTED over the inventory.
#include "dod/dod_case.h"
#include "smokes/alerting.h"

namespace infra_dod {

class Alerting : public DodCase {};

TEST_F(Alerting, EveryEventTypeRoutesToAReceiver) {
  std::string error;
  const auto policy = load_alert_policy(labels_dir(), error);
  if (!policy) return record_error(error);
  if (const auto* s = snapshot())
    assert_judgement(judge_alert_routing(*s, policy->event_types), "every checklist event type routes to a receiver");
}

class ADR0024 : public DodCase {};

TEST_F(ADR0024, RealAlertFiresExactlyOnce) {
  if (const auto* s = snapshot())
    assert_smoke(run_alert_send(config(), evidence(), item().id, *s, labels_dir(), SystemClock::instance()));
}

}  // namespace infra_dod
