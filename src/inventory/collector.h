#pragma once
// The inventory collector: every resource the automatic rows need, fetched in parallel with
// bounded concurrency, each request under its own deadline, into one snapshot (see
// src/rules/judgement.h for its shape). Secrets are never fetched: Key Vault secrets are listed
// through the ARM management plane (names and attributes), and Kubernetes secrets are not part
// of the inventory at all. A request that fails becomes an error entry; the snapshot is always
// written, so every row can say what stopped it.
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runtime/clock.h"
#include "runtime/config.h"

namespace infra_dod {

struct InventoryRequest {
  std::string name;    // entry name (src/rules/inventory_entries.h)
  std::string source;  // "arm" or "kubectl"
  std::string path;    // ARM path
  std::string api_version;
  bool list = false;
  std::vector<std::string> kubectl_args;
  bool raw_process = false;  // kubectl whose exit code is itself the finding (rollout undo dry run)
};

// What the automatic rows need, from the configuration.
std::vector<InventoryRequest> inventory_plan(const Config& cfg, const std::string& subscription);

using ProgressLog = std::function<void(const std::string&)>;
nlohmann::json collect_inventory(const Config& cfg, Clock& clock, const ProgressLog& log = {});

// The variables the rules read, copied into the snapshot so it can be re-judged offline.
nlohmann::json snapshot_config(const Config& cfg);

}  // namespace infra_dod
