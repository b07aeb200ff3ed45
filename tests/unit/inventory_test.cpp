// The inventory's request plan and its stripping of kubectl output: pure functions of the
// configuration and of JSON, tested on literals.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "inventory/plan.h"
#include "inventory/strip.h"
#include "rules/inventory_entries.h"

namespace infra_dod {
namespace {

using nlohmann::json;

const std::string kSub = "00000000-0000-0000-0000-000000000000";
const std::string kRg = "/subscriptions/" + kSub + "/resourceGroups/rg-dev";
const std::string kPostgresZone = "privatelink.postgres.database.azure.com";

Config arm_config() {
  return Config::from_values({{"AZURE_SUBSCRIPTION_ID", kSub},
                              {"AZURE_RESOURCE_GROUP", "rg-dev"},
                              {"POSTGRES_SERVER_NAME", "pg-langfuse-dev"},
                              {"KEY_VAULT_NAME", "kv-langfuse-dev"},
                              {"OPENAI_ACCOUNT_NAME", "oai-dev"},
                              {"PRIVATE_DNS_ZONES", "privatelink.openai.azure.com," + kPostgresZone}});
}

const InventoryRequest* planned(const std::vector<InventoryRequest>& plan, const std::string& name) {
  for (const auto& r : plan)
    if (r.name == name) return &r;
  return nullptr;
}

TEST(ArmPlan, AsksForEachResourceUnderTheConfiguredResourceGroup) {
  const auto plan = arm_plan(arm_config(), kSub);
  for (const auto& r : plan) {
    EXPECT_EQ(r.source, "arm") << r.name;
    // The alert rules and action groups are listed subscription-wide (a rule may route to a
    // group in another resource group); everything else is under the resource group.
    const bool subscription_wide = r.name == entries::kAlertRules || r.name == entries::kActionGroups;
    if (!subscription_wide) {
      EXPECT_EQ(r.path.rfind(kRg + "/providers/", 0), 0u) << r.name << ": " << r.path;
    }
    EXPECT_FALSE(r.api_version.empty()) << r.name;
  }
  const auto* pg = planned(plan, entries::kPostgres);
  ASSERT_TRUE(pg);
  EXPECT_EQ(pg->path, kRg + "/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-langfuse-dev");
  EXPECT_FALSE(pg->list);
  const auto* secrets = planned(plan, entries::kKeyVaultSecrets);
  ASSERT_TRUE(secrets);
  EXPECT_EQ(secrets->path, kRg + "/providers/Microsoft.KeyVault/vaults/kv-langfuse-dev/secrets");
  EXPECT_TRUE(secrets->list);
  const auto* records = planned(plan, entries::dns_a_records(kPostgresZone));
  ASSERT_TRUE(records);
  EXPECT_EQ(records->path, kRg + "/providers/Microsoft.Network/privateDnsZones/" + kPostgresZone + "/A");
  ASSERT_TRUE(planned(plan, entries::kOpenAi));
  EXPECT_EQ(planned(plan, entries::kOpenAi)->path, kRg + "/providers/Microsoft.CognitiveServices/accounts/oai-dev");
}

TEST(ArmPlan, ListsAlertRulesAndActionGroupsAcrossTheSubscription) {
  const auto plan = arm_plan(arm_config(), kSub);
  const auto* rules = planned(plan, entries::kAlertRules);
  ASSERT_TRUE(rules);
  EXPECT_EQ(rules->path, "/subscriptions/" + kSub + "/providers/Microsoft.Insights/scheduledQueryRules");
  EXPECT_TRUE(rules->list);
  const auto* groups = planned(plan, entries::kActionGroups);
  ASSERT_TRUE(groups);
  EXPECT_EQ(groups->path, "/subscriptions/" + kSub + "/providers/Microsoft.Insights/actionGroups");
  EXPECT_TRUE(groups->list);
}

TEST(ArmPlan, EachPrivateEndpointIsFollowedByItsDnsZoneGroups) {
  const json endpoints = json::array(
      {{{"name", "pe-postgres-dev"}, {"id", kRg + "/providers/Microsoft.Network/privateEndpoints/pe-postgres-dev"}},
       {{"name", "pe-openai-dev"}, {"id", kRg + "/providers/Microsoft.Network/privateEndpoints/pe-openai-dev"}}});
  const auto requests = zone_group_requests(endpoints);
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].name, entries::pe_zone_groups("pe-postgres-dev"));
  EXPECT_EQ(requests[0].path, kRg + "/providers/Microsoft.Network/privateEndpoints/pe-postgres-dev/privateDnsZoneGroups");
  EXPECT_TRUE(requests[0].list);
  EXPECT_TRUE(zone_group_requests(json::array({{{"name", "no-id"}}, "not an object"})).empty());
  EXPECT_TRUE(zone_group_requests(json::object()).empty());
}

TEST(KubePlan, AsksKubectlInTheConfiguredNamespaceForTheConfiguredObjects) {
  const auto plan = kube_plan(Config::from_values(
      {{"LANGFUSE_NAMESPACE", "observability"}, {"LANGFUSE_DEPLOYMENT", "lf"}, {"LANGFUSE_SERVICE", "lf-internal"}}));
  std::map<std::string, std::vector<std::string>> args;
  for (const auto& r : plan) {
    EXPECT_EQ(r.source, "kubectl") << r.name;
    EXPECT_TRUE(r.path.empty()) << r.name;
    args[r.name] = r.kubectl_args;
  }
  EXPECT_EQ(args[entries::kDeployment],
            (std::vector<std::string>{"get", "--raw", "/apis/apps/v1/namespaces/observability/deployments/lf"}));
  EXPECT_EQ(args[entries::kEndpoints],
            (std::vector<std::string>{"get", "--raw", "/api/v1/namespaces/observability/endpoints/lf-internal"}));
  EXPECT_EQ(args[entries::kIngresses],
            (std::vector<std::string>{"get", "--raw", "/apis/networking.k8s.io/v1/namespaces/observability/ingresses"}));
  EXPECT_EQ(args.count(entries::kRolloutUndoDryRun), 0u) << "the dry run follows the reads it is built from";
}

TEST(KubePlan, TheUndoDryRunIsTheUpdateToThePreviousRevisionSentAsADryRun) {
  const auto cfg = Config::from_values({{"LANGFUSE_NAMESPACE", "observability"}, {"LANGFUSE_DEPLOYMENT", "lf"}});
  const json deployment = json::parse(R"({"apiVersion":"apps/v1","kind":"Deployment",
    "metadata":{"name":"lf","uid":"d1","resourceVersion":"7","annotations":{"deployment.kubernetes.io/revision":"2"}},
    "spec":{"template":{"metadata":{"labels":{"app":"lf"}},"spec":{"containers":[{"image":"acr.io/lf:2"}]}}}})");
  const json replicasets = json::parse(R"({"kind":"ReplicaSetList","items":[
    {"metadata":{"name":"lf-1","ownerReferences":[{"kind":"Deployment","uid":"d1","name":"lf"}],"annotations":{"deployment.kubernetes.io/revision":"1"}},
     "spec":{"template":{"metadata":{"labels":{"app":"lf","pod-template-hash":"aaa"}},"spec":{"containers":[{"image":"acr.io/lf:1"}]}}}},
    {"metadata":{"name":"lf-2","ownerReferences":[{"kind":"Deployment","uid":"d1","name":"lf"}],"annotations":{"deployment.kubernetes.io/revision":"2"}},
     "spec":{"template":{"metadata":{"labels":{"app":"lf","pod-template-hash":"bbb"}},"spec":{"containers":[{"image":"acr.io/lf:2"}]}}}}]})");
  const auto r = rollout_undo_request(cfg, deployment, replicasets);
  EXPECT_EQ(r.kubectl_args, (std::vector<std::string>{"replace", "--raw",
                                                      "/apis/apps/v1/namespaces/observability/deployments/lf?dryRun=All",
                                                      "-f", "-"}));
  EXPECT_TRUE(r.refusal.empty()) << r.refusal;
  EXPECT_EQ(r.revision, 1);
  const json sent = json::parse(r.input);
  EXPECT_EQ(sent["metadata"]["resourceVersion"], "7") << "a concurrent change is a 409, not a silent overwrite";
  EXPECT_EQ(sent["spec"]["template"]["spec"]["containers"][0]["image"], "acr.io/lf:1");
  EXPECT_FALSE(sent["spec"]["template"]["metadata"]["labels"].contains("pod-template-hash"));
  EXPECT_EQ(sent["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "2") << "kubectl keeps its bookkeeping";
}

TEST(KubePlan, KubectlsRefusalsAreKeptAndNothingIsSent) {
  const auto cfg = Config::from_values({});
  const json deployment = json::parse(R"({"metadata":{"name":"langfuse","uid":"d1","annotations":{"deployment.kubernetes.io/revision":"1"}},"spec":{}})");
  const json one = json::parse(R"({"items":[{"metadata":{"name":"lf-1","ownerReferences":[{"kind":"Deployment","uid":"d1"}],"annotations":{"deployment.kubernetes.io/revision":"1"}}}]})");
  const auto r = rollout_undo_request(cfg, deployment, one);
  EXPECT_EQ(r.refusal, "error: no rollout history found for deployment \"langfuse\"");
  EXPECT_TRUE(r.input.empty());
}

TEST(KubePlan, TheCatalogueNamesTheObjectsWhenNothingElseDoes) {
  const auto plan = kube_plan(Config::from_values({}));
  const auto endpoints = std::find_if(plan.begin(), plan.end(), [](const auto& r) { return r.name == entries::kEndpoints; });
  ASSERT_NE(endpoints, plan.end());
  EXPECT_EQ(endpoints->kubectl_args,
            (std::vector<std::string>{"get", "--raw", "/api/v1/namespaces/default/endpoints/langfuse-internal"}));
}

TEST(StripSecretMaterial, PodTemplateEnvValuesAndTheLastAppliedManifestNeverStay) {
  json list = json::parse(R"({"kind": "List", "items": [{
    "kind": "Deployment",
    "metadata": {"annotations": {"deployment.kubernetes.io/revision": "2",
                                 "kubectl.kubernetes.io/last-applied-configuration": "{\"spec\": \"...\"}"}},
    "spec": {"template": {"spec": {"containers": [{
      "image": "acraiagentdev.azurecr.io/langfuse/langfuse:3.29.0",
      "env": [{"name": "DATABASE_URL", "value": "postgres://langfuse:inline-password@pg:5432/langfuse"},
              {"name": "SALT", "valueFrom": {"secretKeyRef": {"name": "langfuse-secrets", "key": "salt"}}}]}]}}}}]})");
  strip_secret_material(list);
  const auto& item = list["items"][0];
  EXPECT_FALSE(item["metadata"]["annotations"].contains("kubectl.kubernetes.io/last-applied-configuration"));
  EXPECT_EQ(item["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "2");
  const auto& env = item["spec"]["template"]["spec"]["containers"][0]["env"];
  EXPECT_EQ(env[0]["name"], "DATABASE_URL");
  EXPECT_EQ(list.dump().find("inline-password"), std::string::npos);
  EXPECT_EQ(env[1]["valueFrom"]["secretKeyRef"]["key"], "salt");
  EXPECT_EQ(item["spec"]["template"]["spec"]["containers"][0]["image"], "acraiagentdev.azurecr.io/langfuse/langfuse:3.29.0");

  json secret = {{"kind", "Secret"}, {"metadata", {{"name", "langfuse-secrets"}}}, {"data", {{"salt", "c2FsdA=="}}}};
  strip_secret_material(secret);
  EXPECT_FALSE(secret.contains("data"));
}

}  // namespace
}  // namespace infra_dod
