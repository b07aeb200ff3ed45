#pragma once
// The inventory collector: runs the request plan (src/inventory/plan.h) in parallel with bounded
// concurrency, each request under its own deadline and the whole collection under one budget,
// into one snapshot (see src/rules/judgement.h for its shape). Secrets are never fetched: Key
// Vault secrets are listed through the ARM management plane (names and attributes), Kubernetes
// secrets are not part of the inventory at all, and what kubectl returns is stripped of
// credentials (src/inventory/strip.h). A request that fails becomes an error entry; the snapshot
// is always written, so every row can say what stopped it.
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "runtime/clock.h"
#include "runtime/config.h"

namespace infra_dod {

using ProgressLog = std::function<void(const std::string&)>;
nlohmann::json collect_inventory(const Config& cfg, Clock& clock, const ProgressLog& log = {});

}  // namespace infra_dod
