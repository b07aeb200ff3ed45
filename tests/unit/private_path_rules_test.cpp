// The private-path-only checklist's judgements over literals: the in-pod probe's line, the
// runner's DNS answers and the inventory's private endpoints and public network access.
#include <gtest/gtest.h>

#include "rules/private_path.h"

namespace infra_dod {
namespace {

using nlohmann::json;

const std::string kServer =
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-dev";
const std::string kVault = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-dev";
const std::string kOpenAi = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/oai-dev";

json ok(json value) { return {{"ok", true}, {"status", 200}, {"value", std::move(value)}}; }

json snapshot(const std::string& pg_access = "Disabled", const std::string& kv_access = "Disabled") {
  json endpoint = {{"name", "pe-pg"},
                   {"id", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe-pg"},
                   {"properties",
                    {{"privateLinkServiceConnections", {{{"properties", {{"privateLinkServiceId", kServer}}}}}},
                     {"customDnsConfigs", {{{"fqdn", "pg-dev.postgres.database.azure.com"}, {"ipAddresses", {"10.20.4.4"}}}}}}}};
  return {{"entries",
           {{"arm.postgres",
             ok({{"id", kServer},
                 {"name", "pg-dev"},
                 {"properties",
                  {{"fullyQualifiedDomainName", "pg-dev.postgres.database.azure.com"},
                   {"network", {{"publicNetworkAccess", pg_access}}}}}})},
            {"arm.keyvault",
             ok({{"id", kVault},
                 {"name", "kv-dev"},
                 {"properties", {{"vaultUri", "https://kv-dev.vault.azure.net/"}, {"publicNetworkAccess", kv_access}}}})},
            {"arm.openai",
             ok({{"id", kOpenAi},
                 {"name", "oai-dev"},
                 {"properties", {{"endpoint", "https://oai-dev.openai.azure.com/"}, {"publicNetworkAccess", "Disabled"}}}})},
            {"arm.private_endpoints", ok(json::array({endpoint}))}}}};
}

json probe(const json& address, bool connected, const json& resolve_error = nullptr, const json& connect_error = nullptr) {
  return {{"probe", "tcp"},   {"host", "pg-dev.postgres.database.azure.com"}, {"port", 5432},
          {"address", address}, {"family", 4}, {"resolve_error", resolve_error}, {"connected", connected},
          {"connect_error", connect_error}};
}

std::string failed(const Judgement& j) { return j.failure_summary(); }

TEST(ProbeLine, IsTheLastTcpProbeObjectInTheOutput) {
  const auto line = probe_line("Defaulted container \"web\"\n{\"probe\":\"tcp\",\"address\":\"10.0.0.1\"}\nnot json\n");
  ASSERT_TRUE(line);
  EXPECT_EQ((*line)["address"], "10.0.0.1");
}

TEST(ProbeLine, IsNothingWhenTheOutputHasNoProbeObject) {
  EXPECT_FALSE(probe_line("<html>502</html>\n{\"probe\":\"udp\"}\n"));
  EXPECT_FALSE(probe_line(""));
}

TEST(PostgresPrivatePath, PassesOnTheEndpointsPrivateAddressWithAnOpenConnection) {
  const auto j = judge_postgres_private_path(snapshot(), probe("10.20.4.4", true), "lf-1");
  EXPECT_EQ(j.outcome, Outcome::pass) << failed(j);
  EXPECT_EQ(j.findings.size(), 4u);
}

TEST(PostgresPrivatePath, FailsOnAPublicAddressNamingIt) {
  const auto j = judge_postgres_private_path(snapshot(), probe("20.41.67.12", true), "lf-1");
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_NE(failed(j).find("20.41.67.12 (public)"), std::string::npos) << failed(j);
}

TEST(PostgresPrivatePath, FailsOnAPrivateAddressThatIsNotTheEndpoints) {
  const auto j = judge_postgres_private_path(snapshot(), probe("10.9.9.9", true), "lf-1");
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_NE(failed(j).find("10.20.4.4"), std::string::npos) << failed(j);
}

TEST(PostgresPrivatePath, FailsWhenTheConnectionIsRefused) {
  const auto j = judge_postgres_private_path(snapshot(), probe("10.20.4.4", false, nullptr, "ECONNREFUSED"), "lf-1");
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_NE(failed(j).find("ECONNREFUSED"), std::string::npos);
}

TEST(PostgresPrivatePath, FailsWhenTheNameDoesNotResolveInThePod) {
  const auto j = judge_postgres_private_path(snapshot(), probe(nullptr, false, "ENOTFOUND"), "lf-1");
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_NE(failed(j).find("ENOTFOUND"), std::string::npos);
}

TEST(PostgresPrivatePath, CannotJudgeWithoutTheEndpointList) {
  json s = snapshot();
  s["entries"]["arm.private_endpoints"] = {{"ok", false}, {"status", 403}, {"error", {{"kind", "auth"}, {"code", "AuthorizationFailed"}, {"message", "denied"}}}};
  const auto j = judge_postgres_private_path(s, probe("10.20.4.4", true), "lf-1");
  EXPECT_EQ(j.outcome, Outcome::error);
  EXPECT_NE(j.error.find("arm.private_endpoints"), std::string::npos) << j.error;
}

std::vector<NameLookup> answers(const json& s, const std::map<std::string, std::vector<std::string>>& by_name) {
  std::vector<std::string> blocked;
  auto lookups = public_names(s, blocked);
  for (auto& l : lookups) {
    l.rcode = "NOERROR";
    if (auto it = by_name.find(l.name); it != by_name.end()) l.addresses = it->second;
  }
  return lookups;
}

const std::map<std::string, std::vector<std::string>> kPrivateAnswers = {
    {"pg-dev.postgres.database.azure.com", {"10.20.4.4"}},
    {"oai-dev.openai.azure.com", {"10.20.4.5"}},
    {"kv-dev.vault.azure.net", {"fd00::6"}}};

TEST(PublicNames, AreTheThreeServicesHostNamesFromTheInventory) {
  std::vector<std::string> blocked;
  const auto names = public_names(snapshot(), blocked);
  ASSERT_EQ(names.size(), 3u);
  EXPECT_EQ(names[0].name, "pg-dev.postgres.database.azure.com");
  EXPECT_EQ(names[1].name, "oai-dev.openai.azure.com");
  EXPECT_EQ(names[2].name, "kv-dev.vault.azure.net");
  EXPECT_TRUE(blocked.empty());
}

TEST(NoPublicFallback, PassesWhenAccessIsDisabledAndEveryNameResolvesPrivately) {
  const auto s = snapshot();
  const auto j = judge_no_public_fallback(s, answers(s, kPrivateAnswers));
  EXPECT_EQ(j.outcome, Outcome::pass) << failed(j);
  EXPECT_EQ(j.findings.size(), 6u);
}

TEST(NoPublicFallback, FailsWhenPublicNetworkAccessIsEnabledOnKeyVault) {
  const auto s = snapshot("Disabled", "Enabled");
  const auto j = judge_no_public_fallback(s, answers(s, kPrivateAnswers));
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_NE(failed(j).find("publicNetworkAccess Enabled"), std::string::npos);
  EXPECT_NE(failed(j).find(kVault), std::string::npos);
}

TEST(NoPublicFallback, FailsWhenANameResolvesToAnyPublicAddress) {
  const auto s = snapshot();
  auto by_name = kPrivateAnswers;
  by_name["oai-dev.openai.azure.com"] = {"10.20.4.5", "20.41.205.74"};
  const auto j = judge_no_public_fallback(s, answers(s, by_name));
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_NE(failed(j).find("20.41.205.74 (public)"), std::string::npos) << failed(j);
}

TEST(NoPublicFallback, FailsWhenANameDoesNotResolveFromTheRunner) {
  const auto s = snapshot();
  auto lookups = answers(s, kPrivateAnswers);
  lookups[2].addresses.clear();
  lookups[2].rcode = "NXDOMAIN";
  const auto j = judge_no_public_fallback(s, lookups);
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_NE(failed(j).find("NXDOMAIN"), std::string::npos);
}

TEST(NoPublicFallback, CannotJudgeWhenALookupFailedAndSaysWhich) {
  const auto s = snapshot();
  auto lookups = answers(s, kPrivateAnswers);
  lookups[1].error = "timeout: DNS server 127.0.0.1:53 gave no answer";
  const auto j = judge_no_public_fallback(s, lookups);
  EXPECT_EQ(j.outcome, Outcome::error);
  EXPECT_NE(j.error.find("oai-dev.openai.azure.com"), std::string::npos) << j.error;
}

TEST(NoPublicFallback, ReadsAnAbsentSettingAsAzuresDefaultEnabled) {
  json s = snapshot();
  s["entries"]["arm.keyvault"]["value"]["properties"].erase("publicNetworkAccess");
  const auto j = judge_no_public_fallback(s, answers(s, kPrivateAnswers));
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_NE(failed(j).find("default is Enabled"), std::string::npos);
}

}  // namespace
}  // namespace infra_dod
