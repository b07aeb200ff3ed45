#pragma once
// What an inventory snapshot holds, by name: the entries the collector writes (its plan,
// src/inventory/plan.h) and the rules read, and the configuration variables the collector copies
// into the snapshot's `config` so that a saved snapshot re-judges offline. One list for both
// sides, so a name cannot drift between the writer and the reader. Header-only, standard library
// only.
#include <array>
#include <string>
#include <string_view>

namespace infra_dod::entries {

// ARM resources and lists (the list entries hold the merged `value` array of every page).
inline constexpr char kPostgres[] = "arm.postgres";
inline constexpr char kPostgresPrivateEndpointConnections[] = "arm.postgres.private_endpoint_connections";
inline constexpr char kKeyVault[] = "arm.keyvault";
inline constexpr char kKeyVaultSecrets[] = "arm.keyvault.secrets";  // names and attributes, never values
inline constexpr char kPrivateEndpoints[] = "arm.private_endpoints";
inline constexpr char kOpenAi[] = "arm.openai";
// Subscription-wide lists: the scheduled query (log search alert) rules and the action groups
// they route to, which may live in another resource group.
inline constexpr char kAlertRules[] = "arm.alert_rules";
inline constexpr char kActionGroups[] = "arm.action_groups";

// Per private DNS zone (one of PRIVATE_DNS_ZONES): the zone, its virtual network links, its A records.
inline std::string dns_zone(std::string_view zone) { return "arm.dns.zone." + std::string(zone); }
inline std::string dns_links(std::string_view zone) { return "arm.dns.links." + std::string(zone); }
inline std::string dns_a_records(std::string_view zone) { return "arm.dns.a." + std::string(zone); }

// Per private endpoint (by name): its DNS zone groups, fetched once the endpoints are known.
inline constexpr std::string_view kPeZoneGroupsPrefix = "arm.pe_zone_groups.";
inline std::string pe_zone_groups(std::string_view endpoint_name) {
  return std::string(kPeZoneGroupsPrefix) + std::string(endpoint_name);
}
inline bool is_pe_zone_groups(std::string_view entry_name) {
  return entry_name.substr(0, kPeZoneGroupsPrefix.size()) == kPeZoneGroupsPrefix;
}

// Kubernetes objects in LANGFUSE_NAMESPACE (lists are kubectl's {"kind": "List", "items": [...]}).
inline constexpr char kDeployment[] = "kube.deployment";
inline constexpr char kReplicaSets[] = "kube.replicasets";
inline constexpr char kServices[] = "kube.services";
inline constexpr char kEndpoints[] = "kube.endpoints";
inline constexpr char kIngresses[] = "kube.ingresses";
// {exit_code, stdout, stderr} of `kubectl rollout undo --dry-run=server`: the exit is the finding.
inline constexpr char kRolloutUndoDryRun[] = "kube.rollout_undo_dry_run";

// The variables the snapshot's `config` carries, each with its effective value at collection
// time: every variable a rule or a suite's headline reads, and the environment's name.
inline constexpr std::array<const char*, 13> kSnapshotConfig = {
    "INFRA_DOD_ENVIRONMENT", "AZURE_SUBSCRIPTION_ID",    "AZURE_RESOURCE_GROUP", "POSTGRES_SERVER_NAME",
    "KEY_VAULT_NAME",        "KEY_VAULT_REQUIRED_SECRETS", "PRIVATE_DNS_ZONES",  "PRIVATE_DNS_LINKED_VNETS",
    "OPENAI_ACCOUNT_NAME",   "ACR_LOGIN_SERVER",         "LANGFUSE_NAMESPACE",   "LANGFUSE_DEPLOYMENT",
    "LANGFUSE_SERVICE"};

}  // namespace infra_dod::entries
