#pragma once
// The inventory's request plan: which entries a snapshot holds and what each request is, as a
// pure function of the configuration (the collector, src/inventory/collector.h, runs it).
// Entry names are in src/rules/inventory_entries.h.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

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

// The kubectl requests, in LANGFUSE_NAMESPACE: they need nothing from Azure.
std::vector<InventoryRequest> kube_plan(const Config& cfg);
// The ARM requests, under /subscriptions/<subscription>/resourceGroups/<AZURE_RESOURCE_GROUP>.
std::vector<InventoryRequest> arm_plan(const Config& cfg, const std::string& subscription);
// What the automatic rows need: the ARM requests, then the kubectl ones.
std::vector<InventoryRequest> inventory_plan(const Config& cfg, const std::string& subscription);
// What follows the private endpoint list (entries::kPrivateEndpoints): each endpoint's DNS zone
// groups, where ARM reports its IPs when a zone group does the DNS work.
std::vector<InventoryRequest> zone_group_requests(const nlohmann::json& private_endpoints);

// The variables the rules read (entries::kSnapshotConfig), with their effective values, for the
// snapshot's `config`: a saved snapshot then re-judges offline.
nlohmann::json snapshot_config(const Config& cfg);

}  // namespace infra_dod
