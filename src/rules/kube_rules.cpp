#include "rules/kube_rules.h"

namespace infra_dod {}  // namespace infra_dod
