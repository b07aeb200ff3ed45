// Manual rows: each passes only on a valid attestation record (infra-dod attest).
#include "dod/dod_case.h"

namespace infra_dod {

class Attestation : public DodCase {};

TEST_F(Attestation, DEV045_NSG) { expect_attested(); }
TEST_F(Attestation, DEV045_RollbackPlan) { expect_attested(); }
TEST_F(Attestation, ALERT_TriageReady) { expect_attested(); }
TEST_F(Attestation, ALERT_ApprovalTimeout) { expect_attested(); }
TEST_F(Attestation, ALERT_ExecutionFailed) { expect_attested(); }

}  // namespace infra_dod
