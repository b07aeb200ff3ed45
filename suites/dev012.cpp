// DEV-012 / ADR-0027: the incident fingerprint smoke through its own pytest entry point. Its gate
// (RUN_DEV012_FINGERPRINT_SMOKE=1) is `checked_when_closed`: with the flag unset the case still
// runs the smoke's gate mode, and reports skipped with the gate's reason only when pytest skipped.
#include "dod/dod_case.h"
#include "smokes/dev012.h"

namespace infra_dod {

class DEV012 : public DodCase {};

TEST_F(DEV012, FingerprintSmokeUsesPolicyInput) {
  auto r = run_fingerprint_smoke(config(), evidence(), item().id, labels_dir(), !closed_gate());
  if (closed_gate() && r.judgement.outcome == Outcome::pass) r.declined = *closed_gate();
  assert_smoke(r);
}

}  // namespace infra_dod
