#include "rules/alerting.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "rules/inventory_entries.h"
#include "rules/snapshot_reader.h"
#include "runtime/text.h"
#include "runtime/json_field.h"

namespace infra_dod {
using nlohmann::json;
using rules::join;
using rules::text_at;

namespace {

constexpr const char* kDayNames[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};

// "H:MM" or "HH:MM", digits only.
std::optional<int> parse_hhmm(const std::string& s) {
  const auto colon = s.find(':');
  if (colon == std::string::npos || colon == 0 || colon > 2 || s.size() != colon + 3) return std::nullopt;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (i != colon && !std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
  const int h = std::stoi(s.substr(0, colon));
  const int m = std::stoi(s.substr(colon + 1));
  if (h > 24 || m > 59) return std::nullopt;
  return h * 60 + m;
}

std::string hhmm(int minute) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minute / 60, minute % 60);
  return buf;
}

std::vector<std::string> strings(const json& a) {
  std::vector<std::string> out;
  if (a.is_array())
    for (const auto& v : a)
      if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

bool contains_ci(const std::vector<std::string>& list, const std::string& value) {
  return std::any_of(list.begin(), list.end(), [&](const std::string& s) { return iequals(s, value); });
}

std::string trim_slash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

std::string last_segment(const std::string& id) {
  const auto s = trim_slash(id);
  const auto slash = s.rfind('/');
  return slash == std::string::npos ? s : s.substr(slash + 1);
}

const json& essentials(const json& alert) {
  static const json empty = json::object();
  const json* e = rules::at(alert, {"properties", "essentials"});
  return e && e->is_object() ? *e : empty;
}

// The receiver arrays of an action group ("emailReceivers", "webhookReceivers", ...).
std::vector<std::string> receiver_names(const json& group) {
  std::vector<std::string> out;
  const json* props = rules::at(group, {"properties"});
  if (!props || !props->is_object()) return out;
  for (const auto& [key, list] : props->items()) {
    if (key.size() < 9 || key.compare(key.size() - 9, 9, "Receivers") != 0 || !list.is_array()) continue;
    const std::string kind = key.substr(0, key.size() - 9);
    for (const auto& r : list)
      if (r.is_object()) out.push_back(kind + ":" + field(r, "name", std::string("(unnamed)")));
  }
  return out;
}

bool query_names(const std::string& query, const std::string& event_type) {
  return query.find('"' + event_type + '"') != std::string::npos ||
         query.find('\'' + event_type + '\'') != std::string::npos;
}

}  // namespace

std::optional<AlertPolicy> alert_policy_from_json(const json& doc, std::string& error) {
  const auto bad = [&](const std::string& what) {
    error = "labels/alerting.json: " + what;
    return std::nullopt;
  };
  if (!doc.is_object()) return bad("not a JSON object");
  AlertPolicy p;
  p.event_types = strings(field(doc, "event_types", json()));
  if (p.event_types.empty()) return bad("event_types must list at least one event type");
  const json triggers = field(doc, "triggers", json());
  if (!triggers.is_object() || triggers.empty()) return bad("triggers must map each trigger to the runbook's words");
  for (const auto& [name, _] : triggers.items()) p.triggers.push_back(name);
  const json canary = field(doc, "canary", json());
  if (!canary.is_object() || !field(canary, "trigger", json()).is_string() ||
      !field(canary, "interval_days", json()).is_number_integer())
    return bad("canary must name its trigger and interval_days");
  p.canary_trigger = canary["trigger"].get<std::string>();
  p.canary_interval = std::chrono::hours(24 * canary["interval_days"].get<int>());
  const json w = field(doc, "send_window", json());
  if (!w.is_object()) return bad("send_window is missing");
  const auto start = parse_hhmm(field(w, "start", ""));
  const auto end = parse_hhmm(field(w, "end", ""));
  if (!start || !end || *start >= *end) return bad("send_window start and end must be HH:MM with start before end");
  if (!field(w, "utc_offset_minutes", json()).is_number_integer()) return bad("send_window.utc_offset_minutes is missing");
  p.window.zone = field(w, "zone", "");
  p.window.utc_offset_minutes = w["utc_offset_minutes"].get<int>();
  p.window.start_minute = *start;
  p.window.end_minute = *end;
  p.window.weekdays.clear();
  for (const auto& day : strings(field(w, "weekdays", json()))) {
    const auto it = std::find_if(std::begin(kDayNames), std::end(kDayNames),
                                 [&](const char* n) { return iequals(std::string(n).substr(0, 3), day.substr(0, 3)); });
    if (it == std::end(kDayNames) || day.size() < 3) return bad("send_window.weekdays: unknown day " + day);
    p.window.weekdays.push_back(static_cast<int>(it - std::begin(kDayNames)));
  }
  if (p.window.weekdays.empty()) return bad("send_window.weekdays is empty");
  p.incident_severities = strings(field(doc, "incident_severities", json()));
  if (p.incident_severities.empty()) return bad("incident_severities is empty");
  return p;
}

std::optional<std::string> outside_send_window(const SendWindow& w, std::chrono::system_clock::time_point now) {
  using namespace std::chrono;
  const auto local = floor<minutes>(now) + minutes(w.utc_offset_minutes);
  const auto day = floor<days>(local);
  const int weekday = static_cast<int>(std::chrono::weekday(day).c_encoding());
  const int minute = static_cast<int>((local - day).count());
  const bool open = std::find(w.weekdays.begin(), w.weekdays.end(), weekday) != w.weekdays.end() &&
                    minute >= w.start_minute && minute < w.end_minute;
  if (open) return std::nullopt;
  std::string days;
  for (std::size_t i = 0; i < w.weekdays.size(); ++i)
    days += (i ? "," : "") + std::string(kDayNames[w.weekdays[i]]).substr(0, 3);
  return std::string(kDayNames[weekday]) + " " + hhmm(minute) + " " + w.zone + " is outside the send window (" + days +
         " " + hhmm(w.start_minute) + "-" + hhmm(w.end_minute) + " " + w.zone + ")";
}

std::optional<std::string> unmet_send_condition(const AlertPolicy& policy, const SendPreconditions& p) {
  if (!p.local_smoke_passed)
    return "the local alerting smoke (tests/smoke/test_alerting_smoke.py) did not pass: " + p.local_smoke_summary;
  if (p.trigger.empty())
    return "no trigger declared: set ALERT_SMOKE_TRIGGER to one of " + join(policy.triggers);
  if (!contains_ci(policy.triggers, p.trigger))
    return "ALERT_SMOKE_TRIGGER " + p.trigger + " is not one of " + join(policy.triggers);
  if (iequals(p.trigger, policy.canary_trigger) && p.last_canary && p.now - *p.last_canary < policy.canary_interval)
    return "the weekly canary is not due: one was sent at " + utc_iso(*p.last_canary) + ", less than " +
           std::to_string(policy.canary_interval.count() / 24) + " days ago";
  if (!p.missing_variables.empty()) return "missing variable(s) " + join(p.missing_variables);
  if (auto outside = outside_send_window(policy.window, p.now)) return *outside;
  if (!p.open_incidents.empty() && !p.incident_commander_requested)
    return "an incident is active (" + join(p.open_incidents, "; ") +
           "); set INCIDENT_COMMANDER_REQUESTED=1 only when the incident commander asked for the send";
  if (p.already_sent_this_run) return "an event of type " + p.event_type + " was already sent in this run";
  return std::nullopt;
}

std::vector<std::string> open_incidents(const json& alerts, const std::vector<std::string>& scopes,
                                        const std::vector<std::string>& severities) {
  std::vector<std::string> out;
  if (!alerts.is_array()) return out;
  std::vector<std::string> wanted;
  for (const auto& s : scopes) wanted.push_back(trim_slash(s));
  for (const auto& a : alerts) {
    const json& e = essentials(a);
    const std::string severity = field(e, "severity", "");
    if (!contains_ci(severities, severity)) continue;
    if (!iequals(field(e, "monitorCondition", ""), "Fired") || iequals(field(e, "alertState", ""), "Closed")) continue;
    if (!contains_ci(wanted, trim_slash(field(e, "targetResource", "")))) continue;
    out.push_back(severity + " " + field(a, "name", std::string("(unnamed)")) + " since " + field(e, "startDateTime", ""));
  }
  return out;
}

std::vector<std::string> rule_alert_ids(const json& alerts, const std::string& rule_id,
                                        std::chrono::system_clock::time_point from,
                                        std::chrono::system_clock::time_point to) {
  std::vector<std::string> ids;
  if (!alerts.is_array()) return ids;
  for (const auto& a : alerts) {
    const json& e = essentials(a);
    if (!iequals(trim_slash(field(e, "alertRule", "")), trim_slash(rule_id))) continue;
    const auto started = parse_utc(field(e, "startDateTime", ""));
    if (!started || *started < from || *started > to) continue;
    const std::string id = field(a, "id", "");
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  }
  return ids;
}

std::vector<AlertRoute> routes_for_event(const json& rules_list, const json& action_groups, const std::string& event_type) {
  std::vector<AlertRoute> routes;
  if (!rules_list.is_array()) return routes;
  for (const auto& rule : rules_list) {
    if (!rule.is_object()) continue;
    const json* enabled = rules::at(rule, {"properties", "enabled"});
    if (enabled && enabled->is_boolean() && !enabled->get<bool>()) continue;
    bool names = false;
    for (const auto& c : rules::array_at(rule, {"properties", "criteria", "allOf"}))
      names = names || query_names(field(c, "query", ""), event_type);
    if (!names) continue;
    AlertRoute r;
    r.rule_id = field(rule, "id", "");
    r.rule_name = field(rule, "name", last_segment(r.rule_id));
    r.scopes = strings(rules::array_at(rule, {"properties", "scopes"}));
    r.evaluation_frequency = text_at(rule, {"properties", "evaluationFrequency"});
    const auto group_ids = strings(rules::array_at(rule, {"properties", "actions", "actionGroups"}));
    if (group_ids.empty()) r.problems.push_back("no action group");
    for (const auto& gid : group_ids) {
      const json* group = nullptr;
      if (action_groups.is_array())
        for (const auto& g : action_groups)
          if (iequals(trim_slash(field(g, "id", "")), trim_slash(gid))) group = &g;
      const std::string name = last_segment(gid);
      if (!group) {
        r.problems.push_back("action group " + name + " is not in the subscription's action groups");
        continue;
      }
      const json* genabled = rules::at(*group, {"properties", "enabled"});
      if (genabled && genabled->is_boolean() && !genabled->get<bool>()) {
        r.problems.push_back("action group " + name + " is disabled");
        continue;
      }
      const auto receivers = receiver_names(*group);
      if (receivers.empty()) {
        r.problems.push_back("action group " + name + " has no receivers");
        continue;
      }
      r.action_groups.push_back(name);
      r.receivers.insert(r.receivers.end(), receivers.begin(), receivers.end());
    }
    routes.push_back(std::move(r));
  }
  return routes;
}

Judgement judge_alert_routing(const json& snapshot, const std::vector<std::string>& event_types) {
  rules::EntryReader read(snapshot);
  const json* rules_list = read.array(entries::kAlertRules);
  const json* groups = read.array(entries::kActionGroups);
  if (read.blocked()) return read.cannot_judge();
  Judgement j;
  for (const auto& type : event_types) {
    Finding f;
    f.check = "alert rule for " + type + " routes to a receiver";
    f.expected = "an enabled scheduled query rule whose query names \"" + type +
                 "\", with an enabled action group that has at least one receiver";
    const auto routes = routes_for_event(*rules_list, *groups, type);
    std::vector<std::string> found;
    for (const auto& r : routes) {
      f.ok = f.ok || !r.receivers.empty();
      std::string line = r.rule_name + " -> ";
      line += r.action_groups.empty() ? std::string("(none usable)")
                                      : join(r.action_groups) + " (receivers: " + join(r.receivers) + ")";
      if (!r.problems.empty()) line += "; " + join(r.problems, "; ");
      found.push_back(line);
      if (f.resource.empty()) f.resource = r.rule_id;
    }
    f.found = found.empty() ? "no enabled scheduled query rule's query names \"" + type + "\" (" +
                                  std::to_string(rules_list->size()) + " rule(s) listed)"
                            : join(found, " | ");
    j.findings.push_back(std::move(f));
  }
  return j.conclude();
}

Judgement judge_alert_send(const AlertSendObservation& o) {
  Judgement j;
  j.findings.push_back({"emit_alert returns without exception", o.emitted, "emit_alert returned",
                        o.emitted ? "returned" : o.emit_error, ""});
  if (o.emitted)
    j.findings.push_back({"custom log queryable in Log Analytics", o.row_visible,
                          "the row within " + std::to_string(o.row_deadline_s) + " s",
                          o.row_visible ? "after " + std::to_string(o.row_wait_s) + " s"
                                        : "not queryable after " + std::to_string(o.row_wait_s) + " s" +
                                              (o.last_query_problem.empty() ? "" : " (" + o.last_query_problem + ")"),
                          ""});
  if (o.emitted && o.row_visible && o.alerts_counted)
    j.findings.push_back({"matching alert fires exactly once", o.alert_ids.size() == 1, "1 alert of the rule",
                          std::to_string(o.alert_ids.size()) + " alert(s)" +
                              (o.alert_ids.empty() ? "" : ": " + join(o.alert_ids)),
                          o.rule_id});
  return j.conclude();
}

}  // namespace infra_dod
