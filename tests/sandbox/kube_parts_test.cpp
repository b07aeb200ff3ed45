// The Kubernetes emulator's pure parts on JSON literals: selectors as the API server parses them,
// and what the deployment controller computes from a template.
#include <gtest/gtest.h>

#include "kube/rollout.h"
#include "kube/selectors.h"

namespace {

using nlohmann::json;
using namespace infra_dod::sandbox::kube;

const ResourceType& secrets() { return *find_type("v1", "secrets"); }

json labelled(json labels) { return {{"metadata", {{"name", "x"}, {"labels", std::move(labels)}}}}; }

Selectors selectors_of(const std::string& labels, const std::string& fields = "") {
  auto parsed = parse_selectors(secrets(), labels, fields);
  EXPECT_TRUE(std::holds_alternative<Selectors>(parsed)) << std::get<std::string>(parsed);
  return std::holds_alternative<Selectors>(parsed) ? std::get<Selectors>(parsed) : Selectors{};
}

TEST(KubeSelectors, SetBasedTermsMatchOnlyTheListedValues) {
  const auto sel = selectors_of("app in (langfuse, worker),tier!=db");
  EXPECT_TRUE(matches(labelled({{"app", "worker"}, {"tier", "web"}}), sel));
  EXPECT_FALSE(matches(labelled({{"app", "postgres"}}), sel));
  EXPECT_FALSE(matches(labelled({{"app", "langfuse"}, {"tier", "db"}}), sel));
}

TEST(KubeSelectors, NegatedExistenceRejectsObjectsWithTheLabel) {
  const auto sel = selectors_of("!canary");
  EXPECT_TRUE(matches(labelled({{"app", "langfuse"}}), sel));
  EXPECT_FALSE(matches(labelled({{"canary", "true"}}), sel));
}

TEST(KubeSelectors, FieldSelectorOnTypeAppliesToSecretsOnly) {
  const auto sel = selectors_of("", "type=kubernetes.io/tls");
  EXPECT_TRUE(matches({{"metadata", {{"name", "tls"}}}, {"type", "kubernetes.io/tls"}}, sel));
  EXPECT_FALSE(matches({{"metadata", {{"name", "opaque"}}}, {"type", "Opaque"}}, sel));

  const auto on_services = parse_selectors(*find_type("v1", "services"), "", "type=ClusterIP");
  ASSERT_TRUE(std::holds_alternative<std::string>(on_services));
  EXPECT_EQ(std::get<std::string>(on_services), "field label not supported: type");
}

TEST(KubeSelectors, UnparsableLabelSelectorGivesTheServersMessage) {
  const auto parsed = parse_selectors(secrets(), "app in (langfuse", "");
  ASSERT_TRUE(std::holds_alternative<std::string>(parsed));
  EXPECT_EQ(std::get<std::string>(parsed), "unable to parse requirement: found 'app in (langfuse'");
}

TEST(KubeRollout, TemplatesThatDifferOnlyInDefaultsHaveOneHash) {
  const json sent = {{"metadata", {{"creationTimestamp", nullptr}, {"labels", {{"app", "langfuse"}}}}},
                     {"spec", {{"containers", {{{"name", "web"}, {"image", "langfuse:3"}, {"resources", json::object()}}}}}}};
  json stored = sent;
  stored["metadata"].erase("creationTimestamp");
  stored["spec"]["containers"][0].erase("resources");
  stored["metadata"]["labels"]["pod-template-hash"] = "abc";
  EXPECT_EQ(template_without_hash(sent), template_without_hash(stored));
  EXPECT_EQ(pod_template_hash(sent), pod_template_hash(stored));

  json changed = sent;
  changed["spec"]["containers"][0]["image"] = "langfuse:4";
  EXPECT_NE(pod_template_hash(sent), pod_template_hash(changed));
  EXPECT_EQ(pod_template_hash(sent).find_first_of("aeiou013"), std::string::npos);
}

TEST(KubeRollout, ConditionKeepsItsTransitionTimeWhileItsStatusHolds) {
  json d = {{"status", {{"conditions", {{{"type", "Progressing"}, {"status", "True"}, {"lastTransitionTime", "t0"}}}}}}};
  set_condition(d, "Progressing", "True", "NewReplicaSetAvailable", "done");
  EXPECT_EQ(d["status"]["conditions"][0]["lastTransitionTime"], "t0");
  EXPECT_EQ(d["status"]["conditions"][0]["reason"], "NewReplicaSetAvailable");
  set_condition(d, "Progressing", "False", "ProgressDeadlineExceeded", "timed out");
  EXPECT_NE(d["status"]["conditions"][0]["lastTransitionTime"], "t0");
}

TEST(KubeRollout, RevisionAndReplicasFallBackWhenAbsentOrGarbled) {
  EXPECT_EQ(revision_of({{"metadata", {{"annotations", {{"deployment.kubernetes.io/revision", "7"}}}}}}), 7);
  EXPECT_EQ(revision_of({{"metadata", {{"annotations", {{"deployment.kubernetes.io/revision", "x"}}}}}}), 0);
  EXPECT_EQ(desired_replicas({{"spec", json::object()}}), 1);
  EXPECT_EQ(desired_replicas({{"spec", {{"replicas", 0}}}}), 0);
}

}  // namespace
