#include "inventory/plan.h"

#include "rules/inventory_entries.h"
#include "rules/rollback.h"

namespace infra_dod {
using nlohmann::json;

namespace {

InventoryRequest arm_request(std::string name, std::string path, std::string api_version, bool list = false) {
  return {std::move(name), "arm", std::move(path), std::move(api_version), list, {}, false, "", "", 0};
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
  // First: it heads the longest chain (its pages, then every endpoint's zone groups), so it
  // must not wait for a worker behind requests nothing depends on.
  arm(entries::kPrivateEndpoints, rg + "/providers/Microsoft.Network/privateEndpoints", "2024-05-01", true);
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
  arm(entries::kOpenAi, rg + "/providers/Microsoft.CognitiveServices/accounts/" + cfg.value("OPENAI_ACCOUNT_NAME"),
      "2024-10-01");
  arm(entries::kAlertRules, "/subscriptions/" + sub + "/providers/Microsoft.Insights/scheduledQueryRules", "2023-12-01",
      true);
  arm(entries::kActionGroups, "/subscriptions/" + sub + "/providers/Microsoft.Insights/actionGroups", "2023-01-01", true);
  return plan;
}

namespace {

// /api/v1/namespaces/NS/PLURAL[/NAME] or /apis/GROUP/VERSION/namespaces/NS/PLURAL[/NAME].
std::string kube_path(const std::string& group_version, const std::string& ns, const std::string& plural,
                      const std::string& name) {
  return std::string(group_version == "v1" ? "/api/" : "/apis/") + group_version + "/namespaces/" + ns + "/" + plural +
         (name.empty() ? "" : "/" + name);
}

}  // namespace

std::vector<InventoryRequest> kube_plan(const Config& cfg) {
  std::vector<InventoryRequest> plan;
  const std::string ns = cfg.value("LANGFUSE_NAMESPACE");
  const std::string deploy = cfg.value("LANGFUSE_DEPLOYMENT");
  const std::string svc = cfg.value("LANGFUSE_SERVICE");
  auto raw_get = [&](std::string name, const std::string& path) {
    plan.push_back({std::move(name), "kubectl", "", "", false, {"get", "--raw", path}, false, "", "", 0});
  };
  raw_get(entries::kDeployment, kube_path("apps/v1", ns, "deployments", deploy));
  raw_get(entries::kReplicaSets, kube_path("apps/v1", ns, "replicasets", ""));
  raw_get(entries::kServices, kube_path("v1", ns, "services", ""));
  raw_get(entries::kEndpoints, kube_path("v1", ns, "endpoints", svc));
  raw_get(entries::kIngresses, kube_path("networking.k8s.io/v1", ns, "ingresses", ""));
  return plan;
}

InventoryRequest rollout_undo_request(const Config& cfg, const json& deployment, const json& replicasets) {
  const std::string ns = cfg.value("LANGFUSE_NAMESPACE");
  const std::string deploy = cfg.value("LANGFUSE_DEPLOYMENT");
  InventoryRequest r{entries::kRolloutUndoDryRun, "kubectl", "", "", false,
                     {"replace", "--raw", kube_path("apps/v1", ns, "deployments", deploy) + "?dryRun=All", "-f", "-"},
                     true, "", "", 0};
  const auto undo = plan_rollout_undo(deployment, replicasets);
  if (!undo.refusal.empty()) {
    r.refusal = undo.refusal;
    return r;
  }
  r.input = undo.object.dump();
  r.revision = undo.revision;
  return r;
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
