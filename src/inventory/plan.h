#pragma once
// The inventory's request plan: which entries a snapshot holds and what each request is, as a
// pure function of the configuration (the collector, src/inventory/collector.h, runs it).
// Entry names are in src/rules/inventory_entries.h.
#include <nlohmann/json.hpp>
#include <cstdint>
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
  std::string input;         // fed to kubectl on stdin (`-f -`)
  std::string refusal;       // set instead of a request: why kubectl would refuse without asking
  std::int64_t revision = 0;  // the rollout undo dry run: the revision it restores
};

// The kubectl requests, in LANGFUSE_NAMESPACE: they need nothing from Azure. Each object is one
// `kubectl get --raw` of its API path: one round trip, no discovery, with kubectl's own
// kubeconfig and auth plugins.
std::vector<InventoryRequest> kube_plan(const Config& cfg);
// The ARM requests, under /subscriptions/<subscription>/resourceGroups/<AZURE_RESOURCE_GROUP>.
std::vector<InventoryRequest> arm_plan(const Config& cfg, const std::string& subscription);
// What the automatic rows need: the ARM requests, then the kubectl ones.
std::vector<InventoryRequest> inventory_plan(const Config& cfg, const std::string& subscription);
// What follows the private endpoint list (entries::kPrivateEndpoints): each endpoint's DNS zone
// groups, where ARM reports its IPs when a zone group does the DNS work.
std::vector<InventoryRequest> zone_group_requests(const nlohmann::json& private_endpoints);

// What follows the Deployment and its ReplicaSets (entries::kDeployment, kReplicaSets): the
// server-side dry run of `kubectl rollout undo`, sent as the update the undo amounts to (the
// Deployment with the undo target's pod template and annotations, its resourceVersion kept), by
// `kubectl replace --raw <path>?dryRun=All -f -`. One round trip, instead of a cold kubectl's
// discovery and its three reads. `refusal` is set instead where kubectl refuses without asking
// the server (a paused deployment, no earlier revision, the template already matching).
InventoryRequest rollout_undo_request(const Config& cfg, const nlohmann::json& deployment,
                                      const nlohmann::json& replicasets);

// The variables the rules read (entries::kSnapshotConfig), with their effective values, for the
// snapshot's `config`: a saved snapshot then re-judges offline.
nlohmann::json snapshot_config(const Config& cfg);

}  // namespace infra_dod
