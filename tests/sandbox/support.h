#pragma once
// What every sandbox service test starts from: the healthy scenario, resolved.
#include <gtest/gtest.h>

#include "scenario.h"
#include "service.h"

namespace infra_dod::sandbox {

// Fills shared.scenario with fixtures/sandbox/healthy; a test then adjusts delays or faults.
inline void load_healthy(Shared& shared) {
  auto scenario = load_scenario(INFRA_DOD_SCENARIOS, "healthy");
  ASSERT_TRUE(scenario) << scenario.error().message;
  shared.scenario = scenario.value();
}

}  // namespace infra_dod::sandbox
