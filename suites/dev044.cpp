// DEV-044: PostgreSQL and Key Vault (automatic rows).
#include "dod/dod_case.h"

namespace infra_dod {

class DEV044 : public DodCase {};

TEST_F(DEV044, PostgresServerIsReadyAndPrivate) { DOD_NOT_IMPLEMENTED(); }
TEST_F(DEV044, RequiredKeyVaultSecretsAreUsable) { DOD_NOT_IMPLEMENTED(); }

}  // namespace infra_dod
