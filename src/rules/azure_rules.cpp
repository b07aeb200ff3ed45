#include "rules/azure_rules.h"

namespace infra_dod {}  // namespace infra_dod
