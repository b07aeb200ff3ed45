// `infra-dod list` and `infra-dod explain` read the registry and the scenarios for a person.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "e2e/support.h"

namespace infra_dod::e2e {
namespace {

using nlohmann::json;

TEST(ListCommand, ListsEveryItemWithItsGateAndWhetherItIsOpen) {
  auto r = run({INFRA_DOD_CLI, "list", "--json"}, {{"INFRA_DOD_ENV_FILE", std::nullopt}, {"RUN_ALERT_REAL_SEND", "1"}});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const json items = json::parse(r.out);
  bool found = false;
  for (const auto& i : items) {
    if (i["id"] != "ADR0024-ALERT-SEND") continue;
    found = true;
    EXPECT_EQ(i["mode"], "smoke");
    EXPECT_EQ(i["gate"]["flags"][0]["variable"], "RUN_ALERT_REAL_SEND");
    EXPECT_EQ(i["gate"]["flags"][0]["set"], true);
    EXPECT_EQ(i["gate"]["open"], false);  // its DCR variables are unset here
    EXPECT_EQ(i["tests"][0], "ADR0024.RealAlertFiresExactlyOnce");
  }
  EXPECT_TRUE(found);
}

TEST(ListCommand, SelectKeepsOnlyThoseModes) {
  auto r = run({INFRA_DOD_CLI, "list", "--select", "manual", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  for (const auto& i : json::parse(r.out)) EXPECT_EQ(i["mode"], "manual") << i["id"];
  EXPECT_EQ(run({INFRA_DOD_CLI, "list", "--select", "everything"}).exit_code, 2);
}

TEST(ExplainCommand, NamesTheRunbookWordsTheJudgeAndTheScenariosThatFailIt) {
  auto r = run({INFRA_DOD_CLI, "explain", "ALERT-RULES-ROUTED"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("Plan DoD item:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("suites/adr0024.cpp: Alerting.EveryEventTypeRoutesToAReceiver"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("alert-rule-missing-type"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("alert-group-no-receivers"), std::string::npos) << r.out;
  auto j = run({INFRA_DOD_CLI, "explain", "DEV043-DEPLOYMENT", "--json"});
  ASSERT_EQ(j.exit_code, 0);
  const json doc = json::parse(j.out);
  bool zero_available = false;
  for (const auto& s : doc["failing_scenarios"]) zero_available = zero_available || s["scenario"] == "deploy-zero-available";
  EXPECT_TRUE(zero_available) << doc.dump();
}

TEST(ExplainCommand, AnUnknownItemIsAClearError) {
  auto r = run({INFRA_DOD_CLI, "explain", "DEV-999"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("DEV-999 is not a DoD item"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace infra_dod::e2e
