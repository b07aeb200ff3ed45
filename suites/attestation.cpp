// The Alert/Event smoke checklist: manual rows, each passed only by a valid attestation record
// (infra-dod attest). Manual rows of a ticket live in its own suite file.
#include "dod/dod_case.h"

namespace infra_dod {

class Attestation : public DodCase {};

TEST_F(Attestation, ALERT_TriageReady) { expect_attested(); }
TEST_F(Attestation, ALERT_ApprovalTimeout) { expect_attested(); }
TEST_F(Attestation, ALERT_ExecutionFailed) { expect_attested(); }

}  // namespace infra_dod
