#include "registry/registry.h"

#include <gtest/gtest.h>

namespace infra_dod {
namespace {

Registry load_real() {
  auto r = Registry::load(std::string(INFRA_DOD_SOURCE_DIR) + "/labels/dod.json");
  if (!r) throw std::runtime_error(r.error().message);
  return r.value();
}

TEST(Registry, TheShippedRegistryHasNoProblems) {
  const auto reg = load_real();
  const auto problems = reg.problems();
  for (const auto& p : problems) ADD_FAILURE() << p;
}

TEST(Registry, HoldsTheRunbooks14DoDRowsInItsOrder) {
  const auto reg = load_real();
  std::vector<std::string> ids;
  for (const auto& i : reg.items())
    if (i.table == "dod") ids.push_back(i.id);
  EXPECT_EQ(ids, (std::vector<std::string>{
                     "DEV043-DEPLOYMENT", "DEV043-ACR-IMAGE", "DEV043-INTERNAL-ONLY", "DEV043-UI-SMOKE",
                     "DEV043-ROLLBACK-DOC", "DEV044-PG-PROVISIONED", "DEV044-DB-MIGRATION", "DEV044-TRACE-RESTART",
                     "DEV044-KV-SECRETS", "DEV044-E2E-TRACE", "DEV045-PRIVATE-DNS", "DEV045-NSG",
                     "DEV045-PRIVATE-PATH", "DEV045-ROLLBACK-PLAN"}));
  EXPECT_EQ(reg.find("DEV044-KV-SECRETS")->item, "DEV-044: DB credentials managed via secrets/Key Vault");
}

TEST(Registry, HoldsEveryPhase3SectionOfTheDesign) {
  const auto reg = load_real();
  for (const char* id : {"DEV013-PRAGMATIC", "DEV013-STRICT", "DEV019-WATCHDOG", "ADR0015-SECRET", "ALERT-TRIAGE-READY",
                         "ALERT-APPROVAL-TIMEOUT", "ALERT-EXECUTION-FAILED", "ADR0024-ALERT-SEND", "DEV012-FINGERPRINT",
                         "PRIVATE-PATH-DATABRICKS", "PRIVATE-PATH-POSTGRES", "PRIVATE-PATH-NO-PUBLIC", "UI-SMOKE",
                         "TRACE-PERSISTENCE", "ROLLBACK-WORKLOAD", "ROLLBACK-REMOVAL", "ROLLBACK-ABSENCE",
                         "GUARDRAIL-SECRETS"})
    EXPECT_NE(reg.find(id), nullptr) << id;
}

TEST(Registry, SharedCasesGetTheUnionOfTheirRowsLabels) {
  const auto reg = load_real();
  const auto labels = reg.ctest_labels("TracePersistence.TraceSurvivesRestart");
  EXPECT_EQ(labels.front(), "smoke");
  for (const char* l : {"vnet", "disruptive", "DEV-044"})
    EXPECT_NE(std::find(labels.begin(), labels.end(), l), labels.end()) << l;
}

TEST(Registry, FindsALabelThatWouldLeakIntoAnUnanchoredSelection) {
  auto reg = Registry::parse(R"({"tables":[{"id":"t","title":"T"}],"items":[
      {"id":"X","table":"t","item":"x","mode":"smoke","labels":["smoke-manual"],"tests":["A.B"]}]})", "inline");
  ASSERT_TRUE(reg);
  const auto p = reg->problems();
  ASSERT_EQ(p.size(), 2u) << "smoke-manual holds two mode labels";
  EXPECT_NE(p[0].find("smoke-manual"), std::string::npos);
}

TEST(Registry, EvidenceAlsoMustNameAnotherRow) {
  auto reg = Registry::parse(R"({"tables":[{"id":"t","title":"T"}],"items":[
      {"id":"X","table":"t","item":"x","mode":"smoke","tests":["A.B"],"evidence_also":["NOPE"]},
      {"id":"Y","table":"t","item":"y","mode":"smoke","tests":["A.C"],"evidence_also":["X"]}]})", "inline");
  ASSERT_TRUE(reg);
  const auto p = reg->problems();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("evidence_also names 'NOPE'"), std::string::npos) << p[0];
}

TEST(Registry, RejectsADestructiveItemWithoutAnOptInOrInASafeMode) {
  auto reg = Registry::parse(R"({"tables":[{"id":"t","title":"T"}],"items":[
      {"id":"X","table":"t","item":"x","mode":"smoke","labels":["destructive"],"tests":["A.B"]}]})", "inline");
  ASSERT_TRUE(reg);
  EXPECT_EQ(reg->problems().size(), 2u);
}

TEST(Gate, AnUnsetOptInFlagNamesTheFlag) {
  Gate g;
  g.flags["RUN_DEV012_FINGERPRINT_SMOKE"] = "1";
  auto reason = gate_closed_reason(g, Config::from_values({}));
  ASSERT_TRUE(reason);
  EXPECT_EQ(*reason, "opt-in: set RUN_DEV012_FINGERPRINT_SMOKE=1 to run");
  EXPECT_FALSE(gate_closed_reason(g, Config::from_values({{"RUN_DEV012_FINGERPRINT_SMOKE", "1"}})));
}

TEST(Gate, MissingVariablesAreNamed) {
  Gate g;
  g.requires_vars = {"DATABRICKS_HOST", "DATABRICKS_TOKEN"};
  auto reason = gate_closed_reason(g, Config::from_values({{"DATABRICKS_HOST", "https://adb.example"}}));
  ASSERT_TRUE(reason);
  EXPECT_EQ(*reason, "missing variable DATABRICKS_TOKEN");
}

TEST(Gate, ADestructiveStepNeedsAConfirmationThatNamesTheTarget) {
  const auto reg = load_real();
  const auto& gate = reg.find("ROLLBACK-REMOVAL")->gate;
  EXPECT_TRUE(gate_closed_reason(gate, Config::from_values({{"RUN_ROLLBACK", "1"}, {"RUN_ROLLBACK_REMOVAL", "1"}})));
  auto wrong = gate_closed_reason(gate, Config::from_values({{"RUN_ROLLBACK", "1"},
                                                             {"RUN_ROLLBACK_REMOVAL", "1"},
                                                             {"INFRA_DOD_CONFIRM_NAMESPACE", "staging"}}));
  ASSERT_TRUE(wrong);
  EXPECT_NE(wrong->find("INFRA_DOD_CONFIRM_NAMESPACE=default"), std::string::npos) << *wrong;
  EXPECT_FALSE(gate_closed_reason(gate, Config::from_values({{"RUN_ROLLBACK", "1"},
                                                             {"RUN_ROLLBACK_REMOVAL", "1"},
                                                             {"INFRA_DOD_CONFIRM_NAMESPACE", "default"}})));
}

}  // namespace
}  // namespace infra_dod
