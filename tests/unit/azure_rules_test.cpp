#include "rules/azure_rules.h"

#include <gtest/gtest.h>

namespace infra_dod {
namespace {

using nlohmann::json;

const std::string kRg = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dev";
const std::string kServerId = kRg + "/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-langfuse-dev";
const std::string kAccountId = kRg + "/providers/Microsoft.CognitiveServices/accounts/oai-dev";
const std::string kVnetId = kRg + "/providers/Microsoft.Network/virtualNetworks/vnet-dev";
const std::string kOpenAiZone = "privatelink.openai.azure.com";
const std::string kPostgresZone = "privatelink.postgres.database.azure.com";

// 2026-11-26T20:00:00Z; the secrets below were created in early 2025.
const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1795723200));

// Entries as the collector writes them for ARM (src/inventory/collector.cpp).
json ok(json value) {
  return {{"source", "arm"}, {"request", "GET ..."}, {"ok", true}, {"status", 200}, {"attempts", 1},
          {"value", std::move(value)}};
}
json failed(const std::string& kind, int status, const std::string& code, const std::string& message) {
  return {{"source", "arm"}, {"request", "GET ..."}, {"ok", false}, {"status", status}, {"attempts", 1},
          {"error", {{"kind", kind}, {"code", code}, {"message", message}}}};
}
json not_found(const std::string& type_and_name) {
  return failed("not-found", 404, "ResourceNotFound",
                "The Resource '" + type_and_name +
                    "' under resource group 'rg-dev' was not found. For more details please go to "
                    "https://aka.ms/ARMResourceNotFoundFix");
}
json forbidden(const std::string& action) {
  return failed("auth", 403, "AuthorizationFailed",
                "The client 'ci@contoso.com' with object id '11111111-0000-0000-0000-000000000000' does not have "
                "authorization to perform action '" +
                    action + "' over scope '" + kRg + "' or the scope is invalid.");
}

// arm-contracts 2: a public-access server with a Private Link endpoint (2024-08-01 shape).
json private_link_server() {
  return json::parse(R"({
    "id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dev/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-langfuse-dev",
    "name": "pg-langfuse-dev", "type": "Microsoft.DBforPostgreSQL/flexibleServers", "location": "westeurope",
    "sku": {"name": "Standard_D2ds_v5", "tier": "GeneralPurpose"},
    "properties": {
      "state": "Ready", "version": "16", "fullyQualifiedDomainName": "pg-langfuse-dev.postgres.database.azure.com",
      "network": {"publicNetworkAccess": "Disabled"},
      "privateEndpointConnections": [{
        "id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dev/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-langfuse-dev/privateEndpointConnections/pe-postgres-dev.6f1c2d3e-0000-0000-0000-000000000000",
        "name": "pe-postgres-dev.6f1c2d3e-0000-0000-0000-000000000000",
        "type": "Microsoft.DBforPostgreSQL/flexibleServers/privateEndpointConnections",
        "properties": {
          "groupIds": ["postgresqlServer"],
          "privateEndpoint": {"id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dev/providers/Microsoft.Network/privateEndpoints/pe-postgres-dev"},
          "privateLinkServiceConnectionState": {"status": "Approved", "description": "Auto-Approved", "actionsRequired": "None"},
          "provisioningState": "Succeeded"}}]}})");
}

// arm-contracts 2: a VNet-integrated ("private access") server.
json vnet_server() {
  return json::parse(R"({
    "id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dev/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-langfuse-dev",
    "name": "pg-langfuse-dev", "type": "Microsoft.DBforPostgreSQL/flexibleServers",
    "properties": {
      "state": "Ready", "version": "16",
      "network": {
        "publicNetworkAccess": "Disabled",
        "delegatedSubnetResourceId": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dev/providers/Microsoft.Network/virtualNetworks/vnet-dev/subnets/snet-postgres",
        "privateDnsZoneArmResourceId": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dev/providers/Microsoft.Network/privateDnsZones/pg-langfuse-dev.private.postgres.database.azure.com"}}})");
}

json secret(const std::string& name, json attributes) {
  return {{"id", kRg + "/providers/Microsoft.KeyVault/vaults/kv-langfuse-dev/secrets/" + name},
          {"name", name},
          {"type", "Microsoft.KeyVault/vaults/secrets"},
          {"location", "westeurope"},
          {"properties",
           {{"attributes", std::move(attributes)},
            {"secretUri", "https://kv-langfuse-dev.vault.azure.net/secrets/" + name},
            {"secretUriWithVersion", "https://kv-langfuse-dev.vault.azure.net/secrets/" + name + "/3f0c6a1e2b7d4c9a8e5f1b2c3d4e5f60"}}}};
}

json zone(const std::string& name) {
  return {{"id", kRg + "/providers/Microsoft.Network/privateDnsZones/" + name},
          {"name", name},
          {"type", "Microsoft.Network/privateDnsZones"},
          {"etag", "6c5a9f1e-0d2b-4f51-9a8b-1f2e3d4c5b6a"},
          {"location", "global"},
          {"properties", {{"numberOfVirtualNetworkLinks", 1}, {"provisioningState", "Succeeded"}}}};
}

json link(const std::string& zone_name, const std::string& vnet_id, const std::string& state = "Succeeded",
          const std::string& link_state = "Completed") {
  return {{"id", kRg + "/providers/Microsoft.Network/privateDnsZones/" + zone_name + "/virtualNetworkLinks/link-vnet-dev"},
          {"name", "link-vnet-dev"},
          {"type", "Microsoft.Network/privateDnsZones/virtualNetworkLinks"},
          {"etag", "\"0a00b1c2-0000-0100-0000-67a0b1c20000\""},
          {"location", "global"},
          {"properties",
           {{"provisioningState", state},
            {"registrationEnabled", false},
            {"resolutionPolicy", "Default"},
            {"virtualNetwork", {{"id", vnet_id}}},
            {"virtualNetworkLinkState", link_state}}}};
}

json a_record(const std::string& zone_name, const std::string& name, const std::string& ip) {
  return {{"id", kRg + "/providers/Microsoft.Network/privateDnsZones/" + zone_name + "/A/" + name},
          {"name", name},
          {"type", "Microsoft.Network/privateDnsZones/A"},
          {"etag", "1f2e3d4c-0000-0000-0000-000000000001"},
          {"properties",
           {{"ttl", 10},
            {"fqdn", name + "." + zone_name + "."},
            {"isAutoRegistered", false},
            {"aRecords", {{{"ipv4Address", ip}}}}}}};
}

// arm-contracts 5: a private endpoint with its connection nested under properties.
json endpoint(const std::string& name, const std::string& target_id, const std::string& group, const std::string& fqdn,
              const std::string& ip, const std::string& status = "Approved") {
  const std::string id = kRg + "/providers/Microsoft.Network/privateEndpoints/" + name;
  return {{"id", id},
          {"name", name},
          {"type", "Microsoft.Network/privateEndpoints"},
          {"etag", "W/\"a1b2c3d4-0000-0000-0000-000000000000\""},
          {"location", "westeurope"},
          {"properties",
           {{"provisioningState", "Succeeded"},
            {"subnet", {{"id", kVnetId + "/subnets/snet-private-endpoints"}}},
            {"networkInterfaces", {{{"id", kRg + "/providers/Microsoft.Network/networkInterfaces/" + name + ".nic.7d6c5b4a-0000-0000-0000-000000000000"}}}},
            {"privateLinkServiceConnections",
             {{{"id", id + "/privateLinkServiceConnections/" + name},
               {"name", name},
               {"type", "Microsoft.Network/privateEndpoints/privateLinkServiceConnections"},
               {"properties",
                {{"provisioningState", "Succeeded"},
                 {"privateLinkServiceId", target_id},
                 {"groupIds", {group}},
                 {"privateLinkServiceConnectionState",
                  {{"status", status}, {"description", "Auto-Approved"}, {"actionsRequired", "None"}}}}}}}},
            {"manualPrivateLinkServiceConnections", json::array()},
            {"customDnsConfigs", {{{"fqdn", fqdn}, {"ipAddresses", {ip}}}}},
            {"ipConfigurations", json::array()},
            {"customNetworkInterfaceName", ""}}}};
}

json openai_account() {
  return json::parse(R"({
    "id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dev/providers/Microsoft.CognitiveServices/accounts/oai-dev",
    "name": "oai-dev", "type": "Microsoft.CognitiveServices/accounts", "kind": "OpenAI", "location": "westeurope",
    "properties": {"provisioningState": "Succeeded", "endpoint": "https://oai-dev.openai.azure.com/",
                   "customSubDomainName": "oai-dev", "publicNetworkAccess": "Disabled"}})");
}

json healthy() {
  return {
      {"schema", 1},
      {"config",
       {{"AZURE_SUBSCRIPTION_ID", "00000000-0000-0000-0000-000000000000"},
        {"AZURE_RESOURCE_GROUP", "rg-dev"},
        {"POSTGRES_SERVER_NAME", "pg-langfuse-dev"},
        {"KEY_VAULT_NAME", "kv-langfuse-dev"},
        {"KEY_VAULT_REQUIRED_SECRETS", "langfuse-database-url,langfuse-salt"},
        {"PRIVATE_DNS_ZONES", kOpenAiZone + "," + kPostgresZone},
        {"PRIVATE_DNS_LINKED_VNETS", kVnetId},
        {"OPENAI_ACCOUNT_NAME", "oai-dev"}}},
      {"entries",
       {{"arm.postgres", ok(private_link_server())},
        {"arm.postgres.private_endpoint_connections", ok(private_link_server()["properties"]["privateEndpointConnections"])},
        {"arm.keyvault", ok({{"id", kRg + "/providers/Microsoft.KeyVault/vaults/kv-langfuse-dev"}, {"name", "kv-langfuse-dev"}})},
        {"arm.keyvault.secrets",
         ok({secret("langfuse-database-url", {{"enabled", true}, {"created", 1738574100}, {"updated", 1738574100}}),
             secret("langfuse-salt", {{"enabled", true}, {"nbf", 1738368000}, {"exp", 1830211200}, {"created", 1738575600},
                                      {"updated", 1738575600}})})},
        {"arm.dns.zone." + kOpenAiZone, ok(zone(kOpenAiZone))},
        {"arm.dns.links." + kOpenAiZone, ok({link(kOpenAiZone, kVnetId)})},
        {"arm.dns.a." + kOpenAiZone, ok({a_record(kOpenAiZone, "oai-dev", "10.10.2.5")})},
        {"arm.dns.zone." + kPostgresZone, ok(zone(kPostgresZone))},
        {"arm.dns.links." + kPostgresZone, ok({link(kPostgresZone, kVnetId)})},
        {"arm.dns.a." + kPostgresZone, ok({a_record(kPostgresZone, "pg-langfuse-dev", "10.10.2.4")})},
        {"arm.private_endpoints",
         ok({endpoint("pe-postgres-dev", kServerId, "postgresqlServer", "pg-langfuse-dev.postgres.database.azure.com", "10.10.2.4"),
             endpoint("pe-openai-dev", kAccountId, "account", "oai-dev.openai.azure.com", "10.10.2.5")})},
        {"arm.openai", ok(openai_account())}}}};
}

json& value(json& snap, const std::string& name) { return snap["entries"][name]["value"]; }

std::vector<std::string> failed_checks(const Judgement& j) {
  std::vector<std::string> checks;
  for (const auto& f : j.findings)
    if (!f.ok) checks.push_back(f.check);
  return checks;
}

const Finding* finding(const Judgement& j, const std::string& check) {
  for (const auto& f : j.findings)
    if (f.check == check) return &f;
  return nullptr;
}

// --- DEV044-PG-PROVISIONED ------------------------------------------------------------------

TEST(JudgePostgres, PassesForAReadyPrivateLinkServerWithPublicAccessDisabled) {
  const auto j = judge_postgres(healthy());
  EXPECT_EQ(j.outcome, Outcome::pass) << j.failure_summary() << j.error;
  EXPECT_EQ(j.findings.size(), 4u);
}

TEST(JudgePostgres, PassesForAReadyVnetIntegratedServer) {
  auto snap = healthy();
  value(snap, "arm.postgres") = vnet_server();
  const auto j = judge_postgres(snap);
  EXPECT_EQ(j.outcome, Outcome::pass) << j.failure_summary();
  EXPECT_NE(finding(j, "private networking model complete")->found.find("VNet integration"), std::string::npos);
}

TEST(JudgePostgres, ComparesEnumsCaseInsensitively) {
  auto snap = healthy();
  value(snap, "arm.postgres")["properties"]["state"] = "ready";
  value(snap, "arm.postgres")["properties"]["network"]["publicNetworkAccess"] = "disabled";
  value(snap, "arm.postgres")["properties"]["privateEndpointConnections"][0]["properties"]["privateLinkServiceConnectionState"]["status"] = "approved";
  EXPECT_EQ(judge_postgres(snap).outcome, Outcome::pass);
}

TEST(JudgePostgres, FailsWhenTheServerIsNotReady) {
  auto snap = healthy();
  value(snap, "arm.postgres")["properties"]["state"] = "Stopped";
  const auto j = judge_postgres(snap);
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_EQ(j.failure_summary(), "server state Ready: expected state Ready, found state Stopped (" + kServerId + ")");
}

TEST(JudgePostgres, FailsWhenPublicAccessIsEnabledBesideAnApprovedEndpoint) {
  auto snap = healthy();
  value(snap, "arm.postgres")["properties"]["network"]["publicNetworkAccess"] = "Enabled";
  const auto j = judge_postgres(snap);
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_EQ(failed_checks(j), std::vector<std::string>{"public network access disabled"});
}

TEST(JudgePostgres, FailsForAVnetServerWithoutAPrivateDnsZone) {
  auto snap = healthy();
  value(snap, "arm.postgres") = vnet_server();
  value(snap, "arm.postgres")["properties"]["network"]["privateDnsZoneArmResourceId"] = nullptr;
  const auto j = judge_postgres(snap);
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_NE(j.failure_summary().find("no privateDnsZoneArmResourceId"), std::string::npos);
}

TEST(JudgePostgres, FailsWhenNeitherModelIsPresent) {
  auto snap = healthy();
  value(snap, "arm.postgres")["properties"].erase("privateEndpointConnections");
  value(snap, "arm.postgres")["properties"]["network"]["delegatedSubnetResourceId"] = "";
  value(snap, "arm.postgres.private_endpoint_connections") = json::array();
  const auto j = judge_postgres(snap);
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_NE(j.failure_summary().find("neither model"), std::string::npos);
}

TEST(JudgePostgres, FailsWhenTheOnlyEndpointConnectionIsPending) {
  auto snap = healthy();
  for (auto* c : {&value(snap, "arm.postgres")["properties"]["privateEndpointConnections"][0],
                  &value(snap, "arm.postgres.private_endpoint_connections")[0]})
    (*c)["properties"]["privateLinkServiceConnectionState"]["status"] = "Pending";
  const auto j = judge_postgres(snap);
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_NE(j.failure_summary().find("pe-postgres-dev: Pending"), std::string::npos);
}

TEST(JudgePostgres, FindsTheApprovedConnectionInTheChildListWhenTheBodyHasNone) {
  auto snap = healthy();
  value(snap, "arm.postgres")["properties"].erase("privateEndpointConnections");  // 2022-12-01 body
  EXPECT_EQ(judge_postgres(snap).outcome, Outcome::pass);
}

TEST(JudgePostgres, DoesNotNeedTheChildListWhenTheBodyHasAnApprovedConnection) {
  auto snap = healthy();
  snap["entries"]["arm.postgres.private_endpoint_connections"] =
      forbidden("Microsoft.DBforPostgreSQL/flexibleServers/privateEndpointConnections/read");
  EXPECT_EQ(judge_postgres(snap).outcome, Outcome::pass);
}

TEST(JudgePostgres, AnUnreadableChildListItNeedsIsAnError) {
  auto snap = healthy();
  value(snap, "arm.postgres")["properties"].erase("privateEndpointConnections");
  snap["entries"]["arm.postgres.private_endpoint_connections"] =
      forbidden("Microsoft.DBforPostgreSQL/flexibleServers/privateEndpointConnections/read");
  EXPECT_EQ(judge_postgres(snap).outcome, Outcome::error);
}

TEST(JudgePostgres, AMissingServerIsAFailNamingItsId) {
  auto snap = healthy();
  snap["entries"]["arm.postgres"] = not_found("Microsoft.DBforPostgreSQL/flexibleServers/pg-langfuse-dev");
  const auto j = judge_postgres(snap);
  EXPECT_EQ(j.outcome, Outcome::fail);
  ASSERT_EQ(j.findings.size(), 1u);
  EXPECT_EQ(j.findings[0].resource, kServerId);
  EXPECT_EQ(j.findings[0].found.rfind("ResourceNotFound: The Resource", 0), 0u);
}

TEST(JudgePostgres, AForbiddenServerIsAnError) {
  auto snap = healthy();
  snap["entries"]["arm.postgres"] = forbidden("Microsoft.DBforPostgreSQL/flexibleServers/read");
  const auto j = judge_postgres(snap);
  EXPECT_EQ(j.outcome, Outcome::error);
  EXPECT_NE(j.error.find("arm.postgres: auth 403 AuthorizationFailed"), std::string::npos);
}

TEST(JudgePostgres, ThrottlingIsAnError) {
  auto snap = healthy();
  snap["entries"]["arm.postgres"] =
      failed("throttled", 429, "SubscriptionRequestsThrottled",
             "Number of 'read' requests for subscription '00000000-0000-0000-0000-000000000000' actor "
             "'11111111-0000-0000-0000-000000000000' exceeded.");
  EXPECT_EQ(judge_postgres(snap).outcome, Outcome::error);
}

// --- DEV044-KV-SECRETS ----------------------------------------------------------------------

TEST(JudgeKeyVaultSecrets, PassesWhenEveryRequiredSecretIsEnabledAndCurrent) {
  const auto j = judge_key_vault_secrets(healthy(), kNow);
  EXPECT_EQ(j.outcome, Outcome::pass) << j.failure_summary() << j.error;
  EXPECT_EQ(j.findings.size(), 9u);  // the value check, then four per secret
}

TEST(JudgeKeyVaultSecrets, MatchesNamesCaseInsensitivelyAsKeyVaultDoes) {
  auto snap = healthy();
  snap["config"]["KEY_VAULT_REQUIRED_SECRETS"] = "LangFuse-Database-URL, langfuse-SALT";
  EXPECT_EQ(judge_key_vault_secrets(snap, kNow).outcome, Outcome::pass);
}

TEST(JudgeKeyVaultSecrets, FailsForAMissingSecret) {
  auto snap = healthy();
  snap["config"]["KEY_VAULT_REQUIRED_SECRETS"] = "langfuse-database-url,langfuse-nextauth-secret";
  const auto j = judge_key_vault_secrets(snap, kNow);
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_EQ(failed_checks(j), std::vector<std::string>{"secret langfuse-nextauth-secret exists"});
}

TEST(JudgeKeyVaultSecrets, FailsForADisabledSecret) {
  auto snap = healthy();
  value(snap, "arm.keyvault.secrets")[1]["properties"]["attributes"]["enabled"] = false;
  const auto j = judge_key_vault_secrets(snap, kNow);
  EXPECT_EQ(failed_checks(j), std::vector<std::string>{"secret langfuse-salt enabled"});
}

TEST(JudgeKeyVaultSecrets, FailsForAnExpiredSecret) {
  auto snap = healthy();
  value(snap, "arm.keyvault.secrets")[1]["properties"]["attributes"]["exp"] = 1770076800;  // 2026-02-03
  const auto j = judge_key_vault_secrets(snap, kNow);
  EXPECT_EQ(failed_checks(j), std::vector<std::string>{"secret langfuse-salt not expired"});
  EXPECT_EQ(finding(j, "secret langfuse-salt not expired")->found, "exp 2026-02-03T00:00:00.000Z (expired)");
}

TEST(JudgeKeyVaultSecrets, FailsForASecretNotValidBeforeAFutureDate) {
  auto snap = healthy();
  value(snap, "arm.keyvault.secrets")[1]["properties"]["attributes"]["nbf"] = 1798761600;  // 2027-01-01
  const auto j = judge_key_vault_secrets(snap, kNow);
  EXPECT_EQ(failed_checks(j), std::vector<std::string>{"secret langfuse-salt already valid"});
}

TEST(JudgeKeyVaultSecrets, FailsWhenTheSnapshotCarriesASecretValue) {
  auto snap = healthy();
  value(snap, "arm.keyvault.secrets")[0]["properties"]["value"] = "postgresql://leaked";
  const auto j = judge_key_vault_secrets(snap, kNow);
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_EQ(failed_checks(j), std::vector<std::string>{"the snapshot holds no secret value"});
  EXPECT_EQ(j.failure_summary().find("leaked"), std::string::npos);
}

TEST(JudgeKeyVaultSecrets, AnEmptyRequiredListIsAConfigErrorNamingTheVariable) {
  auto snap = healthy();
  snap["config"]["KEY_VAULT_REQUIRED_SECRETS"] = " , ";
  const auto j = judge_key_vault_secrets(snap, kNow);
  EXPECT_EQ(j.outcome, Outcome::error);
  EXPECT_NE(j.error.find("KEY_VAULT_REQUIRED_SECRETS"), std::string::npos);
}

TEST(JudgeKeyVaultSecrets, AMissingVaultIsAFail) {
  auto snap = healthy();
  snap["entries"]["arm.keyvault"] = not_found("Microsoft.KeyVault/vaults/kv-langfuse-dev");
  snap["entries"]["arm.keyvault.secrets"] = not_found("Microsoft.KeyVault/vaults/kv-langfuse-dev");
  const auto j = judge_key_vault_secrets(snap, kNow);
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_EQ(failed_checks(j), std::vector<std::string>{"vault exists"});
}

TEST(JudgeKeyVaultSecrets, AForbiddenSecretListIsAnError) {
  auto snap = healthy();
  snap["entries"]["arm.keyvault.secrets"] = forbidden("Microsoft.KeyVault/vaults/secrets/read");
  EXPECT_EQ(judge_key_vault_secrets(snap, kNow).outcome, Outcome::error);
}

// --- DEV045-PRIVATE-DNS ---------------------------------------------------------------------

TEST(JudgePrivateDns, PassesWithLinkedZonesApprovedEndpointsAndMatchingARecords) {
  const auto j = judge_private_dns(healthy());
  EXPECT_EQ(j.outcome, Outcome::pass) << j.failure_summary() << j.error;
  EXPECT_EQ(j.findings.size(), 12u);
}

TEST(JudgePrivateDns, MatchesIdsThatDifferOnlyInCase) {
  auto snap = healthy();
  value(snap, "arm.dns.links." + kOpenAiZone)[0]["properties"]["virtualNetwork"]["id"] =
      "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/RG-DEV/providers/microsoft.network/virtualnetworks/VNET-DEV/";
  value(snap, "arm.private_endpoints")[1]["properties"]["privateLinkServiceConnections"][0]["properties"]
       ["privateLinkServiceId"] =
      "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg-dev/providers/microsoft.cognitiveservices/accounts/OAI-DEV";
  EXPECT_EQ(judge_private_dns(snap).outcome, Outcome::pass);
}

TEST(JudgePrivateDns, FailsForAMissingZone) {
  auto snap = healthy();
  snap["entries"]["arm.dns.zone." + kOpenAiZone] = not_found("Microsoft.Network/privateDnsZones/" + kOpenAiZone);
  snap["entries"]["arm.dns.links." + kOpenAiZone] = not_found("Microsoft.Network/privateDnsZones/" + kOpenAiZone);
  snap["entries"]["arm.dns.a." + kOpenAiZone] = not_found("Microsoft.Network/privateDnsZones/" + kOpenAiZone);
  const auto j = judge_private_dns(snap);
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_EQ(failed_checks(j),
            (std::vector<std::string>{"zone " + kOpenAiZone + " exists", "A record for the OpenAI account (10.10.2.5)"}));
}

TEST(JudgePrivateDns, FailsForAZoneWithoutLinks) {
  auto snap = healthy();
  value(snap, "arm.dns.links." + kPostgresZone) = json::array();
  const auto j = judge_private_dns(snap);
  EXPECT_EQ(failed_checks(j), std::vector<std::string>{"zone " + kPostgresZone + " linked to vnet-dev"});
  EXPECT_EQ(finding(j, "zone " + kPostgresZone + " linked to vnet-dev")->found, "no virtual network link");
}

TEST(JudgePrivateDns, FailsForALinkToTheWrongVnet) {
  auto snap = healthy();
  value(snap, "arm.dns.links." + kPostgresZone)[0] =
      link(kPostgresZone, kRg + "/providers/Microsoft.Network/virtualNetworks/vnet-hub");
  const auto j = judge_private_dns(snap);
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_EQ(finding(j, "zone " + kPostgresZone + " linked to vnet-dev")->found, "links only to vnet-hub");
}

TEST(JudgePrivateDns, FailsForALinkStillInProgress) {
  auto snap = healthy();
  value(snap, "arm.dns.links." + kOpenAiZone)[0] = link(kOpenAiZone, kVnetId, "Succeeded", "InProgress");
  EXPECT_EQ(judge_private_dns(snap).outcome, Outcome::fail);
}

TEST(JudgePrivateDns, FailsForALinkNotSucceeded) {
  auto snap = healthy();
  value(snap, "arm.dns.links." + kOpenAiZone)[0] = link(kOpenAiZone, kVnetId, "Updating", "Completed");
  EXPECT_EQ(judge_private_dns(snap).outcome, Outcome::fail);
}

TEST(JudgePrivateDns, PassesForALinkWithoutALinkState) {
  auto snap = healthy();
  value(snap, "arm.dns.links." + kOpenAiZone)[0]["properties"].erase("virtualNetworkLinkState");
  EXPECT_EQ(judge_private_dns(snap).outcome, Outcome::pass);
}

TEST(JudgePrivateDns, FailsForAPendingOpenAiEndpoint) {
  auto snap = healthy();
  value(snap, "arm.private_endpoints")[1] =
      endpoint("pe-openai-dev", kAccountId, "account", "oai-dev.openai.azure.com", "10.10.2.5", "Pending");
  const auto j = judge_private_dns(snap);
  EXPECT_EQ(failed_checks(j), std::vector<std::string>{"private endpoint to the OpenAI account approved"});
  EXPECT_EQ(finding(j, "private endpoint to the OpenAI account approved")->found, "status Pending");
}

TEST(JudgePrivateDns, FailsForARejectedPostgresEndpoint) {
  auto snap = healthy();
  value(snap, "arm.private_endpoints")[0] = endpoint("pe-postgres-dev", kServerId, "postgresqlServer",
                                                     "pg-langfuse-dev.postgres.database.azure.com", "10.10.2.4", "Rejected");
  EXPECT_EQ(failed_checks(judge_private_dns(snap)),
            std::vector<std::string>{"private endpoint to the Postgres server approved"});
}

TEST(JudgePrivateDns, FailsForAnEndpointStillProvisioning) {
  auto snap = healthy();
  value(snap, "arm.private_endpoints")[1]["properties"]["provisioningState"] = "Updating";
  EXPECT_EQ(failed_checks(judge_private_dns(snap)),
            std::vector<std::string>{"private endpoint to the OpenAI account provisioned"});
}

TEST(JudgePrivateDns, PassesForAManuallyApprovedEndpoint) {
  auto snap = healthy();
  auto& props = value(snap, "arm.private_endpoints")[1]["properties"];
  props["manualPrivateLinkServiceConnections"] = props["privateLinkServiceConnections"];
  props["manualPrivateLinkServiceConnections"][0]["properties"]["requestMessage"] = "please approve";
  props["privateLinkServiceConnections"] = json::array();
  EXPECT_EQ(judge_private_dns(snap).outcome, Outcome::pass);
}

TEST(JudgePrivateDns, FailsWhenNoEndpointReachesTheOpenAiAccount) {
  auto snap = healthy();
  value(snap, "arm.private_endpoints").erase(1);
  const auto j = judge_private_dns(snap);
  EXPECT_EQ(failed_checks(j), std::vector<std::string>{"private endpoint to the OpenAI account exists"});
  EXPECT_EQ(finding(j, "private endpoint to the OpenAI account exists")->resource, kAccountId);
}

TEST(JudgePrivateDns, FailsForAMissingARecordNamingTheZoneAndIp) {
  auto snap = healthy();
  value(snap, "arm.dns.a." + kPostgresZone) = json::array();
  const auto j = judge_private_dns(snap);
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_EQ(j.failure_summary(),
            "A record for the Postgres server (10.10.2.4): expected an A record in " + kPostgresZone +
                " holding 10.10.2.4, found no A record in " + kPostgresZone + " holds 10.10.2.4 (" + kRg +
                "/providers/Microsoft.Network/privateDnsZones/" + kPostgresZone + ")");
}

TEST(JudgePrivateDns, FailsForAnARecordWithAnotherIp) {
  auto snap = healthy();
  value(snap, "arm.dns.a." + kOpenAiZone)[0] = a_record(kOpenAiZone, "oai-dev", "10.10.2.99");
  EXPECT_EQ(judge_private_dns(snap).outcome, Outcome::fail);
}

TEST(JudgePrivateDns, ReadsIpsFromIpConfigurationsWhenCustomDnsConfigsIsEmpty) {
  auto snap = healthy();
  auto& props = value(snap, "arm.private_endpoints")[1]["properties"];
  props["customDnsConfigs"] = json::array();
  props["ipConfigurations"] = {{{"name", "ipconfig"},
                                {"properties", {{"groupId", "account"}, {"memberName", "default"}, {"privateIPAddress", "10.10.2.5"}}}}};
  EXPECT_EQ(judge_private_dns(snap).outcome, Outcome::pass);
}

TEST(JudgePrivateDns, NeedsNoPostgresEndpointForAVnetIntegratedServer) {
  auto snap = healthy();
  value(snap, "arm.postgres") = vnet_server();
  value(snap, "arm.private_endpoints").erase(0);
  const auto j = judge_private_dns(snap);
  EXPECT_EQ(j.outcome, Outcome::pass) << j.failure_summary();
  EXPECT_TRUE(finding(j, "Postgres reached without a private endpoint")->ok);
}

TEST(JudgePrivateDns, AForbiddenOpenAiAccountIsAnError) {
  auto snap = healthy();
  snap["entries"]["arm.openai"] = forbidden("Microsoft.CognitiveServices/accounts/read");
  EXPECT_EQ(judge_private_dns(snap).outcome, Outcome::error);
}

TEST(JudgePrivateDns, ATimedOutEndpointListIsAnError) {
  auto snap = healthy();
  snap["entries"]["arm.private_endpoints"] = failed("timeout", 0, "", "no answer within 30000 ms");
  const auto j = judge_private_dns(snap);
  EXPECT_EQ(j.outcome, Outcome::error);
  EXPECT_NE(j.error.find("arm.private_endpoints: timeout"), std::string::npos);
}

TEST(JudgePrivateDns, AnEmptyZoneListIsAConfigError) {
  auto snap = healthy();
  snap["config"]["PRIVATE_DNS_ZONES"] = "";
  const auto j = judge_private_dns(snap);
  EXPECT_EQ(j.outcome, Outcome::error);
  EXPECT_NE(j.error.find("PRIVATE_DNS_ZONES"), std::string::npos);
}

}  // namespace
}  // namespace infra_dod

namespace infra_dod {
namespace {

// An endpoint whose DNS zone group does the DNS work has no customDnsConfigs; its IPs are in
// the group's record sets, which the collector fetches as arm.pe_zone_groups.<endpoint>.
TEST(PrivateDnsZoneGroups, AnEndpointsIpsAreFoundInItsZoneGroupRecordSets) {
  const auto group = nlohmann::json::parse(R"([{
    "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe-oai/privateDnsZoneGroups/default",
    "name": "default",
    "properties": {"provisioningState": "Succeeded", "privateDnsZoneConfigs": [{
      "name": "privatelink-openai-azure-com",
      "properties": {"privateDnsZoneId": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones/privatelink.openai.azure.com",
        "recordSets": [{"recordType": "A", "recordSetName": "oai", "fqdn": "oai.privatelink.openai.azure.com",
                        "ttl": 10, "ipAddresses": ["10.1.2.3"], "provisioningState": "Succeeded"}]}}]}}])");
  nlohmann::json snapshot = {{"entries", {{"arm.pe_zone_groups.pe-oai", {{"ok", true}, {"value", group}}}}}};
  const nlohmann::json endpoint = {{"name", "pe-oai"}, {"properties", {{"customDnsConfigs", nlohmann::json::array()}}}};
  EXPECT_EQ(endpoint_private_ips(endpoint, snapshot), std::vector<std::string>{"10.1.2.3"});
  EXPECT_TRUE(endpoint_private_ips(endpoint, {{"entries", nlohmann::json::object()}}).empty());
}

}  // namespace
}  // namespace infra_dod

namespace infra_dod {
namespace {

TEST(PrivateDnsZoneGroups, AZoneGroupThatCouldNotBeFetchedMakesTheRowAnErrorNotAFail) {
  nlohmann::json snapshot = {
      {"config", {{"PRIVATE_DNS_ZONES", "privatelink.openai.azure.com"}, {"PRIVATE_DNS_LINKED_VNETS", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v"}}},
      {"entries",
       {{"arm.pe_zone_groups.pe-oai",
         {{"ok", false}, {"status", 403}, {"error", {{"kind", "auth"}, {"code", "AuthorizationFailed"}, {"message", "no"}}}}}}}};
  const auto j = judge_private_dns(snapshot);
  EXPECT_EQ(j.outcome, Outcome::error);
  EXPECT_NE(j.error.find("arm.pe_zone_groups.pe-oai"), std::string::npos) << j.error;
}

}  // namespace
}  // namespace infra_dod

namespace infra_dod {
namespace {

// A zone whose links could not be read leaves only that zone's link checks unjudged: another
// zone that is missing still fails the row.
TEST(JudgePrivateDnsPartialReads, AZoneMissingStillFailsWhileAnotherZonesLinksCouldNotBeRead) {
  auto snap = healthy();
  snap["entries"]["arm.dns.zone." + kOpenAiZone] = not_found("Microsoft.Network/privateDnsZones/" + kOpenAiZone);
  snap["entries"]["arm.dns.links." + kOpenAiZone] = not_found("Microsoft.Network/privateDnsZones/" + kOpenAiZone);
  snap["entries"]["arm.dns.a." + kOpenAiZone] = not_found("Microsoft.Network/privateDnsZones/" + kOpenAiZone);
  snap["entries"]["arm.dns.links." + kPostgresZone] = forbidden("Microsoft.Network/privateDnsZones/virtualNetworkLinks/read");
  const auto j = judge_private_dns(snap);
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_NE(j.failure_summary().find("zone " + kOpenAiZone + " exists: expected"), std::string::npos);
  EXPECT_NE(j.failure_summary().find("zone " + kPostgresZone + " linked to vnet-dev: could not judge: arm.dns.links." +
                                     kPostgresZone + ": auth"),
            std::string::npos)
      << j.failure_summary();
}

TEST(JudgePrivateDnsPartialReads, AFailedEndpointListLeavesTheZoneChecksJudged) {
  auto snap = healthy();
  snap["entries"]["arm.private_endpoints"] = failed("timeout", 0, "", "no answer within 30000 ms");
  const auto j = judge_private_dns(snap);
  EXPECT_EQ(j.outcome, Outcome::error);
  EXPECT_NE(j.error.find("private endpoint to the OpenAI account: arm.private_endpoints: timeout"), std::string::npos)
      << j.error;
  for (const auto& f : j.findings) {
    if (f.check.rfind("zone ", 0) == 0) {
      EXPECT_TRUE(f.judged && f.ok) << f.check;
    }
  }
}

}  // namespace
}  // namespace infra_dod
