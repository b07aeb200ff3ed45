// Emulated LangFuse v3 (self-hosted web container): health/ready, batched ingestion answering
// 207 multi-status, trace reads that stay 404 until the asynchronous ingestion delay has passed,
// and the Next.js UI shell. Accepted events form an event log (what the worker would write to
// ClickHouse); a trace is the fold of its events that have become visible. With a persistent
// store the log lives in the state dir and survives a restart of the pods; without one a restart
// loses it, as a deployment whose database is not persisted does.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <mutex>
#include <optional>
#include <regex>
#include <set>

#include "runtime/crypto.h"
#include "runtime/text.h"
#include "service.h"

namespace infra_dod::sandbox {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr const char* kHostHint = ". Confirm that you've configured the correct host.";

const std::vector<std::string>& event_types() {
  static const std::vector<std::string> types = {
      "trace-create",     "score-create",       "event-create",      "span-create",
      "span-update",      "generation-create",  "generation-update", "agent-create",
      "tool-create",      "chain-create",       "retriever-create",  "evaluator-create",
      "embedding-create", "guardrail-create",   "sdk-log",           "dataset-run-item-create",
      "observation-create", "observation-update"};
  return types;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string iso_from_ms(std::int64_t ms) {
  return utc_iso(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
}

// ISO-8601 with an offset, as zod's datetime({offset: true}) accepts; milliseconds since epoch.
std::optional<std::int64_t> parse_iso_ms(const std::string& s) {
  static const std::regex re(R"(^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|([+-])(\d{2}):?(\d{2}))$)");
  std::smatch m;
  if (!std::regex_match(s, m, re)) return std::nullopt;
  using namespace std::chrono;
  const year_month_day ymd{year{std::stoi(m[1])}, month{static_cast<unsigned>(std::stoi(m[2]))},
                           day{static_cast<unsigned>(std::stoi(m[3]))}};
  if (!ymd.ok()) return std::nullopt;
  std::int64_t ms = duration_cast<milliseconds>(sys_days{ymd}.time_since_epoch()).count();
  ms += (std::stoll(m[4]) * 3600 + std::stoll(m[5]) * 60 + std::stoll(m[6])) * 1000;
  if (m[7].matched) {
    std::string frac = m[7].str().substr(1);
    frac.resize(3, '0');
    ms += std::stoll(frac);
  }
  if (m[9].matched) {
    const std::int64_t offset = (std::stoll(m[10]) * 60 + std::stoll(m[11])) * 60 * 1000;
    ms += m[9] == "+" ? -offset : offset;
  }
  return ms;
}

std::optional<std::string> base64_decode(const std::string& in) {
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  std::size_t i = 0;
  for (; i < in.size() && in[i] != '='; ++i) {
    const auto pos = alphabet.find(in[i]);
    if (pos == std::string::npos) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFFu));
    }
  }
  for (; i < in.size(); ++i)
    if (in[i] != '=') return std::nullopt;
  return out;
}

std::string json_type_name(const json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "boolean";
  if (v.is_number()) return "number";
  if (v.is_string()) return "string";
  if (v.is_array()) return "array";
  return "object";
}

// The observation type an event type writes (empty: the event is not an observation).
std::string observation_type(const std::string& event_type, const json& body) {
  if (event_type == "observation-create" || event_type == "observation-update") return body.value("type", "SPAN");
  static const std::map<std::string, std::string> by_prefix = {
      {"span", "SPAN"},   {"generation", "GENERATION"}, {"event", "EVENT"},         {"agent", "AGENT"},
      {"tool", "TOOL"},   {"chain", "CHAIN"},           {"retriever", "RETRIEVER"}, {"evaluator", "EVALUATOR"},
      {"embedding", "EMBEDDING"}, {"guardrail", "GUARDRAIL"}};
  const auto dash = event_type.find('-');
  const auto it = by_prefix.find(event_type.substr(0, dash));
  return it == by_prefix.end() ? "" : it->second;
}

enum class Access { none, scores, all };

struct AuthResult {
  Access access = Access::none;
  std::string error;  // why access is none
};

class LangfuseService final : public Service {
 public:
  explicit LangfuseService(Shared& shared) : Service(shared, "langfuse") {
    // A new sandbox is a new database: nothing from an earlier run leaks in.
    std::error_code ec;
    if (!shared_.state_dir.empty()) std::filesystem::remove(store_file(), ec);
  }

 protected:
  void routes(httplib::Server& server) override {
    server.Get("/api/public/health", [this](const httplib::Request& req, httplib::Response& res) { health(req, res); });
    server.Get("/api/public/ready", [this](const httplib::Request&, httplib::Response& res) {
      reply_json(res, 200, {{"status", "OK"}, {"version", version()}});
    });
    server.Post("/api/public/ingestion",
                [this](const httplib::Request& req, httplib::Response& res) { ingest(req, res); });
    const auto not_allowed = [](const httplib::Request&, httplib::Response& res) {
      reply_json(res, 405, {{"error", "MethodNotAllowedError"}, {"message", "Method not allowed"}});
    };
    server.Get("/api/public/ingestion", not_allowed);
    server.Put("/api/public/ingestion", not_allowed);
    server.Patch("/api/public/ingestion", not_allowed);
    server.Delete("/api/public/ingestion", not_allowed);
    server.Post("/api/public/traces",
                [this](const httplib::Request& req, httplib::Response& res) { create_trace_legacy(req, res); });
    server.Get(R"(/api/public/traces/([^/]+))",
               [this](const httplib::Request& req, httplib::Response& res) { get_trace(req, res); });
    server.Get("/", [this](const httplib::Request&, httplib::Response& res) { ui_page(res, "/"); });
    server.Get("/auth/sign-in", [this](const httplib::Request&, httplib::Response& res) { ui_page(res, "/auth/sign-in"); });
    server.Get(".*", [](const httplib::Request&, httplib::Response& res) {
      res.status = 404;
      res.set_content("<!DOCTYPE html><html><head><title>404: This page could not be found</title></head><body>"
                      "<h1>404</h1><h2>This page could not be found.</h2></body></html>",
                      "text/html; charset=utf-8");
    });
  }

  void reset_state() override {
    std::lock_guard lock(mu_);
    events_ = json::array();
    if (!persistent() || shared_.state_dir.empty()) return;
    std::ifstream in(store_file());
    if (!in) return;
    json stored = json::parse(in, nullptr, false);
    if (stored.is_array()) events_ = std::move(stored);
  }

  json fault_body(int status, const std::string& code, const std::string& message) const override {
    static const std::map<int, std::string> class_names = {
        {400, "InvalidRequestError"},   {401, "UnauthorizedError"},     {403, "ForbiddenError"},
        {404, "LangfuseNotFoundError"}, {405, "MethodNotAllowedError"}, {409, "LangfuseConflictError"},
        {422, "PayloadTooLargeError"},  {500, "InternalServerError"},   {501, "NotImplementedError"},
        {503, "ServiceUnavailableError"}};
    const auto it = class_names.find(status);
    return {{"message", message},
            {"error", !code.empty() ? code : it != class_names.end() ? it->second : std::to_string(status)}};
  }

 private:
  const json& config() const { return shared_.section("langfuse"); }
  std::string version() const { return config().value("version", "3.225.4"); }
  bool persistent() const { return config().value("persistent_store", true); }
  std::filesystem::path store_file() const { return shared_.state_dir / "langfuse-events.json"; }

  AuthResult authenticate(const httplib::Request& req) const {
    const std::string header = req.get_header_value("Authorization");
    if (header.empty()) return {Access::none, "No authorization header"};
    const std::string public_key = config().value("public_key", "");
    const std::string secret_key = config().value("secret_key", "");
    if (starts_with(header, "Bearer ")) {
      if (!public_key.empty() && trim(header.substr(7)) == public_key) return {Access::scores, ""};
      return {Access::none, std::string("Invalid credentials") + kHostHint};
    }
    if (!starts_with(header, "Basic ")) return {Access::none, std::string("Invalid authorization header") + kHostHint};
    const auto decoded = base64_decode(trim(header.substr(6)));
    if (!decoded || decoded->find(':') == std::string::npos)
      return {Access::none, std::string("Invalid authorization header") + kHostHint};
    const auto colon = decoded->find(':');
    if (!public_key.empty() && decoded->substr(0, colon) == public_key && decoded->substr(colon + 1) == secret_key)
      return {Access::all, ""};
    return {Access::none, std::string("Invalid credentials") + kHostHint};
  }

  void health(const httplib::Request& req, httplib::Response& res) const {
    if (req.get_param_value("failIfDatabaseUnavailable") == "true" && !config().value("database_available", true)) {
      reply_json(res, 503, {{"status", "Database not available"}, {"version", version()}});
      return;
    }
    reply_json(res, 200, {{"status", "OK"}, {"version", version()}});
  }

  void ui_page(httplib::Response& res, const std::string& page) const {
    // The Next.js shell: the redirect to the sign-in page happens in the browser, not here.
    const json next_data = {{"props", {{"pageProps", json::object()}}},
                            {"page", page},
                            {"query", json::object()},
                            {"buildId", config().value("build_id", "sandbox")},
                            {"isFallback", false},
                            {"scriptLoader", json::array()}};
    res.status = 200;
    // A scenario's session cookies ("ui_set_cookies"): sent as Set-Cookie headers and, as pages
    // that read document.cookie do, echoed in an inline script, never in the visible text.
    std::string cookie_script;
    for (const auto& c : config().value("ui_set_cookies", json::array())) {
      const std::string cookie = c.get<std::string>();
      res.set_header("Set-Cookie", cookie);
      cookie_script += "document.cookie=" + json(cookie.substr(0, cookie.find(';'))).dump() + ";";
    }
    res.set_content("<!DOCTYPE html><html lang=\"en\"><head><meta charSet=\"utf-8\"/>"
                    "<meta name=\"viewport\" content=\"width=device-width\"/><title>Langfuse</title></head>"
                    "<body><div id=\"__next\"></div><script id=\"__NEXT_DATA__\" type=\"application/json\">" +
                        next_data.dump() + "</script>" +
                        (cookie_script.empty() ? "" : "<script>" + cookie_script + "</script>") + "</body></html>",
                    "text/html; charset=utf-8");
  }

  // zod's issue list for one event envelope, empty when the envelope is valid.
  static ordered_json envelope_issues(const json& event) {
    ordered_json issues = ordered_json::array();
    const auto type_issue = [&](const std::string& field, const std::string& expected) {
      const bool missing = !event.contains(field);
      const std::string received = missing ? "undefined" : json_type_name(event[field]);
      issues.push_back({{"code", "invalid_type"},
                        {"expected", expected},
                        {"received", received},
                        {"path", {field}},
                        {"message", missing ? "Required" : "Expected " + expected + ", received " + received}});
    };
    if (!event.is_object()) {
      issues.push_back({{"code", "invalid_type"},
                        {"expected", "object"},
                        {"received", json_type_name(event)},
                        {"path", json::array()},
                        {"message", "Expected object, received " + json_type_name(event)}});
      return issues;
    }
    const auto& types = event_types();
    const std::string type = event.value("type", "");
    if (std::find(types.begin(), types.end(), type) == types.end()) {
      std::string expected;
      for (const auto& t : types) expected += (expected.empty() ? "'" : " | '") + t + "'";
      ordered_json options = ordered_json::array();
      for (const auto& t : types) options.push_back(t);
      issues.push_back({{"code", "invalid_union_discriminator"},
                        {"options", options},
                        {"path", {"type"}},
                        {"message", "Invalid discriminator value. Expected " + expected}});
      return issues;
    }
    if (!event.contains("id") || !event["id"].is_string()) {
      type_issue("id", "string");
    } else {
      const auto id = event["id"].get<std::string>();
      if (id.empty())
        issues.push_back({{"code", "too_small"}, {"minimum", 1}, {"type", "string"}, {"inclusive", true},
                          {"exact", false}, {"message", "String must contain at least 1 character(s)"}, {"path", {"id"}}});
      else if (id.size() > 800)
        issues.push_back({{"code", "too_big"}, {"maximum", 800}, {"type", "string"}, {"inclusive", true},
                          {"exact", false}, {"message", "String must contain at most 800 character(s)"}, {"path", {"id"}}});
      else if (id.find('\r') != std::string::npos)
        issues.push_back({{"code", "custom"}, {"message", "ID cannot contain carriage return characters"}, {"path", {"id"}}});
    }
    if (!event.contains("timestamp") || !event["timestamp"].is_string()) {
      type_issue("timestamp", "string");
    } else if (!parse_iso_ms(event["timestamp"].get<std::string>())) {
      issues.push_back({{"code", "invalid_string"}, {"validation", "datetime"}, {"message", "Invalid datetime"},
                        {"path", {"timestamp"}}});
    }
    if (!event.contains("body") || !event["body"].is_object()) type_issue("body", "object");
    return issues;
  }

  void ingest(const httplib::Request& req, httplib::Response& res) {
    const AuthResult auth = authenticate(req);
    if (auth.access == Access::none) {
      reply_json(res, 401, {{"error", "UnauthorizedError"}, {"message", auth.error}});
      return;
    }
    const json doc = json::parse(req.body, nullptr, false);
    if (doc.is_discarded()) {
      // Next.js' body parser answers before the handler runs.
      res.status = 400;
      res.set_content("Invalid JSON", "text/plain; charset=utf-8");
      return;
    }
    if (!doc.is_object() || !doc.contains("batch") || !doc["batch"].is_array()) {
      const bool missing = !doc.is_object() || !doc.contains("batch");
      const std::string received = missing ? "undefined" : json_type_name(doc["batch"]);
      reply_json(res, 400, {{"message", "Invalid request data"},
                            {"errors", {missing ? "Required" : "Expected array, received " + received}}});
      return;
    }
    const std::int64_t received_ms = now_ms();
    const std::int64_t visible_ms = received_ms + config().value("ingestion_delay_ms", 5000);
    json successes = json::array();
    json errors = json::array();
    json accepted = json::array();
    for (const auto& event : doc["batch"]) {
      const std::string id = event.is_object() && event.contains("id") && event["id"].is_string()
                                 ? event["id"].get<std::string>()
                                 : "unknown";
      const ordered_json issues = envelope_issues(event);
      if (!issues.empty()) {
        errors.push_back({{"id", id}, {"status", 400}, {"message", "Invalid request data"}, {"error", issues.dump(2)}});
        continue;
      }
      const std::string type = event["type"].get<std::string>();
      if (auth.access == Access::scores && type != "score-create" && type != "sdk-log") {
        errors.push_back({{"id", id}, {"status", 401}, {"message", "Authentication error"}, {"error", "Access Scope Denied"}});
        continue;
      }
      json body = event["body"];
      if (!body.contains("id") || !body["id"].is_string()) body["id"] = random_hex(16);
      accepted.push_back({{"type", type},
                          {"timestamp", event["timestamp"]},
                          {"body", body},
                          {"received_ms", received_ms},
                          {"visible_ms", visible_ms}});
      successes.push_back({{"id", id}, {"status", 201}});
    }
    if (!accepted.empty()) {
      std::lock_guard lock(mu_);
      for (auto& e : accepted) events_.push_back(std::move(e));
      if (persistent() && !shared_.state_dir.empty()) persist_locked();
    }
    reply_json(res, 207, {{"successes", successes}, {"errors", errors}});
  }

  // Endpoints other than scores and SDK logs need the secret key: 401 without credentials, 403
  // for a public key alone, as the real one answers.
  bool full_access(const httplib::Request& req, httplib::Response& res) const {
    const AuthResult auth = authenticate(req);
    if (auth.access == Access::none) {
      reply_json(res, 401, {{"message", auth.error}});
      return false;
    }
    if (auth.access == Access::scores) {
      reply_json(res, 403, {{"message", "Access denied - insufficient permissions for this endpoint"}});
      return false;
    }
    return true;
  }

  // Create Trace (Legacy): the body is a trace-create body; it joins the same asynchronous path.
  void create_trace_legacy(const httplib::Request& req, httplib::Response& res) {
    if (!full_access(req, res)) return;
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded()) {
      res.status = 400;
      res.set_content("Invalid JSON", "text/plain; charset=utf-8");
      return;
    }
    if (!body.is_object()) {
      reply_json(res, 400, {{"message", "Expected object, received " + json_type_name(body)}});
      return;
    }
    if (!body.contains("id") || !body["id"].is_string()) body["id"] = random_hex(16);
    const std::int64_t received_ms = now_ms();
    json accepted = {{"type", "trace-create"},
                     {"timestamp", utc_iso(std::chrono::system_clock::now())},
                     {"body", body},
                     {"received_ms", received_ms},
                     {"visible_ms", received_ms + config().value("ingestion_delay_ms", 5000)}};
    {
      std::lock_guard lock(mu_);
      events_.push_back(std::move(accepted));
      if (persistent() && !shared_.state_dir.empty()) persist_locked();
    }
    reply_json(res, 200, {{"id", body["id"]}});
  }

  void persist_locked() const {
    std::error_code ec;
    std::filesystem::create_directories(shared_.state_dir, ec);
    const auto file = store_file();
    const auto tmp = file.string() + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << events_.dump();
    }
    std::filesystem::rename(tmp, file, ec);
  }

  void get_trace(const httplib::Request& req, httplib::Response& res) const {
    if (!full_access(req, res)) return;
    const std::string trace_id = req.matches[1];
    std::optional<json> trace = fold_trace(trace_id);
    if (!trace) {
      reply_json(res, 404, {{"message", "Trace " + trace_id + " not found within authorized project"},
                            {"error", "LangfuseNotFoundError"}});
      return;
    }
    if (req.has_param("fields")) {
      const auto wanted = split_list(req.get_param_value("fields"));
      const auto wants = [&](const std::string& f) { return std::find(wanted.begin(), wanted.end(), f) != wanted.end(); };
      if (!wants("metrics")) {
        (*trace)["latency"] = -1;
        (*trace)["totalCost"] = -1;
      }
      if (!wants("io")) {
        trace->erase("input");
        trace->erase("output");
        (*trace)["metadata"] = json::object();
      }
    }
    reply_json(res, 200, *trace);
  }

  // The trace as the worker would have written it by now: only events past their delay count.
  std::optional<json> fold_trace(const std::string& trace_id) const {
    const std::string project = config().value("project_id", "");
    const std::int64_t now = now_ms();
    std::lock_guard lock(mu_);
    std::optional<json> trace;
    std::map<std::string, json> observations;
    std::vector<std::string> observation_order;
    std::map<std::string, json> scores;
    for (const auto& e : events_) {
      if (e.value("visible_ms", std::int64_t{0}) > now) continue;
      const std::string type = e["type"].get<std::string>();
      const json& body = e["body"];
      const std::string received = iso_from_ms(e["received_ms"].get<std::int64_t>());
      if (type == "trace-create") {
        if (body["id"] != trace_id) continue;
        if (!trace) {
          trace = json{{"id", trace_id},
                       {"projectId", project},
                       {"name", nullptr},
                       {"timestamp", body.value("timestamp", e["timestamp"].get<std::string>())},
                       {"environment", "default"},
                       {"input", nullptr},
                       {"output", nullptr},
                       {"metadata", json::object()},
                       {"tags", json::array()},
                       {"userId", nullptr},
                       {"sessionId", nullptr},
                       {"release", nullptr},
                       {"version", nullptr},
                       {"public", false},
                       {"bookmarked", false},
                       {"externalId", nullptr},
                       {"createdAt", received},
                       {"updatedAt", received},
                       {"htmlPath", "/project/" + project + "/traces/" + trace_id}};
        }
        // trace-create is an upsert: fields sent override, fields left out stay.
        for (const auto* field : {"name", "timestamp", "environment", "input", "output", "metadata", "tags", "userId",
                                  "sessionId", "release", "version", "public"}) {
          if (body.contains(field) && !body[field].is_null()) (*trace)[field] = body[field];
        }
        (*trace)["updatedAt"] = received;
      } else if (type == "score-create") {
        if (body.value("traceId", "") != trace_id) continue;
        json score = body;
        score["timestamp"] = body.value("timestamp", e["timestamp"].get<std::string>());
        scores[body["id"].get<std::string>()] = score;
      } else if (const std::string obs_type = observation_type(type, body); !obs_type.empty()) {
        if (body.value("traceId", "") != trace_id) continue;
        const std::string id = body["id"].get<std::string>();
        auto [it, inserted] = observations.try_emplace(id, json{{"id", id},
                                                                {"traceId", trace_id},
                                                                {"type", obs_type},
                                                                {"name", nullptr},
                                                                {"startTime", e["timestamp"]},
                                                                {"endTime", nullptr},
                                                                {"parentObservationId", nullptr},
                                                                {"level", "DEFAULT"},
                                                                {"statusMessage", nullptr},
                                                                {"input", nullptr},
                                                                {"output", nullptr},
                                                                {"metadata", json::object()}});
        if (inserted) observation_order.push_back(id);
        for (auto& [k, v] : body.items())
          if (k != "id" && k != "type" && !v.is_null()) it->second[k] = v;
      }
    }
    if (!trace) return std::nullopt;
    json obs_list = json::array();
    std::optional<std::int64_t> first_start;
    std::optional<std::int64_t> last_end;
    for (const auto& id : observation_order) {
      const json& o = observations[id];
      obs_list.push_back(o);
      const auto start = o["startTime"].is_string() ? parse_iso_ms(o["startTime"].get<std::string>()) : std::nullopt;
      const auto end = o["endTime"].is_string() ? parse_iso_ms(o["endTime"].get<std::string>()) : start;
      if (start && (!first_start || *start < *first_start)) first_start = start;
      if (end && (!last_end || *end > *last_end)) last_end = end;
    }
    json score_list = json::array();
    for (auto& [id, s] : scores) score_list.push_back(s);
    (*trace)["latency"] = first_start && last_end ? static_cast<double>(*last_end - *first_start) / 1000.0 : 0.0;
    (*trace)["totalCost"] = 0;
    (*trace)["scores"] = score_list;
    (*trace)["observations"] = obs_list;
    return trace;
  }

  mutable std::mutex mu_;
  json events_ = json::array();
};

}  // namespace

std::unique_ptr<Service> make_langfuse_service(Shared& shared) { return std::make_unique<LangfuseService>(shared); }

}  // namespace infra_dod::sandbox
