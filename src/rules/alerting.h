#pragma once
// ADR-0024 and the Alert/Event checklist as pure rules: the send guardrails, which alert rule an
// event type reaches and where it routes, open incidents, and counting one rule's alerts. The
// policy (event types, triggers, send window, incident severities) is data, labels/alerting.json;
// the smoke that sends is src/smokes/alerting.h.
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "rules/judgement.h"

namespace infra_dod {

// The runbook's weekday daytime window, in a fixed UTC offset (KST has no daylight saving, so the
// machine's time zone data is never needed).
struct SendWindow {
  std::string zone = "KST";
  int utc_offset_minutes = 9 * 60;
  int start_minute = 9 * 60;  // inclusive
  int end_minute = 18 * 60;   // exclusive
  std::vector<int> weekdays = {1, 2, 3, 4, 5};  // 0 = Sunday
};

struct AlertPolicy {
  std::vector<std::string> event_types;
  std::vector<std::string> triggers;  // the reasons the runbook allows a real send
  std::string canary_trigger;         // the trigger limited to one send per canary interval
  std::chrono::hours canary_interval{24 * 7};
  SendWindow window;
  std::vector<std::string> incident_severities;  // "Sev0", "Sev1"
};

// labels/alerting.json; nothing, with `error` naming the field that is wrong, when it is invalid.
std::optional<AlertPolicy> alert_policy_from_json(const nlohmann::json& doc, std::string& error);

// "Saturday 10:00 KST is outside the send window (Mon-Fri 09:00-18:00 KST)", or nothing inside it.
std::optional<std::string> outside_send_window(const SendWindow& w, std::chrono::system_clock::time_point now);

// What the smoke knows before it sends; each field is one of the runbook's minimum conditions.
struct SendPreconditions {
  bool local_smoke_passed = false;
  std::string local_smoke_summary;  // pytest's last line, or why it did not run
  std::string trigger;              // ALERT_SMOKE_TRIGGER
  std::optional<std::chrono::system_clock::time_point> last_canary;  // from the canary ledger
  std::vector<std::string> missing_variables;                         // DCR and workspace variables
  std::chrono::system_clock::time_point now;
  std::vector<std::string> open_incidents;  // "Sev1 <name> since <utc>"
  bool incident_commander_requested = false;
  std::string event_type;
  bool already_sent_this_run = false;
};

// The first condition that is not met, worded for the skip reason; nothing when a send may go.
std::optional<std::string> unmet_send_condition(const AlertPolicy& policy, const SendPreconditions& p);

// Alerts (AlertsManagement list items) that are an active incident: a severity in
// `severities`, fired and not closed, on one of `scopes` (ARM ids, compared case-insensitively).
std::vector<std::string> open_incidents(const nlohmann::json& alerts, const std::vector<std::string>& scopes,
                                        const std::vector<std::string>& severities);

// The ids of the alert instances of `rule_id` that started within [from, to]. Resolved instances
// count: an alert that fired and resolved still fired.
std::vector<std::string> rule_alert_ids(const nlohmann::json& alerts, const std::string& rule_id,
                                        std::chrono::system_clock::time_point from,
                                        std::chrono::system_clock::time_point to);

// An enabled scheduled query rule whose query names the event type as a string literal, and what
// its action groups hold (receiver names only, never their addresses).
struct AlertRoute {
  std::string rule_id;
  std::string rule_name;
  std::vector<std::string> scopes;
  std::string evaluation_frequency;
  std::vector<std::string> action_groups;   // names of the groups found and enabled
  std::vector<std::string> receivers;       // "<kind>:<name>"
  std::vector<std::string> problems;        // a group missing, disabled or without receivers
};
std::vector<AlertRoute> routes_for_event(const nlohmann::json& rules, const nlohmann::json& action_groups,
                                         const std::string& event_type);

// ALERT-RULES-ROUTED over the inventory: every event type has an enabled rule that routes to an
// action group with at least one receiver.
Judgement judge_alert_routing(const nlohmann::json& snapshot, const std::vector<std::string>& event_types);

// What the send saw after emit_alert returned.
struct AlertSendObservation {
  bool emitted = false;
  std::string emit_error;
  bool row_visible = false;
  long row_wait_s = 0;
  long row_deadline_s = 0;
  std::string last_query_problem;  // why the last poll saw no row ("the table does not exist yet: ...")
  std::string rule_id;
  std::vector<std::string> alert_ids;
  bool alerts_counted = false;
};
Judgement judge_alert_send(const AlertSendObservation& o);

}  // namespace infra_dod
