// DEV-045: private DNS and private endpoints (automatic rows), judged over the run's inventory.
#include "dod/dod_case.h"
#include "rules/azure_rules.h"

namespace infra_dod {

class DEV045 : public DodCase {};

TEST_F(DEV045, PrivateDnsZonesLinkedAndResolvingEndpoints) {
  if (const auto* s = snapshot()) assert_judgement(judge_private_dns(*s), "private DNS zones, links and endpoints");
}

}  // namespace infra_dod
