// ADR-0024's send guardrails and the Alert/Event checklist's routing, over literals. Each
// guardrail test breaks only that condition, on an injected time.
#include <gtest/gtest.h>

#include <fstream>

#include "rules/alerting.h"
#include "runtime/text.h"

namespace infra_dod {
namespace {

using nlohmann::json;
using std::chrono::system_clock;

const std::string kWorkspace = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/law";
const std::string kRule = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/scheduledQueryRules/alert-agent";
const std::string kGroup = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/actionGroups/ag-dev";

system_clock::time_point at(const std::string& utc) { return *parse_utc(utc); }

AlertPolicy policy() {
  std::ifstream in(std::string(INFRA_DOD_SOURCE_DIR) + "/labels/alerting.json");
  std::string error;
  auto p = alert_policy_from_json(json::parse(in), error);
  EXPECT_TRUE(p) << error;
  return p.value_or(AlertPolicy{});
}

// Every condition met: Tuesday 10:00 KST (01:00 UTC).
SendPreconditions ready() {
  SendPreconditions p;
  p.local_smoke_passed = true;
  p.local_smoke_summary = "6 passed in 0.03s";
  p.trigger = "routing-change";
  p.now = at("2026-12-08T01:00:00Z");
  p.event_type = "TRIAGE_READY";
  return p;
}

TEST(AlertPolicy, ProjectDataFileIsValid) {
  const auto p = policy();
  EXPECT_EQ(p.event_types, (std::vector<std::string>{"TRIAGE_READY", "APPROVAL_TIMEOUT", "EXECUTION_FAILED"}));
  EXPECT_EQ(p.canary_trigger, "weekly-canary");
  EXPECT_EQ(p.window.utc_offset_minutes, 540);
}

TEST(AlertPolicy, RejectsAWindowThatEndsBeforeItStarts) {
  std::string error;
  json doc = {{"event_types", {"A"}}, {"triggers", {{"t", "x"}}}, {"canary", {{"trigger", "t"}, {"interval_days", 7}}},
              {"send_window", {{"utc_offset_minutes", 540}, {"weekdays", {"Mon"}}, {"start", "18:00"}, {"end", "09:00"}}},
              {"incident_severities", {"Sev0"}}};
  EXPECT_FALSE(alert_policy_from_json(doc, error));
  EXPECT_NE(error.find("send_window"), std::string::npos);
}

TEST(SendGuardrails, AllConditionsMetAllowsTheSend) { EXPECT_EQ(unmet_send_condition(policy(), ready()), std::nullopt); }

TEST(SendGuardrails, FailedLocalSmokeDeclinesNamingIt) {
  auto p = ready();
  p.local_smoke_passed = false;
  p.local_smoke_summary = "1 failed, 5 passed in 0.05s";
  const auto why = unmet_send_condition(policy(), p);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("test_alerting_smoke.py"), std::string::npos);
  EXPECT_NE(why->find("1 failed"), std::string::npos);
}

TEST(SendGuardrails, NoTriggerDeclinesListingTheTriggers) {
  auto p = ready();
  p.trigger.clear();
  const auto why = unmet_send_condition(policy(), p);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("no trigger declared"), std::string::npos);
  EXPECT_NE(why->find("weekly-canary"), std::string::npos);
}

TEST(SendGuardrails, UnknownTriggerDeclines) {
  auto p = ready();
  p.trigger = "because";
  EXPECT_NE(unmet_send_condition(policy(), p).value_or("").find("is not one of"), std::string::npos);
}

TEST(SendGuardrails, WeeklyCanarySentSixDaysAgoIsNotDue) {
  auto p = ready();
  p.trigger = "weekly-canary";
  p.last_canary = p.now - std::chrono::hours(24 * 6);
  EXPECT_NE(unmet_send_condition(policy(), p).value_or("").find("canary is not due"), std::string::npos);
  p.last_canary = p.now - std::chrono::hours(24 * 7);
  EXPECT_EQ(unmet_send_condition(policy(), p), std::nullopt);
}

TEST(SendGuardrails, MissingDcrVariableDeclinesNamingIt) {
  auto p = ready();
  p.missing_variables = {"LOG_ANALYTICS_DCR_IMMUTABLE_ID"};
  EXPECT_NE(unmet_send_condition(policy(), p).value_or("").find("LOG_ANALYTICS_DCR_IMMUTABLE_ID"), std::string::npos);
}

TEST(SendGuardrails, OneMinuteBeforeNineKstDeclines) {
  auto p = ready();
  p.now = at("2026-12-07T23:59:00Z");  // Tuesday 08:59 KST
  EXPECT_EQ(unmet_send_condition(policy(), p).value_or(""),
            "Tuesday 08:59 KST is outside the send window (Mon,Tue,Wed,Thu,Fri 09:00-18:00 KST)");
}

TEST(SendGuardrails, NineKstSharpIsInside) {
  auto p = ready();
  p.now = at("2026-12-08T00:00:00Z");  // Tuesday 09:00 KST
  EXPECT_EQ(unmet_send_condition(policy(), p), std::nullopt);
}

TEST(SendGuardrails, EighteenKstSharpIsOutside) {
  auto p = ready();
  p.now = at("2026-12-08T09:00:00Z");  // Tuesday 18:00 KST
  EXPECT_NE(unmet_send_condition(policy(), p).value_or("").find("Tuesday 18:00 KST"), std::string::npos);
  p.now = at("2026-12-08T08:59:00Z");
  EXPECT_EQ(unmet_send_condition(policy(), p), std::nullopt);
}

TEST(SendGuardrails, SaturdayMorningKstDeclinesAlthoughItIsFridayInUtc) {
  auto p = ready();
  p.now = at("2026-12-11T16:00:00Z");  // Friday 16:00 UTC = Saturday 01:00 KST
  EXPECT_NE(unmet_send_condition(policy(), p).value_or("").find("Saturday 01:00 KST"), std::string::npos);
  p.now = at("2026-12-12T01:00:00Z");  // Saturday 10:00 KST
  EXPECT_NE(unmet_send_condition(policy(), p).value_or("").find("Saturday 10:00 KST"), std::string::npos);
}

TEST(SendGuardrails, ActiveIncidentDeclinesUnlessTheCommanderAsked) {
  auto p = ready();
  p.open_incidents = {"Sev1 db-down since 2026-12-08T00:30:00Z"};
  EXPECT_NE(unmet_send_condition(policy(), p).value_or("").find("an incident is active (Sev1 db-down"), std::string::npos);
  p.incident_commander_requested = true;
  EXPECT_EQ(unmet_send_condition(policy(), p), std::nullopt);
}

TEST(SendGuardrails, SecondSendOfAnEventTypeInOneRunDeclines) {
  auto p = ready();
  p.already_sent_this_run = true;
  EXPECT_EQ(unmet_send_condition(policy(), p).value_or(""), "an event of type TRIAGE_READY was already sent in this run");
}

json alert(const std::string& id, const std::string& rule, const std::string& started, const std::string& severity = "Sev2",
           const std::string& condition = "Fired", const std::string& state = "New", const std::string& target = kWorkspace) {
  return {{"id", id},
          {"name", "a-" + id},
          {"properties",
           {{"essentials",
             {{"alertRule", rule}, {"startDateTime", started}, {"severity", severity}, {"monitorCondition", condition},
              {"alertState", state}, {"targetResource", target}}}}}};
}

TEST(OpenIncidents, OnlyOpenSev0AndSev1OnTheRuleScopeCount) {
  const json alerts = {alert("1", kRule, "2026-12-08T00:00:00Z", "Sev1"),
                       alert("2", kRule, "2026-12-08T00:00:00Z", "Sev2"),
                       alert("3", kRule, "2026-12-08T00:00:00Z", "Sev0", "Resolved"),
                       alert("4", kRule, "2026-12-08T00:00:00Z", "Sev0", "Fired", "Closed"),
                       alert("5", kRule, "2026-12-08T00:00:00Z", "Sev0", "Fired", "New", "/subscriptions/s/other")};
  const auto open = open_incidents(alerts, {to_lower(kWorkspace) + "/"}, {"Sev0", "Sev1"});
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0], "Sev1 a-1 since 2026-12-08T00:00:00Z");
}

TEST(RuleAlertIds, CountsResolvedInstancesOfTheRuleInsideTheWindowOnce) {
  const json alerts = {alert("1", kRule, "2026-12-08T01:00:05Z", "Sev2", "Resolved"),
                       alert("1", kRule, "2026-12-08T01:00:05Z", "Sev2", "Resolved"),  // the same id on two pages
                       alert("2", kRule, "2026-12-08T00:59:59Z"),                        // before the send
                       alert("3", "/subscriptions/s/other-rule", "2026-12-08T01:00:06Z")};
  EXPECT_EQ(rule_alert_ids(alerts, to_lower(kRule), at("2026-12-08T01:00:00Z"), at("2026-12-08T02:00:00Z")),
            (std::vector<std::string>{"1"}));
}

json rule(const std::string& query, bool enabled = true, json groups = json::array({kGroup})) {
  return {{"id", kRule},
          {"name", "alert-agent"},
          {"properties",
           {{"enabled", enabled},
            {"scopes", {kWorkspace}},
            {"criteria", {{"allOf", {{{"query", query}}}}}},
            {"actions", {{"actionGroups", std::move(groups)}}}}}};
}

json group(json receivers = json::array({{{"name", "oncall"}, {"emailAddress", "oncall@example.com"}}})) {
  return {{"id", to_lower(kGroup)}, {"name", "ag-dev"}, {"properties", {{"enabled", true}, {"emailReceivers", receivers}}}};
}

json routing_snapshot(json rules, json groups) {
  return {{"entries",
           {{"arm.alert_rules", {{"ok", true}, {"status", 200}, {"value", std::move(rules)}}},
            {"arm.action_groups", {{"ok", true}, {"status", 200}, {"value", std::move(groups)}}}}}};
}

const std::vector<std::string> kTypes = {"TRIAGE_READY", "APPROVAL_TIMEOUT", "EXECUTION_FAILED"};
const std::string kAllTypes = R"(T_CL | where event_type in ("TRIAGE_READY", "APPROVAL_TIMEOUT", "EXECUTION_FAILED"))";

TEST(AlertRouting, PassesWhenEveryEventTypeReachesAReceiverByNameOnly) {
  const auto j = judge_alert_routing(routing_snapshot({rule(kAllTypes)}, {group()}), kTypes);
  EXPECT_EQ(j.outcome, Outcome::pass) << j.failure_summary();
  ASSERT_EQ(j.findings.size(), 3u);
  EXPECT_NE(j.findings[0].found.find("email:oncall"), std::string::npos);
  EXPECT_EQ(j.findings[0].found.find("oncall@example.com"), std::string::npos);
}

TEST(AlertRouting, FailsNamingTheEventTypeNoRuleMentions) {
  const auto j = judge_alert_routing(
      routing_snapshot({rule(R"(T_CL | where event_type in ("TRIAGE_READY", "EXECUTION_FAILED"))")}, {group()}), kTypes);
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_EQ(j.failure_summary().find("TRIAGE_READY\""), std::string::npos);
  EXPECT_NE(j.failure_summary().find("APPROVAL_TIMEOUT"), std::string::npos);
}

TEST(AlertRouting, AnEventTypeNamedOnlyAsPartOfAnotherDoesNotCount) {
  const auto j = judge_alert_routing(routing_snapshot({rule(R"(T_CL | where event_type == "TRIAGE_READY_V2")")}, {group()}),
                                     {"TRIAGE_READY"});
  EXPECT_EQ(j.outcome, Outcome::fail);
}

TEST(AlertRouting, DisabledRuleDoesNotRoute) {
  EXPECT_EQ(judge_alert_routing(routing_snapshot({rule(kAllTypes, false)}, {group()}), kTypes).outcome, Outcome::fail);
}

TEST(AlertRouting, ActionGroupWithoutReceiversFails) {
  const auto j = judge_alert_routing(routing_snapshot({rule(kAllTypes)}, {group(json::array())}), kTypes);
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_NE(j.failure_summary().find("ag-dev has no receivers"), std::string::npos);
}

TEST(AlertRouting, MissingActionGroupFails) {
  const auto j = judge_alert_routing(routing_snapshot({rule(kAllTypes)}, json::array()), kTypes);
  EXPECT_NE(j.failure_summary().find("not in the subscription's action groups"), std::string::npos);
}

TEST(AlertRouting, AFailedListReadBlocksTheVerdictNamingTheEntry) {
  json s = routing_snapshot({rule(kAllTypes)}, {group()});
  s["entries"]["arm.action_groups"] = {{"ok", false}, {"status", 403},
                                        {"error", {{"kind", "auth"}, {"code", "AuthorizationFailed"}, {"message", "no"}}}};
  const auto j = judge_alert_routing(s, kTypes);
  EXPECT_EQ(j.outcome, Outcome::error);
  EXPECT_NE(j.error.find("arm.action_groups"), std::string::npos);
}

TEST(AlertSendVerdict, ExactlyOneAlertPasses) {
  AlertSendObservation o{true, "", true, 40, 300, "", kRule, {"a"}, true};
  EXPECT_EQ(judge_alert_send(o).outcome, Outcome::pass);
}

TEST(AlertSendVerdict, TwoAlertsFailWithBothIds) {
  AlertSendObservation o{true, "", true, 40, 300, "", kRule, {"a", "b"}, true};
  const auto j = judge_alert_send(o);
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_NE(j.failure_summary().find("2 alert(s): a, b"), std::string::npos);
}

TEST(AlertSendVerdict, NoAlertFails) {
  AlertSendObservation o{true, "", true, 40, 300, "", kRule, {}, true};
  EXPECT_NE(judge_alert_send(o).failure_summary().find("found 0 alert(s)"), std::string::npos);
}

TEST(AlertSendVerdict, RowNeverQueryableFailsWithTheWait) {
  AlertSendObservation o{true, "", false, 300, 300, "the table does not exist yet: SEM0100", kRule, {}, false};
  const auto j = judge_alert_send(o);
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_NE(j.failure_summary().find("not queryable after 300 s (the table does not exist yet"), std::string::npos);
}

TEST(AlertSendVerdict, EmitAlertRaisingFails) {
  AlertSendObservation o{false, "AlertSendError: logs ingestion answered 403", false, 0, 300, "", kRule, {}, false};
  EXPECT_NE(judge_alert_send(o).failure_summary().find("answered 403"), std::string::npos);
}

}  // namespace
}  // namespace infra_dod
