#include "smokes/alerting.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>

#include "clients/azure.h"
#include "clients/monitor.h"
#include "rules/alerting.h"
#include "rules/inventory_entries.h"
#include "rules/snapshot_reader.h"
#include "runtime/http.h"
#include "runtime/secrets.h"
#include "runtime/text.h"
#include "smokes/langfuse.h"
#include "smokes/python_child.h"
#include "runtime/json_field.h"

namespace infra_dod {
namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::seconds;

namespace {

constexpr char kLocalSmoke[] = "tests/smoke/test_alerting_smoke.py";
constexpr char kEmitScript[] = "probes/emit_alert.py";
constexpr char kEmitCall[] = "probes/emit_alert_call.json";  // the runbook example's arguments
constexpr char kSendLedger[] = "alert-send-ledger.jsonl";
constexpr char kCanaryLedger[] = "alert-canary-ledger.jsonl";
constexpr char kAlertsApi[] = "2019-03-01";

std::vector<json> ledger_lines(const fs::path& file) {
  std::vector<json> lines;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    auto j = json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.is_object()) lines.push_back(std::move(j));
  }
  return lines;
}

std::optional<Clock::Utc::time_point> last_canary(const fs::path& ledger, const std::string& environment) {
  std::optional<Clock::Utc::time_point> last;
  for (const auto& l : ledger_lines(ledger)) {
    if (field(l, "environment", "") != environment) continue;
    if (const auto t = parse_utc(field(l, "utc", "")); t && (!last || *t > *last)) last = t;
  }
  return last;
}

bool sent_in_run(const fs::path& ledger, const std::string& event_type) {
  const auto lines = ledger_lines(ledger);
  return std::any_of(lines.begin(), lines.end(), [&](const json& l) { return field(l, "event_type", "") == event_type; });
}

std::string iso_seconds(Clock::Utc::time_point t) { return utc_iso(t).substr(0, 19) + "Z"; }

// The table a custom stream lands in: "Custom-AgentAlerts_CL" -> "AgentAlerts_CL".
std::string table_of_stream(const std::string& stream) {
  return starts_with(stream, "Custom-") ? stream.substr(7) : stream;
}

// A KQL string literal.
std::string kql_string(const std::string& s) {
  std::string q = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') q += '\\';
    q += ch;
  }
  return q + "\"";
}

struct Arm {
  std::string endpoint;
  std::string subscription;
  std::optional<ArmClient> client;
};

}  // namespace

std::string checklist_row(const std::string& event_type) {
  std::string id = "ALERT-" + event_type;
  std::replace(id.begin(), id.end(), '_', '-');
  return id;
}

std::optional<AlertPolicy> load_alert_policy(const fs::path& labels_dir, std::string& error) {
  std::ifstream in(labels_dir / "alerting.json");
  if (!in) {
    error = "cannot read " + (labels_dir / "alerting.json").string();
    return std::nullopt;
  }
  return alert_policy_from_json(json::parse(in, nullptr, false), error);
}

SmokeResult run_alert_send(const Config& cfg, const Evidence& ev, const std::string& dod_item, const json& snapshot,
                           const fs::path& labels_dir, Clock& clock) {
  SmokeResult out;
  const std::string event_type = cfg.value("ALERT_SMOKE_EVENT_TYPE");
  out.headline = "ADR-0024 real send of " + event_type + ": queryable in Log Analytics and its alert fires exactly once";

  // The policy and the route: configuration and inventory, nothing sent yet.
  std::string policy_error;
  const auto policy = load_alert_policy(labels_dir, policy_error);
  if (!policy) return cannot(std::move(out), policy_error);
  if (std::find(policy->event_types.begin(), policy->event_types.end(), event_type) == policy->event_types.end())
    return cannot(std::move(out), "ALERT_SMOKE_EVENT_TYPE " + event_type + " is not one of " + rules::join(policy->event_types));
  auto checkout = open_checkout(cfg);
  if (!checkout) return cannot(std::move(out), checkout.error().message);
  const auto& c = checkout.value();
  const std::string environment = cfg.value("INFRA_DOD_ENVIRONMENT");

  rules::EntryReader read(snapshot);
  const json* rule_list = read.array(entries::kAlertRules);
  const json* groups = read.array(entries::kActionGroups);
  if (read.blocked()) return cannot(std::move(out), read.cannot_judge().error);
  const auto routes = routes_for_event(*rule_list, *groups, event_type);
  if (routes.empty())
    return cannot(std::move(out), "no enabled alert rule's query names \"" + event_type +
                                      "\", so no alert could be counted; nothing was sent (see ALERT-RULES-ROUTED)");
  const auto route = std::find_if(routes.begin(), routes.end(), [](const AlertRoute& r) { return !r.receivers.empty(); });
  const AlertRoute& rule = route != routes.end() ? *route : routes.front();

  SendPreconditions pre;
  pre.event_type = event_type;
  pre.trigger = cfg.value("ALERT_SMOKE_TRIGGER");
  pre.incident_commander_requested = cfg.flag("INCIDENT_COMMANDER_REQUESTED");
  pre.now = clock.utc_now();
  if (const auto pinned = cfg.get("ALERT_SMOKE_NOW_UTC")) {
    if (environment != "sandbox")
      return cannot(std::move(out), "ALERT_SMOKE_NOW_UTC pins the guardrails' clock and is honoured only when "
                                    "INFRA_DOD_ENVIRONMENT is sandbox, not " + environment);
    const auto t = parse_utc(*pinned);
    if (!t) return cannot(std::move(out), "ALERT_SMOKE_NOW_UTC " + *pinned + " is not a UTC time (2026-12-08T01:00:00Z)");
    pre.now = *t;
  }
  for (const char* v : {"LOG_ANALYTICS_DCR_ENDPOINT", "LOG_ANALYTICS_DCR_IMMUTABLE_ID", "LOG_ANALYTICS_STREAM_NAME",
                        "LOG_ANALYTICS_WORKSPACE_ID"})
    if (!cfg.get(v)) pre.missing_variables.push_back(v);
  const fs::path canary_ledger = ev.dir().parent_path() / kCanaryLedger;
  const fs::path send_ledger = ev.dir() / kSendLedger;
  pre.last_canary = last_canary(canary_ledger, environment);

  json context = checkout_of(c.repo);
  context.update({{"step", "context"},
                  {"event_type", event_type},
                  {"trigger", pre.trigger},
                  {"rule", rule.rule_name},
                  {"rule_id", rule.rule_id},
                  {"rule_scopes", rule.scopes},
                  {"action_groups", rule.action_groups},
                  {"receivers", rule.receivers},
                  {"guardrail_clock_utc", utc_iso(pre.now)},
                  {"guardrail_clock_pinned", cfg.get("ALERT_SMOKE_NOW_UTC").has_value()}});
  keep(out, ev.append(kAlertSendEvidence, dod_item, context));

  // The local smoke first: the runbook allows a real send only when it passes.
  {
    const auto child = run_pytest(c, kLocalSmoke, {});
    const auto run = pytest_run_of(child, c);
    pre.local_smoke_passed = run.ran && run.exit_code == 0 && run.output.count("PASSED") > 0 &&
                             run.output.count("FAILED") == 0 && run.output.count("ERROR") == 0;
    pre.local_smoke_summary = !run.problem.empty() ? run.problem
                              : run.output.totals.empty() ? "pytest exit " + std::to_string(run.exit_code)
                                                          : run.output.totals;
    json record = child_record(child);
    record["step"] = "local-smoke";
    record["passed"] = pre.local_smoke_passed;
    record["totals"] = pre.local_smoke_summary;
    keep(out, ev.append(kAlertSendEvidence, dod_item, record));
  }

  const auto decline = [&](SmokeResult o, const std::string& why) {
    keep(o, ev.append(kAlertSendEvidence, dod_item, {{"step", "guardrails"}, {"decision", "not sent"}, {"reason", why}}));
    o.declined = why;
    o.judgement.outcome = Outcome::pass;  // not judged: declined wins in the suite
    return o;
  };
  if (auto why = unmet_send_condition(*policy, pre)) return decline(std::move(out), *why);

  // ARM, for open incidents now and the alert count later.
  HttpClient http(clock);
  AzCli az(cfg);
  const auto cloud = az.cloud();
  if (!cloud) return cannot(std::move(out), "az cloud show: " + cloud.error().message);
  Arm arm;
  arm.endpoint = field(field(*cloud, "endpoints", json::object()), "resourceManager", "");
  if (arm.endpoint.empty()) return cannot(std::move(out), "az cloud show: endpoints.resourceManager missing");
  arm.subscription = rules::text_at(snapshot, {"context", "subscription"});
  if (arm.subscription.empty()) arm.subscription = cfg.value("AZURE_SUBSCRIPTION_ID");
  const auto arm_token = az.access_token("");
  if (!arm_token) return cannot(std::move(out), "az account get-access-token: " + arm_token.error().message);
  arm.client.emplace(arm.endpoint, arm_token.value(), http, cfg);
  const std::string alerts_path = "/subscriptions/" + arm.subscription + "/providers/Microsoft.AlertsManagement/alerts";
  {
    const auto open = arm.client->get(alerts_path, kAlertsApi, true, "timeRange=30d");
    keep(out, ev.append(kAlertSendEvidence, dod_item,
                        {{"step", "incident-check"}, {"request", open.request}, {"status", open.status},
                         {"ok", open.ok}, {"error", open.error.message}}));
    if (!open.ok) return cannot(std::move(out), "listing open alerts: " + open.request + ": " + open.error.code + " " + open.error.message);
    pre.open_incidents = open_incidents(open.value, rule.scopes, policy->incident_severities);
  }
  pre.already_sent_this_run = sent_in_run(send_ledger, event_type);
  if (auto why = unmet_send_condition(*policy, pre)) return decline(std::move(out), *why);

  // What is sent, ready before anything is reserved or sent.
  std::ifstream sin(fs::path(INFRA_DOD_FIXTURES_DIR) / kEmitScript);
  std::ostringstream script;
  script << sin.rdbuf();
  if (!sin || script.str().empty())
    return cannot(std::move(out), std::string("cannot read fixtures/") + kEmitScript + "; nothing was sent");
  const std::string identity = rules::text_at(snapshot, {"context", "identity", "name"});
  auto filled = fill_template(kEmitCall, {{"environment", environment},
                                          {"operator", identity.empty() ? operator_name(cfg) : identity},
                                          {"run_id", ev.run().run_id},
                                          {"trigger", pre.trigger}});
  if (!filled) return cannot(std::move(out), filled.error().message + "; nothing was sent");
  json call = filled.value();
  call.erase("_comment");
  call["event_type"] = event_type;

  // The send. The ledger line goes first: a crash after it can only prevent a second send.
  const auto monitor_token = az.access_token(cfg.value("MONITOR_TOKEN_RESOURCE"));
  if (!monitor_token) return cannot(std::move(out), "az account get-access-token (Logs Ingestion): " + monitor_token.error().message);
  const auto ledger_line = ev.stamp(dod_item);
  if (auto w = append_line(send_ledger, json{{"utc", field(ledger_line, "utc", "")},
                                             {"run_id", ev.run().run_id},
                                             {"event_type", event_type},
                                             {"trigger", pre.trigger}}
                                            .dump());
      !w)
    return cannot(std::move(out), "cannot write the run's send ledger: " + w.error().message);
  const auto send_started = clock.utc_now();
  const auto child = run_python(c, {"-"},
                                {{"INFRA_DOD_ALERT_CALL", call.dump()},
                                 {"LOG_ANALYTICS_DCR_ENDPOINT", cfg.value("LOG_ANALYTICS_DCR_ENDPOINT")},
                                 {"LOG_ANALYTICS_DCR_IMMUTABLE_ID", cfg.value("LOG_ANALYTICS_DCR_IMMUTABLE_ID")},
                                 {"LOG_ANALYTICS_STREAM_NAME", cfg.value("LOG_ANALYTICS_STREAM_NAME")},
                                 {"AZURE_MONITOR_ACCESS_TOKEN", monitor_token.value()}},
                                {"AZURE_MONITOR_ACCESS_TOKEN"}, script.str());
  AlertSendObservation obs;
  obs.rule_id = rule.rule_id;
  obs.row_deadline_s = cfg.integer("ALERT_LOG_TIMEOUT_S");
  obs.emitted = child.process.succeeded() && child.process.out.find("sent") != std::string::npos;
  if (!obs.emitted)
    obs.emit_error = child.process.timed_out ? "emit_alert did not return within " +
                                                   std::to_string(c.deadline.count() / 1000) + " s"
                                             : truncate_utf8(last_line(trim(child.process.redacted_err())), 400);
  {
    json record = child_record(child);
    record["step"] = "emit_alert";
    record["call"] = call;
    record["returned"] = obs.emitted;
    keep(out, ev.append(kAlertSendEvidence, dod_item, record));
  }
  if (obs.emitted && pre.trigger == policy->canary_trigger)
    append_line(canary_ledger, json{{"utc", utc_iso(send_started)}, {"environment", environment},
                                    {"run_id", ev.run().run_id}, {"event_type", event_type}}
                                   .dump());

  const auto poll_interval = seconds(cfg.integer("ALERT_POLL_INTERVAL_S"));
  if (obs.emitted) {
    // The row: polled until queryable; a table that does not exist yet is polled again.
    const auto la_token = az.access_token(cfg.value("LOG_ANALYTICS_TOKEN_RESOURCE"));
    if (!la_token) return cannot(std::move(out), "az account get-access-token (Log Analytics): " + la_token.error().message);
    const LogAnalyticsClient la(cfg.value("LOG_ANALYTICS_QUERY_ENDPOINT"), la_token.value(), http, cfg);
    const std::string kql = table_of_stream(cfg.value("LOG_ANALYTICS_STREAM_NAME")) + " | where event_type == " +
                            kql_string(event_type) + " and detail contains " + kql_string(ev.run().run_id);
    const std::string timespan = iso_seconds(send_started - std::chrono::minutes(5)) + "/PT2H";
    std::string blocking;
    const auto polled = poll_until(clock, seconds(obs.row_deadline_s), poll_interval, [&](int attempt, auto elapsed) {
      const auto q = la.query(cfg.value("LOG_ANALYTICS_WORKSPACE_ID"), kql, timespan);
      const std::size_t rows = q.ok && q.table.contains("rows") && q.table["rows"].is_array() ? q.table["rows"].size() : 0;
      keep(out, ev.append(kAlertSendEvidence, dod_item,
                          {{"step", "log-query"}, {"attempt", attempt}, {"elapsed_s", elapsed.count() / 1000},
                           {"request", q.request}, {"status", q.status}, {"rows", rows},
                           {"table_missing", q.table_missing}, {"error", q.error}}));
      obs.row_wait_s = static_cast<long>(elapsed.count() / 1000);
      obs.last_query_problem = q.table_missing ? "the table does not exist yet: " + q.error
                               : !q.ok          ? q.error
                                                : "no matching row yet";
      // Auth and malformed queries do not heal by waiting.
      if (!q.ok && !q.table_missing && (q.status == 400 || q.status == 401 || q.status == 403 || q.status == 404))
        blocking = q.request + ": " + q.error;
      return rows > 0 || !blocking.empty();
    });
    if (!blocking.empty()) return cannot(std::move(out), "Log Analytics query failed: " + blocking);
    obs.row_visible = polled.outcome == PollOutcome::done;
    obs.row_wait_s = static_cast<long>(polled.elapsed.count() / 1000);
  }

  if (obs.row_visible) {
    // The rule's alerts since the send: every page, no monitorCondition filter.
    const auto from = std::chrono::floor<seconds>(send_started);
    std::string list_error, request;
    const auto count = [&](int attempt) {
      const auto to = clock.utc_now() + std::chrono::minutes(1);
      const std::string query = "alertRule=" + percent_encode(rule.rule_id) +
                                "&customTimeRange=" + percent_encode(iso_seconds(from) + "/" + iso_seconds(to));
      const auto r = arm.client->get(alerts_path, kAlertsApi, true, query);
      request = r.request;
      if (!r.ok) {
        list_error = r.request + ": " + r.error.code + " " + r.error.message;
        return false;
      }
      auto ids = rule_alert_ids(r.value, rule.rule_id, from, to);
      // One line per change of the count, not per poll.
      if (attempt == 1 || ids != obs.alert_ids)
        keep(out, ev.append(kAlertSendEvidence, dod_item,
                            {{"step", "alert-count"}, {"attempt", attempt}, {"request", r.request},
                             {"alerts", ids.size()}, {"ids", ids}}));
      obs.alert_ids = std::move(ids);
      return true;
    };
    poll_until(clock, seconds(cfg.integer("ALERT_FIRE_TIMEOUT_S")), poll_interval,
               [&](int attempt, auto) { return !count(attempt) || !obs.alert_ids.empty(); });
    if (list_error.empty() && !obs.alert_ids.empty())
      // A second firing comes on a later evaluation: keep watching for one more period.
      poll_until(clock, seconds(cfg.integer("ALERT_SETTLE_S")), poll_interval,
                 [&](int attempt, auto) { return !count(attempt + 1); });
    if (!list_error.empty()) return cannot(std::move(out), "listing the rule's alerts: " + list_error);
    obs.alerts_counted = true;
  }

  out.judgement = judge_alert_send(obs);
  keep(out, ev.append(kAlertSendEvidence, dod_item,
                      {{"step", "verdicts"},
                       {"outcome", to_string(out.judgement.outcome)},
                       {"event_type", event_type},
                       {"emitted", obs.emitted},
                       {"row_visible", obs.row_visible},
                       {"row_wait_s", obs.row_wait_s},
                       {"alerts", obs.alert_ids.size()},
                       {"rule_id", obs.rule_id},
                       {"action_group_delivery",
                        "not observable from the harness: confirm the notification reached " +
                            (rule.receivers.empty() ? std::string("the action group") : rules::join(rule.receivers)) +
                            " and attest the checklist row (infra-dod attest " + checklist_row(event_type) + " ...)"}}));
  return out;
}

}  // namespace infra_dod
