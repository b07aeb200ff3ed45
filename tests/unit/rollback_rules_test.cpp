// The rollback judgements, ARM id parsing and the private-address predicate, over literals.
#include <gtest/gtest.h>

#include "rules/addresses.h"
#include "rules/arm_id.h"
#include "rules/rollback.h"

namespace infra_dod {
namespace {

using nlohmann::json;

json deployment(const std::string& revision, const std::string& image = "acr.azurecr.io/langfuse/langfuse:3.29.0") {
  return {{"metadata", {{"name", "langfuse"}, {"uid", "d-1"}, {"annotations", {{"deployment.kubernetes.io/revision", revision}}}}},
          {"spec", {{"template", {{"spec", {{"containers", {{{"name", "langfuse"}, {"image", image}}}}}}}}}}};
}

json replicaset(const std::string& name, const std::string& revision, const std::string& image,
                const std::string& owner_uid = "d-1") {
  return {{"metadata",
           {{"name", name},
            {"annotations", {{"deployment.kubernetes.io/revision", revision}}},
            {"ownerReferences", {{{"kind", "Deployment"}, {"name", "langfuse"}, {"uid", owner_uid}}}}}},
          {"spec", {{"template", {{"spec", {{"containers", {{{"name", "langfuse"}, {"image", image}}}}}}}}}}};
}

TEST(UndoTarget, IsTheNewestOwnedRevisionBelowTheCurrentOne) {
  const json sets = {replicaset("lf-1", "1", "img:1"), replicaset("lf-3", "3", "img:3"), replicaset("lf-2", "2", "img:2")};
  const auto t = undo_target(deployment("3"), sets);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->revision, 2);
  EXPECT_EQ(t->replicaset, "lf-2");
  EXPECT_EQ(t->image, "img:2");
}

TEST(UndoTarget, IgnoresReplicaSetsOfARecreatedNamesake) {
  const json sets = {replicaset("lf-1", "1", "img:1", "old-uid"), replicaset("lf-2", "2", "img:2")};
  EXPECT_FALSE(undo_target(deployment("2"), sets));
}

TEST(UndoTarget, IsNothingWithoutAnEarlierRevision) {
  EXPECT_FALSE(undo_target(deployment("1"), json::array({replicaset("lf-1", "1", "img:1")})));
  EXPECT_FALSE(undo_target(deployment(""), json::array({replicaset("lf-1", "1", "img:1")})));
}

json workload_record() {
  return {{"deployment", "default/langfuse"},
          {"from_revision", 2},
          {"target", {{"revision", 1}, {"replicaset", "lf-1"}, {"image", "img:1"}}},
          {"dry_run", {{"exit_code", 0}, {"output", "deployment.apps/langfuse rolled back (server dry run)"}}},
          {"undo", {{"exit_code", 0}, {"output", "deployment.apps/langfuse rolled back"}}},
          {"status", {{"exit_code", 0}, {"output", "deployment \"langfuse\" successfully rolled out"}}},
          {"after", {{"revision", 3}, {"replicaset", "lf-1"}, {"image", "img:1"}}}};
}

TEST(WorkloadRollback, PassesWhenTheTargetRevisionRunsAfterTheRollout) {
  const auto j = judge_workload_rollback(workload_record());
  EXPECT_EQ(j.outcome, Outcome::pass) << j.failure_summary();
  EXPECT_EQ(j.findings.size(), 4u);
}

TEST(WorkloadRollback, FailsWithoutARevisionToRestoreAndStopsThere) {
  json r = workload_record();
  r["target"] = nullptr;
  r["dry_run"] = {{"exit_code", 1}, {"output", "error: no rollout history found for deployment \"langfuse\""}};
  const auto j = judge_workload_rollback(r);
  EXPECT_EQ(j.outcome, Outcome::fail);
  ASSERT_EQ(j.findings.size(), 1u);
  EXPECT_NE(j.failure_summary().find("no rollout history"), std::string::npos) << j.failure_summary();
  EXPECT_EQ(j.findings[0].resource, "Deployment/default/langfuse");
}

TEST(WorkloadRollback, FailsWhenTheUndoSkippedTheRollback) {
  json r = workload_record();
  r["undo"]["output"] = "deployment.apps/langfuse skipped rollback (current template already matches revision 1)";
  EXPECT_EQ(judge_workload_rollback(r).outcome, Outcome::fail);
}

TEST(WorkloadRollback, FailsWhenTheRolloutDoesNotComplete) {
  json r = workload_record();
  r["status"] = {{"exit_code", 1}, {"output", "error: deployment \"langfuse\" exceeded its progress deadline"}};
  const auto j = judge_workload_rollback(r);
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_NE(j.failure_summary().find("progress deadline"), std::string::npos);
}

TEST(WorkloadRollback, FailsWhenAnotherReplicaSetRunsAfterwards) {
  json r = workload_record();
  r["after"] = {{"revision", 3}, {"replicaset", "lf-2"}, {"image", "img:2"}};
  const auto j = judge_workload_rollback(r);
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_NE(j.failure_summary().find("lf-2"), std::string::npos) << j.failure_summary();
}

json removal(const std::string& deployment_after, const std::string& service_after, const std::string& detail = "") {
  return {{"wait_s", 5},
          {"objects",
           {{{"resource", "deployment/langfuse"}, {"namespace", "default"}, {"delete", {{"exit_code", 0}}}, {"after", deployment_after}},
            {{"resource", "service/langfuse-internal"},
             {"namespace", "default"},
             {"delete", {{"exit_code", 0}, {"output", "service \"langfuse-internal\" deleted"}}},
             {"after", service_after},
             {"detail", detail}}}}};
}

TEST(Removal, PassesWhenBothObjectsAnswerNotFound) {
  EXPECT_EQ(judge_removal(removal("not-found", "not-found")).outcome, Outcome::pass);
}

TEST(Removal, FailsNamingTheObjectThatSurvivesAndWhatHoldsIt) {
  const auto j = judge_removal(removal("not-found", "present", "finalizers [\"example.com/hold\"]"));
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_NE(j.failure_summary().find("default/service/langfuse-internal"), std::string::npos) << j.failure_summary();
  EXPECT_NE(j.failure_summary().find("example.com/hold"), std::string::npos) << j.failure_summary();
}

TEST(Removal, CannotJudgeWhenNothingWasRemoved) {
  EXPECT_EQ(judge_removal({{"objects", json::array()}}).outcome, Outcome::error);
}

json absence(std::vector<json> resources) {
  json list = json::array();
  for (auto& r : resources) list.push_back(std::move(r));
  return {{"resources", list}};
}
json checked(const std::string& id, long status, const std::string& code = "") {
  return {{"id", id}, {"command", "az resource show --ids " + id}, {"status", status}, {"code", code}, {"kind", "auth"}};
}

TEST(Absence, PassesWhenEveryResourceAnswers404WhateverItsCode) {
  const auto j = judge_absence(absence({checked("/a", 404, "ResourceNotFound"), checked("/b", 404, "ResourceGroupNotFound")}));
  EXPECT_EQ(j.outcome, Outcome::pass);
}

TEST(Absence, FailsNamingTheResourceThatStillAnswers200) {
  const auto j = judge_absence(absence({checked("/a", 404, "ResourceNotFound"), checked("/vaults/kv", 200)}));
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_NE(j.failure_summary().find("/vaults/kv"), std::string::npos);
}

TEST(Absence, IsAnErrorWhenAResourceCouldNotBeRead) {
  for (long status : {401L, 403L, 500L, 0L}) {
    const auto j = judge_absence(absence({checked("/a", 200), checked("/b", status, "AuthorizationFailed")}));
    EXPECT_EQ(j.outcome, Outcome::error) << status;
    EXPECT_NE(j.error.find("/b"), std::string::npos) << j.error;
  }
}

TEST(Absence, CannotJudgeAnEmptyList) { EXPECT_EQ(judge_absence(absence({})).outcome, Outcome::error); }

TEST(ArmIds, SplitIntoProviderTypeAndName) {
  const auto id = parse_arm_id("/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones/z.example/virtualNetworkLinks/l1");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->subscription, "s1");
  EXPECT_EQ(id->resource_group, "rg");
  EXPECT_EQ(id->provider, "Microsoft.Network");
  EXPECT_EQ(id->type, "privateDnsZones/virtualNetworkLinks");
  EXPECT_EQ(id->name, "l1");
  EXPECT_TRUE(parse_arm_id("/SUBSCRIPTIONS/s1/resourcegroups/rg/PROVIDERS/Microsoft.KeyVault/vaults/kv"));
}

TEST(ArmIds, RejectWhatIsNotAResourceId) {
  for (const char* bad : {"", "notanid", "/subscriptions/s1", "/subscriptions/s1/resourceGroups/rg",
                          "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults",
                          "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv/",
                          "//evil.example/subscriptions/s1/resourceGroups/rg/providers/NS/t/n",
                          "@evil.example:443/subscriptions/s1/resourceGroups/rg/providers/NS/t/n"})
    EXPECT_FALSE(parse_arm_id(bad)) << bad;
}

TEST(ProviderApiVersion, IsTheFirstNonPreviewVersionOfTheType) {
  const json provider = {{"namespace", "Microsoft.Network"},
                         {"resourceTypes",
                          {{{"resourceType", "privateEndpoints"}, {"apiVersions", {"2025-01-01-preview", "2024-05-01", "2023-09-01"}}},
                           {{"resourceType", "previewOnly"}, {"apiVersions", {"2025-02-01-preview"}}}}}};
  EXPECT_EQ(provider_api_version(provider, "PRIVATEENDPOINTS"), "2024-05-01");
  EXPECT_EQ(provider_api_version(provider, "previewOnly"), "2025-02-01-preview");
  EXPECT_FALSE(provider_api_version(provider, "privateDnsZones"));
  EXPECT_FALSE(provider_api_version(json::object(), "privateEndpoints"));
}

struct AddressCase {
  const char* text;
  AddressClass want;
};

class PrivateAddress : public ::testing::TestWithParam<AddressCase> {};

TEST_P(PrivateAddress, IsClassifiedByItsRange) {
  EXPECT_EQ(classify_address(GetParam().text), GetParam().want) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Ranges, PrivateAddress,
    ::testing::Values(AddressCase{"10.0.0.0", AddressClass::private_address},
                      AddressCase{"10.255.255.255", AddressClass::private_address},
                      AddressCase{"11.0.0.1", AddressClass::not_private},
                      AddressCase{"172.15.255.255", AddressClass::not_private},
                      AddressCase{"172.16.0.0", AddressClass::private_address},
                      AddressCase{"172.31.255.255", AddressClass::private_address},
                      AddressCase{"172.32.0.0", AddressClass::not_private},
                      AddressCase{"192.167.255.255", AddressClass::not_private},
                      AddressCase{"192.168.0.1", AddressClass::private_address},
                      AddressCase{"192.169.0.1", AddressClass::not_private},
                      AddressCase{"100.63.255.255", AddressClass::not_private},
                      AddressCase{"100.64.0.0", AddressClass::private_address},
                      AddressCase{"100.127.255.255", AddressClass::private_address},
                      AddressCase{"100.128.0.0", AddressClass::not_private},
                      AddressCase{"20.42.65.89", AddressClass::not_private},
                      AddressCase{"127.0.0.1", AddressClass::not_private},
                      AddressCase{"169.254.1.1", AddressClass::not_private},
                      AddressCase{"fc00::1", AddressClass::private_address},
                      AddressCase{"fd12:3456:789a::1", AddressClass::private_address},
                      AddressCase{"fe80::1", AddressClass::not_private},
                      AddressCase{"fbff::1", AddressClass::not_private},
                      AddressCase{"2603:1030::1", AddressClass::not_private},
                      AddressCase{"::1", AddressClass::not_private},
                      AddressCase{"::ffff:10.1.2.3", AddressClass::private_address},
                      AddressCase{"::ffff:8.8.8.8", AddressClass::not_private},
                      AddressCase{"", AddressClass::not_an_address},
                      AddressCase{"10.0.0", AddressClass::not_an_address},
                      AddressCase{"10.0.0.256", AddressClass::not_an_address},
                      AddressCase{" 10.0.0.1", AddressClass::not_an_address},
                      AddressCase{"pg.postgres.database.azure.com", AddressClass::not_an_address},
                      AddressCase{"fd00::1%eth0", AddressClass::not_an_address}));

}  // namespace
}  // namespace infra_dod
