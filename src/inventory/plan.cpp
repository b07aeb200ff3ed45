#include "inventory/plan.h"

#include "rules/inventory_entries.h"

namespace infra_dod {
using nlohmann::json;

namespace {

InventoryRequest arm_request(std::string name, std::string path, std::string api_version, bool list = false) {
  return {std::move(name), "arm", std::move(path), std::move(api_version), list, {}, false};
}

std::string string_field(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

}  // namespace

json snapshot_config(const Config& cfg) {
  json c = json::object();
  for (const char* v : entries::kSnapshotConfig) c[v] = cfg.value(v);
  return c;
}

std::vector<InventoryRequest> arm_plan(const Config& cfg, const std::string& sub) {
  std::vector<InventoryRequest> plan;
  const std::string rg = "/subscriptions/" + sub + "/resourceGroups/" + cfg.value("AZURE_RESOURCE_GROUP");
  auto arm = [&](std::string name, std::string path, std::string api, bool list = false) {
    plan.push_back(arm_request(std::move(name), std::move(path), std::move(api), list));
  };
  const std::string pg = rg + "/providers/Microsoft.DBforPostgreSQL/flexibleServers/" + cfg.value("POSTGRES_SERVER_NAME");
  const std::string kv = rg + "/providers/Microsoft.KeyVault/vaults/" + cfg.value("KEY_VAULT_NAME");
  arm(entries::kPostgres, pg, "2024-08-01");
  arm(entries::kPostgresPrivateEndpointConnections, pg + "/privateEndpointConnections", "2024-08-01", true);
  arm(entries::kKeyVault, kv, "2023-07-01");
  arm(entries::kKeyVaultSecrets, kv + "/secrets", "2023-07-01", true);
  for (const auto& zone : cfg.list("PRIVATE_DNS_ZONES")) {
    const std::string z = rg + "/providers/Microsoft.Network/privateDnsZones/" + zone;
    arm(entries::dns_zone(zone), z, "2024-06-01");
    arm(entries::dns_links(zone), z + "/virtualNetworkLinks", "2024-06-01", true);
    arm(entries::dns_a_records(zone), z + "/A", "2024-06-01", true);
  }
  arm(entries::kPrivateEndpoints, rg + "/providers/Microsoft.Network/privateEndpoints", "2024-05-01", true);
  arm(entries::kOpenAi, rg + "/providers/Microsoft.CognitiveServices/accounts/" + cfg.value("OPENAI_ACCOUNT_NAME"),
      "2024-10-01");
  return plan;
}

std::vector<InventoryRequest> kube_plan(const Config& cfg) {
  std::vector<InventoryRequest> plan;
  const std::string ns = cfg.value("LANGFUSE_NAMESPACE");
  const std::string deploy = cfg.value("LANGFUSE_DEPLOYMENT");
  const std::string svc = cfg.value("LANGFUSE_SERVICE");
  auto kube = [&](std::string name, std::vector<std::string> args, bool raw = false) {
    plan.push_back({std::move(name), "kubectl", "", "", false, std::move(args), raw});
  };
  kube(entries::kDeployment, {"get", "deployment", deploy, "-n", ns, "-o", "json"});
  kube(entries::kReplicaSets, {"get", "replicasets", "-n", ns, "-o", "json"});
  kube(entries::kServices, {"get", "services", "-n", ns, "-o", "json"});
  kube(entries::kEndpoints, {"get", "endpoints", svc, "-n", ns, "-o", "json"});
  kube(entries::kIngresses, {"get", "ingresses", "-n", ns, "-o", "json"});
  kube(entries::kRolloutUndoDryRun, {"rollout", "undo", "deployment/" + deploy, "-n", ns, "--dry-run=server"}, true);
  return plan;
}

std::vector<InventoryRequest> inventory_plan(const Config& cfg, const std::string& subscription) {
  auto plan = arm_plan(cfg, subscription);
  for (auto& r : kube_plan(cfg)) plan.push_back(std::move(r));
  return plan;
}

std::vector<InventoryRequest> zone_group_requests(const json& private_endpoints) {
  std::vector<InventoryRequest> requests;
  if (!private_endpoints.is_array()) return requests;
  for (const auto& pe : private_endpoints) {
    if (!pe.is_object()) continue;
    const std::string id = string_field(pe, "id");
    const std::string name = string_field(pe, "name");
    if (id.empty() || name.empty()) continue;
    requests.push_back(arm_request(entries::pe_zone_groups(name), id + "/privateDnsZoneGroups", "2024-05-01", true));
  }
  return requests;
}

}  // namespace infra_dod
