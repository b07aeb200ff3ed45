// Emulated Azure Monitor data plane: the Logs Ingestion API (a data collection rule's stream), the
// Log Analytics query API over what was ingested, and the log search alert rules that fire on the
// ingested rows (served by the ARM emulator's AlertsManagement list through
// Shared::fired_alerts). One HTTP server answers both hosts; endpoints() names each.
//
// Scenario section "monitor":
//   ingestion_delay_ms     how long ingested rows stay invisible to queries (and alert rules).
//   data_collection_rules  {"<immutable id>": {"workspace_id": "<workspace GUID>",
//                            "streams": {"Custom-X_CL": {"table": "X_CL",
//                                        "columns": [{"name": "TimeGenerated", "type": "datetime"}, ...]}}}}
//                          Columns a stream does not declare are dropped, as a DCR drops them.
//   workspaces             {"<workspace GUID>": {"resource_id": "<ARM id of the workspace>"}}
//   alert_rules            {"<rule name>": {"rule_id": "<scheduledQueryRules ARM id>",
//                            "workspace_id": "...", "table": "X_CL",
//                            "match": {"<column>": ["<value>", ...]}, "severity": 2,
//                            "description": "", "fire_delay_ms": 0,
//                            "fault": "double_fire" | "never_fire"}}
//                          Each visible row matching every "match" column fires one alert
//                          (two with double_fire, none with never_fire).
//   open_alerts            [{"name", "rule_id", "workspace_id", "severity": 1, "minutes_ago": 30,
//                            "monitor_condition": "Fired", "alert_state": "New"}]: alerts already
//                          in the list when the scenario starts (an active incident).
//   drop_ingested          true: ingestion still answers 204, but no row ever lands (a DCR
//                          transform that drops it: 204 only means accepted).
//   table_created_on_first_ingestion  true: a custom table is unknown (400 SEM0100) until a row
//                          of it is visible plus table_creation_delay_ms, as a new table is.
//
// The KQL the query endpoint understands is kql.h's; this file resolves the workspace, the time
// window and the table's schema and rows, and answers with the engine's table or its 400.
#include <algorithm>
#include <chrono>
#include <mutex>
#include <optional>
#include <regex>
#include <variant>
#include <vector>

#include "kql.h"
#include "runtime/text.h"
#include "service.h"

namespace infra_dod::sandbox {
namespace {

using nlohmann::json;
using Clock = std::chrono::system_clock;


std::string iso_seconds(Clock::time_point t) {
  const std::string s = utc_iso(t);  // ...SS.mmmZ
  return s.substr(0, 19) + "Z";
}

// ISO 8601 duration as Log Analytics takes it: P[nD][T[nH][nM][nS]].
std::optional<std::chrono::seconds> parse_duration(const std::string& s) {
  static const std::regex kDuration(R"(^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$)");
  std::smatch m;
  if (s.size() < 3 || !std::regex_match(s, m, kDuration)) return std::nullopt;
  long total = 0;
  if (m[1].matched) total += std::stol(m[1]) * 86400;
  if (m[2].matched) total += std::stol(m[2]) * 3600;
  if (m[3].matched) total += std::stol(m[3]) * 60;
  if (m[4].matched) total += std::stol(m[4]);
  return std::chrono::seconds(total);
}

struct Row {
  std::string workspace;
  std::string table;
  json values;  // column -> value
  Clock::time_point generated;
  Clock::time_point visible_at;
};

struct Alert {
  json body;
  Clock::time_point visible_at;
};

class Monitor final : public Service {
 public:
  explicit Monitor(Shared& shared) : Service(shared, "monitor") {
    shared_.fired_alerts = [this] { return visible_alerts(); };
    seed_open_alerts();
  }
  ~Monitor() override {
    stop();
    shared_.fired_alerts = nullptr;
  }

  json endpoints() const override {
    return {{"monitor_url", base_url()}, {"monitor_ingestion_url", base_url()}, {"log_analytics_url", base_url()}};
  }

 protected:
  void routes(httplib::Server& server) override {
    server.Post(R"(/dataCollectionRules/([^/]+)/streams/([^/]+))",
                [this](const httplib::Request& req, httplib::Response& res) { ingest(req, res); });
    server.Post(R"(/v1/workspaces/([^/]+)/query)",
                [this](const httplib::Request& req, httplib::Response& res) { query(req, res); });
    server.Get(R"(/v1/workspaces/([^/]+)/query)",
               [this](const httplib::Request& req, httplib::Response& res) { query(req, res); });
  }

  void reset_state() override {
    {
      std::lock_guard lock(mu_);
      rows_.clear();
      alerts_.clear();
    }
    seed_open_alerts();
  }

 private:
  const json& section() const { return shared_.section("monitor"); }

  void seed_open_alerts() {
    std::lock_guard lock(mu_);
    for (const auto& a : section().value("open_alerts", json::array())) {
      if (!a.is_object()) continue;
      const json rule = {{"rule_id", a.value("rule_id", "")},
                         {"workspace_id", a.value("workspace_id", "")},
                         {"severity", a.value("severity", 1)},
                         {"description", a.value("description", "")}};
      const auto at = Clock::now() - std::chrono::minutes(a.value("minutes_ago", 30));
      json body = alert_body(a.value("name", "incident"), rule, at);
      auto& e = body["properties"]["essentials"];
      e["monitorCondition"] = a.value("monitor_condition", "Fired");
      e["alertState"] = a.value("alert_state", "New");
      alerts_.push_back({std::move(body), at});
    }
  }

  static json find_key(const json& obj, const std::string& key) {
    if (!obj.is_object()) return nullptr;
    for (auto& [k, v] : obj.items())
      if (iequals(k, key)) return v;
    return nullptr;
  }

  bool bearer_ok(const httplib::Request& req) const {
    const std::string auth = req.get_header_value("Authorization");
    return starts_with(auth, "Bearer ") && trim(auth.substr(7)) == shared_.arm_token;
  }

  // Azure Core error envelope; the ingestion endpoint repeats the code in x-ms-error-code.
  static void ingest_error(httplib::Response& res, int status, const std::string& code, const std::string& message) {
    res.set_header("x-ms-error-code", code);
    reply_json(res, status, {{"error", {{"code", code}, {"message", message}}}});
  }

  void ingest(const httplib::Request& req, httplib::Response& res) {
    const std::string dcr_id = req.matches[1];
    const std::string stream_name = req.matches[2];
    if (req.get_header_value("Authorization").empty()) {
      res.set_header("WWW-Authenticate", "Bearer");
      return ingest_error(res, 401, "InvalidToken", "An authentication token is required but was not provided.");
    }
    if (!bearer_ok(req)) {
      res.set_header("WWW-Authenticate", "Bearer");
      return ingest_error(res, 401, "InvalidToken", "The authentication token provided is not valid.");
    }
    if (!req.has_param("api-version"))
      return ingest_error(res, 400, "MissingApiVersionParameter",
                          "The api-version query parameter (?api-version=) is required for all requests.");
    if (req.get_param_value("api-version") != "2023-01-01")
      return ingest_error(res, 400, "InvalidApiVersionParameter",
                          "The api-version '" + req.get_param_value("api-version") +
                              "' is invalid. The supported versions are '2023-01-01'.");
    const json dcr = find_key(section().value("data_collection_rules", json::object()), dcr_id);
    if (!dcr.is_object())
      return ingest_error(res, 404, "NotFound",
                          "Data collection rule with immutable Id '" + dcr_id + "' not found.");
    const json streams = dcr.value("streams", json::object());
    if (!streams.contains(stream_name) || !streams[stream_name].is_object())
      return ingest_error(res, 400, "InvalidStream",
                          "Stream '" + stream_name + "' is not declared in the data collection rule with immutable Id '" +
                              dcr_id + "'.");
    if (req.body.size() > std::size_t{1024} * 1024)
      return ingest_error(res, 413, "ContentLengthLimitExceeded",
                          "Maximum allowed content length: 1048576 bytes (1 MB). Provided content length: " +
                              std::to_string(req.body.size()) + " bytes.");
    const json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_array())
      return ingest_error(res, 400, "InvalidRequestBody", "The request body must be a JSON array of objects.");
    for (const auto& item : body)
      if (!item.is_object())
        return ingest_error(res, 400, "InvalidRequestBody", "The request body must be a JSON array of objects.");

    const json& stream = streams[stream_name];
    const std::string table = stream.value("table", stream_name.substr(std::min<std::size_t>(7, stream_name.size())));
    const std::string workspace = dcr.value("workspace_id", "");
    const auto now = Clock::now();
    const auto visible = now + std::chrono::milliseconds(section().value("ingestion_delay_ms", 0));
    std::lock_guard lock(mu_);
    // Accepted, then dropped later without an error, as a DCR transform drops rows.
    if (section().value("drop_ingested", false)) {
      res.status = 204;
      return;
    }
    for (const auto& item : body) {
      Row row{workspace, table, json::object(), now, visible};
      for (const auto& col : stream.value("columns", json::array())) {
        const std::string name = col.value("name", "");
        if (item.contains(name)) row.values[name] = item[name];
      }
      if (row.values.contains("TimeGenerated") && row.values["TimeGenerated"].is_string())
        if (auto t = parse_utc(row.values["TimeGenerated"].get<std::string>())) row.generated = *t;
      evaluate_rules(row);
      rows_.push_back(std::move(row));
    }
    res.status = 204;
  }

  // Called with mu_ held.
  void evaluate_rules(const Row& row) {
    for (auto& [name, rule] : member(section(), "alert_rules").items()) {
      if (!rule.is_object() || !iequals(rule.value("table", ""), row.table) ||
          !iequals(rule.value("workspace_id", ""), row.workspace))
        continue;
      bool hit = true;
      for (auto& [column, wanted] : member(rule, "match").items()) {
        const json cell = row.values.value(column, json());
        bool any = false;
        for (const auto& w : wanted.is_array() ? wanted : json::array({wanted})) any = any || cell == w;
        hit = hit && any;
      }
      if (!hit) continue;
      const std::string fault = rule.value("fault", "");
      const int times = fault == "never_fire" ? 0 : fault == "double_fire" ? 2 : 1;
      const auto fire_at = row.visible_at + std::chrono::milliseconds(rule.value("fire_delay_ms", 0));
      for (int i = 0; i < times; ++i) alerts_.push_back({alert_body(name, rule, fire_at), fire_at});
    }
  }

  json alert_body(const std::string& name, const json& rule, Clock::time_point at) const {
    const json ws = find_key(section().value("workspaces", json::object()), rule.value("workspace_id", ""));
    const std::string target = ws.is_object() ? ws.value("resource_id", "") : "";
    std::vector<std::string> segs;
    for (const auto& s : split_list(target, '/')) segs.push_back(s);
    std::string group;
    for (std::size_t i = 0; i + 1 < segs.size(); ++i)
      if (iequals(segs[i], "resourcegroups")) group = segs[i + 1];
    const std::string when = iso_seconds(at);
    return {{"id", target + "/providers/Microsoft.AlertsManagement/alerts/" + guid()},
            {"type", "Microsoft.AlertsManagement/alerts"},
            {"name", name},
            {"properties",
             {{"essentials",
               {{"severity", "Sev" + std::to_string(rule.value("severity", 3))},
                {"signalType", "Log"},
                {"alertState", "New"},
                {"monitorCondition", "Fired"},
                {"monitorService", "Log Analytics"},
                {"targetResource", target},
                {"targetResourceName", segs.empty() ? "" : segs.back()},
                {"targetResourceGroup", group},
                {"targetResourceType", segs.size() >= 2 ? segs[segs.size() - 2] : ""},
                {"alertRule", rule.value("rule_id", "")},
                {"sourceCreatedId", guid()},
                {"smartGroupId", guid()},
                {"startDateTime", when},
                {"lastModifiedDateTime", when},
                {"lastModifiedUserName", "System"},
                {"actionStatus", {{"isSuppressed", false}}},
                {"description", rule.value("description", "")}}}}}};
  }

  json visible_alerts() const {
    std::lock_guard lock(mu_);
    json out = json::array();
    const auto now = Clock::now();
    for (const auto& a : alerts_)
      if (a.visible_at <= now) out.push_back(a.body);
    return out;
  }

  // Log Analytics' {"error": ErrorInfo} with its nested innererror.
  static void query_error(httplib::Response& res, int status, const std::string& code, const std::string& message,
                          const json& inner = nullptr) {
    json err = {{"message", message}, {"code", code}, {"correlationId", guid()}};
    if (!inner.is_null()) err["innererror"] = inner;
    reply_json(res, status, {{"error", err}});
  }

  static void bad_query(httplib::Response& res, const kql::QueryError& e) {
    query_error(res, 400, "BadArgumentError", "The request had some invalid properties",
                {{"code", e.code}, {"message", e.message}, {"innererror", e.inner}});
  }

  void query(const httplib::Request& req, httplib::Response& res) {
    const std::string workspace = req.matches[1];
    if (req.get_header_value("Authorization").empty())
      return query_error(res, 401, "AuthorizationRequiredError", "Valid authentication was not provided");
    if (!bearer_ok(req))
      return query_error(res, 401, "InvalidTokenError", "The provided authentication is not valid for this resource");
    std::string query_text;
    std::string timespan;
    if (req.method == "POST") {
      const json body = json::parse(req.body, nullptr, false);
      if (body.is_discarded() || !body.is_object() || !body.contains("query") || !body["query"].is_string())
        return query_error(res, 400, "BadArgumentError", "The request had some invalid properties",
                           {{"code", "QueryValidationError"}, {"message", "Query is missing or is not a string"}});
      query_text = body["query"].get<std::string>();
      if (body.contains("timespan") && body["timespan"].is_string()) timespan = body["timespan"].get<std::string>();
    } else {
      query_text = req.get_param_value("query");
      timespan = req.get_param_value("timespan");
    }
    bool known_workspace = false;
    for (auto& [id, _] : member(section(), "workspaces").items())
      known_workspace = known_workspace || iequals(id, workspace);
    if (!known_workspace) return query_error(res, 404, "WorkspaceNotFoundError", "The workspace could not be found");

    // The time window the timespan allows (rows by TimeGenerated).
    std::optional<Clock::time_point> from, to;
    if (!timespan.empty()) {
      const auto slash = timespan.find('/');
      if (slash == std::string::npos) {
        const auto d = parse_duration(timespan);
        if (!d) return query_error(res, 400, "BadArgumentError", "The request had some invalid properties",
                                   {{"code", "InvalidTimespan"}, {"message", "Invalid timespan '" + timespan + "'"}});
        from = Clock::now() - *d;
      } else {
        from = parse_utc(timespan.substr(0, slash));
        const std::string rest = timespan.substr(slash + 1);
        const auto d = parse_duration(rest);
        to = d && from ? std::optional<Clock::time_point>(*from + *d) : parse_utc(rest);
        if (!from || !to)
          return query_error(res, 400, "BadArgumentError", "The request had some invalid properties",
                             {{"code", "InvalidTimespan"}, {"message", "Invalid timespan '" + timespan + "'"}});
      }
    }

    const auto table_name = kql::table_of(query_text);
    if (auto* e = std::get_if<kql::QueryError>(&table_name)) return bad_query(res, *e);
    const std::string& table = std::get<std::string>(table_name);
    // The table's schema: TenantId, the stream's columns, Type.
    json columns = json::array({{{"name", "TenantId"}, {"type", "string"}}});
    bool table_known = false;
    for (auto& [dcr_id, dcr] : member(section(), "data_collection_rules").items()) {
      if (!iequals(dcr.value("workspace_id", ""), workspace)) continue;
      for (auto& [stream_name, stream] : member(dcr, "streams").items()) {
        if (!iequals(stream.value("table", ""), table) || table_known) continue;
        table_known = true;
        for (const auto& c : stream.value("columns", json::array())) columns.push_back(c);
      }
    }
    if (table_known && section().value("table_created_on_first_ingestion", false)) {
      const auto delay = std::chrono::milliseconds(section().value("table_creation_delay_ms", 0));
      std::lock_guard lock(mu_);
      const auto now = Clock::now();
      table_known = std::any_of(rows_.begin(), rows_.end(), [&](const Row& r) {
        return iequals(r.workspace, workspace) && iequals(r.table, table) && r.visible_at + delay <= now;
      });
    }
    if (!table_known) return bad_query(res, kql::unknown_table(table));
    columns.push_back({{"name", "Type"}, {"type", "string"}});

    std::vector<json> rows;
    {
      std::lock_guard lock(mu_);
      const auto now = Clock::now();
      for (const auto& r : rows_) {
        if (!iequals(r.workspace, workspace) || !iequals(r.table, table) || r.visible_at > now) continue;
        if ((from && r.generated < *from) || (to && r.generated > *to)) continue;
        json cells = r.values;
        cells["TenantId"] = workspace;
        cells["Type"] = r.table;
        rows.push_back(cells);
      }
    }
    auto result = kql::run(query_text, std::move(columns), std::move(rows));
    if (auto* e = std::get_if<kql::QueryError>(&result)) return bad_query(res, *e);
    reply_json(res, 200, {{"tables", json::array({std::get<json>(result)})}});
  }

  mutable std::mutex mu_;
  std::vector<Row> rows_;
  std::vector<Alert> alerts_;
};

}  // namespace

std::unique_ptr<Service> make_monitor_service(Shared& shared) { return std::make_unique<Monitor>(shared); }

}  // namespace infra_dod::sandbox
