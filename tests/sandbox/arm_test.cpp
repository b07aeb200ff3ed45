// The ARM emulator against arm-contracts.md, and the az stand-in against cli-contracts.md.
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>

#include "runtime/process.h"
#include "runtime/crypto.h"
#include "runtime/text.h"
#include "scenario.h"
#include "service.h"
#include "support.h"

namespace {

using nlohmann::json;
using namespace infra_dod;
using namespace infra_dod::sandbox;

constexpr const char* kSub = "/subscriptions/6f1c2a7e-0d5b-4c1e-9a43-5b2d8f0c1e11";
const std::string kRg = std::string(kSub) + "/resourceGroups/rg-ai-agent-dev";
const std::string kPg = kRg + "/providers/Microsoft.DBforPostgreSQL/flexibleServers/nsc-pg-langfuse-dev";
const std::string kVault = kRg + "/providers/Microsoft.KeyVault/vaults/kv-ai-agent-dev";
const std::string kPgZone = kRg + "/providers/Microsoft.Network/privateDnsZones/privatelink.postgres.database.azure.com";

class ArmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    load_healthy(shared_);
    if (HasFatalFailure()) return;
    shared_.arm_token = "test-arm-token";
    shared_.fired_alerts = [this] { return alerts_; };
  }
  void TearDown() override {
    if (arm_) arm_->stop();
  }

  void start() {
    arm_ = make_arm_service(shared_);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", arm_->start());
    // The service answers as soon as start() returns.
    ASSERT_TRUE(client_->Get("/"));
  }

  httplib::Result get(const std::string& target, const std::string& token = "test-arm-token") {
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    return client_->Get(target.c_str(), headers);
  }

  // Follows nextLink (an absolute URL pointing at the emulator) and returns every page.
  std::vector<json> pages(const std::string& first) {
    std::vector<json> out;
    std::string target = first;
    for (int i = 0; i < 20 && !target.empty(); ++i) {
      auto r = get(target);
      EXPECT_TRUE(r);
      if (!r) break;
      EXPECT_EQ(r->status, 200) << r->body;
      out.push_back(json::parse(r->body));
      target.clear();
      if (out.back().contains("nextLink") && out.back()["nextLink"].is_string()) {
        const std::string link = out.back()["nextLink"];
        const std::string base = "http://127.0.0.1:" + std::to_string(arm_->port());
        EXPECT_TRUE(starts_with(link, base)) << link;
        EXPECT_NE(link.find("api-version="), std::string::npos) << link;
        target = link.substr(base.size());
      }
    }
    return out;
  }

  std::string version_for(const std::string& type) {
    const auto& versions = shared_.scenario["arm"]["api_versions"];
    for (auto& [t, v] : versions.items())
      if (iequals(t, type)) return v[1].get<std::string>();
    const auto slash = type.find('/', type.find('/') + 1);
    return version_for(type.substr(0, slash));
  }

  Shared shared_;
  json alerts_ = json::array();
  std::unique_ptr<Service> arm_;
  std::unique_ptr<httplib::Client> client_;
};

json error_of(const httplib::Result& r) { return json::parse(r->body).at("error"); }

TEST_F(ArmTest, GetsEveryHealthyResourceWithItsStoredEnvelope) {
  start();
  int seen = 0;
  for (auto& [id, body] : shared_.scenario["arm"]["resources"].items()) {
    auto segs = split_list(id, '/');
    std::string type;
    if (segs.size() == 2) type = "Microsoft.Resources/subscriptions";
    else if (segs.size() == 4) type = "Microsoft.Resources/resourceGroups";
    else type = segs[5] + "/" + segs[6];
    auto r = get(id + "?api-version=" + version_for(type));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << id << ": " << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json; charset=utf-8");
    EXPECT_FALSE(r->get_header_value("x-ms-request-id").empty());
    EXPECT_FALSE(r->get_header_value("x-ms-ratelimit-remaining-subscription-reads").empty());
    const json got = json::parse(r->body);
    EXPECT_EQ(got.value("id", ""), body.value("id", id));
    if (segs.size() > 2) {
      EXPECT_EQ(got.value("name", ""), body.value("name", segs.back()));
    }
    ++seen;
  }
  EXPECT_GT(seen, 20);
}

TEST_F(ArmTest, HealthyShapesMatchTheRunbook) {
  start();
  auto pg = json::parse(get(kPg + "?api-version=2024-08-01")->body);
  EXPECT_EQ(pg["type"], "Microsoft.DBforPostgreSQL/flexibleServers");
  EXPECT_EQ(pg["properties"]["state"], "Ready");
  EXPECT_EQ(pg["properties"]["network"]["publicNetworkAccess"], "Disabled");
  EXPECT_FALSE(pg["properties"]["network"].contains("delegatedSubnetResourceId"));
  EXPECT_EQ(pg["properties"]["privateEndpointConnections"][0]["properties"]["privateLinkServiceConnectionState"]["status"],
            "Approved");
  auto links = get(kPgZone + "/virtualNetworkLinks?api-version=2024-06-01");
  ASSERT_EQ(links->status, 200);
  // The private DNS provider escapes '/' on the wire.
  EXPECT_NE(links->body.find("\\/subscriptions\\/"), std::string::npos);
  const json value = json::parse(links->body)["value"];
  ASSERT_EQ(value.size(), 1u);
  EXPECT_EQ(value[0]["properties"]["virtualNetworkLinkState"], "Completed");
  EXPECT_EQ(value[0]["properties"]["virtualNetwork"]["id"], shared_.scenario["names"]["vnet_id"]);
  auto records = json::parse(get(kPgZone + "/A?api-version=2024-06-01")->body)["value"];
  ASSERT_EQ(records.size(), 1u);
  auto pe = json::parse(
      get(kRg + "/providers/Microsoft.Network/privateEndpoints/pe-postgres-ai-agent-dev?api-version=2024-05-01")->body);
  EXPECT_EQ(records[0]["properties"]["aRecords"][0]["ipv4Address"],
            pe["properties"]["customDnsConfigs"][0]["ipAddresses"][0]);
  // Children a provider embeds in the parent are listable too.
  auto rules = get(kRg + "/providers/Microsoft.Network/networkSecurityGroups/nsg-ai-agent-dev/securityRules?api-version=2024-05-01");
  ASSERT_EQ(rules->status, 200);
  EXPECT_EQ(json::parse(rules->body)["value"].size(), 3u);
}

TEST_F(ArmTest, RoutesCaseInsensitivelyAndKeepsStoredCasing) {
  start();
  auto r = get(to_lower(kPg) + "?api-version=2024-08-01");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body)["id"], kPg);
  auto upper = get(std::string(kSub) + "/RESOURCEGROUPS/RG-AI-AGENT-DEV?api-version=2024-11-01");
  ASSERT_EQ(upper->status, 200);
  EXPECT_EQ(json::parse(upper->body)["name"], "rg-ai-agent-dev");
}

TEST_F(ArmTest, RequiresApiVersionFromTheTypesList) {
  start();
  auto missing = get(kPg);
  ASSERT_EQ(missing->status, 400);
  EXPECT_EQ(error_of(missing)["code"], "MissingApiVersionParameter");
  EXPECT_EQ(error_of(missing)["message"],
            "The api-version query parameter (?api-version=) is required for all requests.");
  auto unknown = get(kPg + "?api-version=2099-01-01");
  ASSERT_EQ(unknown->status, 400);
  EXPECT_EQ(error_of(unknown)["code"], "NoRegisteredProviderFound");
  auto group = get(kRg + "?api-version=2099-01-01");
  ASSERT_EQ(group->status, 400);
  EXPECT_EQ(error_of(group)["code"], "InvalidApiVersionParameter");
}

TEST_F(ArmTest, AnswersTokenProblemsWithArmsChallenges) {
  start();
  auto none = get(kPg + "?api-version=2024-08-01", "");
  ASSERT_EQ(none->status, 401);
  EXPECT_EQ(error_of(none)["code"], "AuthenticationFailed");
  EXPECT_EQ(error_of(none)["message"], "Authentication failed. The 'Authorization' header is missing.");
  EXPECT_NE(none->get_header_value("WWW-Authenticate").find("missing 'Authorization' header"), std::string::npos);
  auto wrong = get(kPg + "?api-version=2024-08-01", "not-the-token");
  ASSERT_EQ(wrong->status, 401);
  EXPECT_EQ(error_of(wrong)["code"], "InvalidAuthenticationToken");
  EXPECT_TRUE(starts_with(wrong->get_header_value("WWW-Authenticate"), "Bearer authorization_uri="));
}

TEST_F(ArmTest, TellsAMissingResourceFromAMissingGroup) {
  start();
  auto server = get(kRg + "/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-missing?api-version=2024-08-01");
  ASSERT_EQ(server->status, 404);
  EXPECT_EQ(error_of(server)["code"], "ResourceNotFound");
  EXPECT_EQ(error_of(server)["message"],
            "The Resource 'Microsoft.DBforPostgreSQL/flexibleServers/pg-missing' under resource group "
            "'rg-ai-agent-dev' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix");
  EXPECT_EQ(server->get_header_value("x-ms-failure-cause"), "gateway");
  auto link = get(kPgZone + "/virtualNetworkLinks/link-missing?api-version=2024-06-01");
  ASSERT_EQ(link->status, 404);
  EXPECT_NE(error_of(link)["message"].get<std::string>().find(
                "'Microsoft.Network/privateDnsZones/privatelink.postgres.database.azure.com/virtualNetworkLinks/link-missing'"),
            std::string::npos);
  auto group = get(std::string(kSub) +
                   "/resourceGroups/rg-missing/providers/Microsoft.DBforPostgreSQL/flexibleServers/x?api-version=2024-08-01");
  ASSERT_EQ(group->status, 404);
  EXPECT_EQ(error_of(group)["code"], "ResourceGroupNotFound");
  EXPECT_EQ(error_of(group)["message"], "Resource group 'rg-missing' could not be found.");
  auto sub = get("/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg?api-version=2024-11-01");
  ASSERT_EQ(sub->status, 404);
  EXPECT_EQ(error_of(sub)["code"], "SubscriptionNotFound");
  // A list below a missing resource names that resource.
  auto below = get(kVault + "-gone/secrets?api-version=2023-07-01");
  ASSERT_EQ(below->status, 404);
  EXPECT_EQ(error_of(below)["code"], "ResourceNotFound");
}

TEST_F(ArmTest, ProviderRegistrationListsTheTypesAndTheirVersions) {
  start();
  auto r = get(std::string(kSub) + "/providers/microsoft.keyvault?api-version=2024-11-01");
  ASSERT_EQ(r->status, 200) << r->body;
  const json doc = json::parse(r->body);
  EXPECT_EQ(doc["namespace"], "Microsoft.KeyVault");
  EXPECT_EQ(doc["registrationState"], "Registered");
  ASSERT_EQ(doc["resourceTypes"].size(), 1u);
  EXPECT_EQ(doc["resourceTypes"][0]["resourceType"], "vaults");
  EXPECT_EQ(doc["resourceTypes"][0]["apiVersions"][0], "2026-02-01");
  auto unknown = get(std::string(kSub) + "/providers/Microsoft.Nothing?api-version=2024-11-01");
  ASSERT_EQ(unknown->status, 404);
  EXPECT_EQ(error_of(unknown)["code"], "InvalidResourceNamespace");
  auto bad_version = get(std::string(kSub) + "/providers/Microsoft.KeyVault?api-version=1999-01-01");
  EXPECT_EQ(bad_version->status, 400);
}

TEST_F(ArmTest, ListsKeyVaultSecretsWithoutAnyValue) {
  // Even a scenario that wrongly stores a value never gets it onto the wire.
  shared_.scenario["arm"]["resources"][kVault + "/secrets/langfuse-salt"]["properties"]["value"] = "s3cr3t";
  start();
  std::vector<json> items;
  for (const auto& page : pages(kVault + "/secrets?api-version=2023-07-01&$top=2"))
    for (const auto& item : page["value"]) items.push_back(item);
  ASSERT_EQ(items.size(), 4u);
  for (const auto& item : items) {
    EXPECT_EQ(item["type"], "Microsoft.KeyVault/vaults/secrets");
    EXPECT_FALSE(item["properties"].contains("value")) << item.dump();
    EXPECT_TRUE(item["properties"]["attributes"]["created"].is_number_integer());
    EXPECT_EQ(item.dump().find("s3cr3t"), std::string::npos);
  }
  auto one = get(kVault + "/secrets/langfuse-salt?api-version=2023-07-01");
  ASSERT_EQ(one->status, 200);
  EXPECT_EQ(one->body.find("s3cr3t"), std::string::npos);
  const json attrs = json::parse(one->body)["properties"]["attributes"];
  EXPECT_TRUE(attrs["enabled"].get<bool>());
  EXPECT_GT(attrs["exp"].get<long long>(), attrs["nbf"].get<long long>());
}

TEST_F(ArmTest, PagesWithAbsoluteNextLinksAndAnEmptyPage) {
  start();
  const auto all = pages(kRg + "/providers/Microsoft.Network/privateEndpoints?api-version=2024-05-01");
  ASSERT_GE(all.size(), 3u);
  std::size_t items = 0;
  bool empty_page_with_next = false;
  for (const auto& p : all) {
    items += p["value"].size();
    if (p["value"].empty() && p.contains("nextLink")) empty_page_with_next = true;
  }
  EXPECT_EQ(items, 2u);
  EXPECT_TRUE(empty_page_with_next);
  EXPECT_FALSE(all.back().contains("nextLink"));
}

TEST_F(ArmTest, InjectedFaultsUseArmsEnvelope) {
  shared_.scenario["arm"]["faults"] = json::array(
      {{{"match", "flexibleServers/nsc-pg-langfuse-dev\\?"}, {"status", 403}, {"code", "AuthorizationFailed"},
        {"message", "The client 'operator@sandbox.example' does not have authorization."}},
       {{"match", "privateDnsZones/privatelink\\.openai"}, {"status", 429}, {"code", "SubscriptionRequestsThrottled"},
        {"message", "Number of 'read' requests exceeded."}, {"retry_after", 2}, {"times", 1}},
       {{"match", "networkSecurityGroups"}, {"status", 500}}});
  start();
  auto denied = get(kPg + "?api-version=2024-08-01");
  ASSERT_EQ(denied->status, 403);
  EXPECT_EQ(error_of(denied)["code"], "AuthorizationFailed");
  const std::string zone = kRg + "/providers/Microsoft.Network/privateDnsZones/privatelink.openai.azure.com?api-version=2024-06-01";
  auto throttled = get(zone);
  ASSERT_EQ(throttled->status, 429);
  EXPECT_EQ(throttled->get_header_value("Retry-After"), "2");
  EXPECT_EQ(error_of(throttled)["code"], "SubscriptionRequestsThrottled");
  EXPECT_EQ(get(zone)->status, 200);  // "times": 1
  auto broken = get(kRg + "/providers/Microsoft.Network/networkSecurityGroups/nsg-ai-agent-dev?api-version=2024-05-01");
  ASSERT_EQ(broken->status, 500);
  EXPECT_EQ(error_of(broken)["code"], "InternalServerError");
}

TEST_F(ArmTest, DenyAndThrottleRulesWriteArmsOwnMessages) {
  shared_.scenario["arm"]["deny"]["secrets"] = {{"match", "/vaults/kv-ai-agent-dev/secrets"}};
  shared_.scenario["arm"]["throttle"]["cognitive"] = {{"match", "Microsoft.CognitiveServices"}, {"retry_after", 3}};
  start();
  const std::string path = kVault + "/secrets";
  auto denied = get(path + "?api-version=2023-07-01");
  ASSERT_EQ(denied->status, 403);
  EXPECT_EQ(error_of(denied)["message"],
            "The client 'operator@sandbox.example' with object id '2b7c4e1a-9d3f-4a8b-b6c5-0e1f2a3b4c5d' does not "
            "have authorization to perform action 'Microsoft.KeyVault/vaults/secrets/read' over scope '" +
                path + "' or the scope is invalid. If access was recently granted, please refresh your credentials.");
  auto throttled = get(kRg + "/providers/Microsoft.CognitiveServices/accounts/oai-ai-agent-dev?api-version=2024-10-01");
  ASSERT_EQ(throttled->status, 429);
  EXPECT_EQ(throttled->get_header_value("Retry-After"), "3");
  EXPECT_EQ(error_of(throttled)["code"], "SubscriptionRequestsThrottled");
}

TEST_F(ArmTest, ListsFiredAlertsWithFiltersAndCtokenPaging) {
  const std::string rule = "/subscriptions/6f1c2a7e-0d5b-4c1e-9a43-5b2d8f0c1e11/resourcegroups/rg-ai-agent-dev/"
                           "providers/microsoft.insights/scheduledqueryrules/alert-agent-events";
  const auto now = std::chrono::system_clock::now();
  auto alert = [&](const std::string& id, const std::string& rule_id, std::chrono::system_clock::time_point at) {
    const std::string when = utc_iso(at).substr(0, 19) + "Z";
    return json{{"id", std::string(kSub) + "/resourcegroups/rg-ai-agent-dev/providers/Microsoft.AlertsManagement/alerts/" + id},
                {"type", "Microsoft.AlertsManagement/alerts"},
                {"name", "alert-agent-events"},
                {"properties", {{"essentials", {{"alertRule", rule_id}, {"startDateTime", when}, {"severity", "Sev2"}}}}}};
  };
  alerts_ = json::array({alert("a1", rule, now), alert("a2", rule, now - std::chrono::minutes(5)),
                         alert("a3", rule + "-other", now), alert("a4", rule, now - std::chrono::hours(48))});
  start();
  const std::string base = std::string(kSub) + "/providers/Microsoft.AlertsManagement/alerts?api-version=2019-03-01";
  auto all = json::parse(get(base)->body);
  EXPECT_EQ(all["value"].size(), 3u);  // the default window is one day
  const auto by_rule = pages(base + "&alertRule=" + rule + "&pageCount=1");
  std::size_t count = 0;
  for (const auto& p : by_rule) {
    count += p["value"].size();
    if (p.contains("nextLink")) {
      EXPECT_NE(p["nextLink"].get<std::string>().find("ctoken="), std::string::npos);
    }
  }
  EXPECT_EQ(count, 2u);
  auto week = json::parse(get(base + "&timeRange=7d")->body);
  EXPECT_EQ(week["value"].size(), 4u);
  auto one = get(std::string(kSub) + "/providers/Microsoft.AlertsManagement/alerts/a1?api-version=2019-03-01");
  ASSERT_EQ(one->status, 200);
  EXPECT_EQ(json::parse(one->body)["properties"]["essentials"]["alertRule"], rule);
}

// The az stand-in, run as the harness runs it.
class AzStandinTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto scenario = load_scenario(INFRA_DOD_SCENARIOS, "healthy");
    ASSERT_TRUE(scenario) << scenario.error().message;
    dir_ = std::filesystem::temp_directory_path() / ("az-standin-" + random_hex(6));
    std::filesystem::create_directories(dir_);
    ready_ = {{"arm_token", "sandbox-arm-abc123"},
              {"endpoints", {{"arm_url", "http://127.0.0.1:45678"}}},
              {"env", scenario.value()["env"]},
              {"az", scenario.value()["az"]}};
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  ProcessResult az(std::vector<std::string> args, std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
    const auto file = dir_ / "ready.json";
    std::ofstream(file) << ready_.dump();
    ProcessSpec spec;
    spec.argv = {INFRA_DOD_AZ_STANDIN};
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    spec.env["INFRA_DOD_SANDBOX_READY"] = file.string();
    spec.deadline = deadline;
    spec.kill_grace = std::chrono::milliseconds(200);
    return run_process(spec);
  }

  std::filesystem::path dir_;
  json ready_;
};

TEST_F(AzStandinTest, AccountShowPrintsTheProfileEntry) {
  auto r = az({"account", "show", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json account = json::parse(r.out);
  EXPECT_EQ(account["id"], "6f1c2a7e-0d5b-4c1e-9a43-5b2d8f0c1e11");
  EXPECT_EQ(account["tenantId"], "8d3b3a6e-2f7a-4c1b-9f0e-5a4d3c2b1a00");
  EXPECT_EQ(account["state"], "Enabled");
  EXPECT_EQ(account["user"]["type"], "user");
  EXPECT_EQ(az({"account", "show", "--output", "json"}).out, r.out);
}

TEST_F(AzStandinTest, GetAccessTokenHandsOutTheSandboxToken) {
  auto r = az({"account", "get-access-token", "--resource", "https://management.azure.com/", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json token = json::parse(r.out);
  EXPECT_EQ(token["accessToken"], "sandbox-arm-abc123");
  EXPECT_EQ(token["tokenType"], "Bearer");
  EXPECT_EQ(token["subscription"], "6f1c2a7e-0d5b-4c1e-9a43-5b2d8f0c1e11");
  EXPECT_EQ(token["tenant"], "8d3b3a6e-2f7a-4c1b-9f0e-5a4d3c2b1a00");
  EXPECT_GT(token["expires_on"].get<long long>(), std::time(nullptr));
  EXPECT_EQ(token["expiresOn"].get<std::string>().size(), 26u);  // 2025-01-01 12:00:00.000000
  auto scoped = az({"account", "get-access-token", "--scope", "https://monitor.azure.com//.default"});
  ASSERT_EQ(scoped.exit_code, 0) << scoped.err;
  EXPECT_EQ(json::parse(scoped.out)["accessToken"], "sandbox-arm-abc123");
  EXPECT_TRUE(az({"account", "get-access-token", "--output", "none"}).out.empty());
}

TEST_F(AzStandinTest, CloudShowPointsResourceManagerAtTheEmulator) {
  auto r = az({"cloud", "show", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json cloud = json::parse(r.out);
  EXPECT_EQ(cloud["name"], "AzureCloud");
  EXPECT_EQ(cloud["endpoints"]["resourceManager"], "http://127.0.0.1:45678/");
  EXPECT_EQ(cloud["endpoints"]["activeDirectoryResourceId"], "https://management.core.windows.net/");
  EXPECT_EQ(cloud["suffixes"]["keyvaultDns"], ".vault.azure.net");
}

TEST_F(AzStandinTest, EverythingElseIsNotRecognized) {
  auto group = az({"postgres", "flexible-server", "show", "-g", "rg", "-n", "x"});
  EXPECT_EQ(group.exit_code, 2);
  EXPECT_EQ(group.err, "ERROR: 'postgres' is misspelled or not recognized by the system.\n");
  EXPECT_TRUE(group.out.empty());
  auto command = az({"account", "list"});
  EXPECT_EQ(command.exit_code, 2);
  EXPECT_EQ(command.err, "ERROR: 'list' is misspelled or not recognized by the system.\n");
  auto flag = az({"account", "show", "--bogus-flag"});
  EXPECT_EQ(flag.exit_code, 2);
  EXPECT_EQ(flag.err, "ERROR: unrecognized arguments: --bogus-flag\n");
}

TEST_F(AzStandinTest, HangsWhereTheScenarioSaysSo) {
  ready_["az"]["hang"] = json::array({"account get-access-token"});
  auto r = az({"account", "get-access-token", "-o", "json"}, std::chrono::milliseconds(300));
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(az({"account", "show"}).exit_code, 0);
}

TEST_F(AzStandinTest, NotLoggedInFailsLikeAz) {
  ready_["az"]["not_logged_in"] = true;
  auto r = az({"account", "show", "-o", "json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "ERROR: Please run 'az login' to setup account.\n");
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(az({"account", "get-access-token"}).exit_code, 1);
}

TEST_F(AzStandinTest, MissingReadyFileNamesTheVariable) {
  ProcessSpec spec;
  spec.argv = {INFRA_DOD_AZ_STANDIN, "account", "show"};
  spec.env["INFRA_DOD_SANDBOX_READY"] = (dir_ / "absent.json").string();
  auto r = run_process(spec);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("INFRA_DOD_SANDBOX_READY"), std::string::npos);
  spec.env["INFRA_DOD_SANDBOX_READY"] = std::nullopt;
  auto unset = run_process(spec);
  EXPECT_EQ(unset.exit_code, 1);
  EXPECT_NE(unset.err.find("INFRA_DOD_SANDBOX_READY"), std::string::npos);
}

}  // namespace
