#include "clients/azure.h"

#include <set>

#include "clients/cli_json.h"
#include "runtime/secrets.h"
#include "runtime/text.h"
#include "runtime/json_field.h"

namespace infra_dod {

AzCli::AzCli(const Config& cfg) : cfg_(cfg) {}

Result<nlohmann::json> AzCli::run(std::vector<std::string> args) {
  ProcessSpec spec;
  spec.argv = {cfg_.value("AZ_CLI")};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.argv.insert(spec.argv.end(), {"--output", "json", "--only-show-errors"});
  spec.env["AZURE_CORE_COLLECT_TELEMETRY"] = "no";
  spec.env["AZURE_CORE_OUTPUT"] = "json";
  spec.deadline = std::chrono::seconds(cfg_.integer("INFRA_DOD_PROCESS_TIMEOUT_S"));
  const auto r = run_process(spec);
  ErrorKind kind = ErrorKind::process;
  const std::string err = to_lower(r.err);
  if (err.find("az login") != std::string::npos || err.find("unauthorized") != std::string::npos) kind = ErrorKind::auth;
  return json_from_cli(r, kind);
}

namespace {

const char* type_word(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::object: return "an object";
    case nlohmann::json::value_t::array: return "a list";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::boolean: return "a boolean";
    default: return "a number";
  }
}

// What az printed must have the shape the harness reads, or the call is a protocol error naming
// the field: a number where a string belongs must never reach a JSON accessor that throws.
Result<nlohmann::json> shaped(Result<nlohmann::json> r, const std::string& command,
                              std::initializer_list<const char*> string_fields, const char* object_field = nullptr) {
  if (!r) return r;
  const auto& j = r.value();
  if (!j.is_object())
    return Error{ErrorKind::protocol, "az " + command + " printed " + type_word(j) + ", not a JSON object"};
  for (const char* f : string_fields)
    if (j.contains(f) && !j[f].is_string())
      return Error{ErrorKind::protocol, "az " + command + ": " + f + " is " + type_word(j[f]) + ", not a string"};
  if (object_field && j.contains(object_field) && !j[object_field].is_object())
    return Error{ErrorKind::protocol,
                 "az " + command + ": " + object_field + " is " + type_word(j[object_field]) + ", not an object"};
  return r;
}

}  // namespace

Result<nlohmann::json> AzCli::account() {
  auto r = shaped(run({"account", "show"}), "account show", {"id", "tenantId", "name"}, "user");
  if (r && r->contains("user"))
    for (const char* f : {"name", "type"})
      if ((*r)["user"].contains(f) && !(*r)["user"][f].is_string())
        return Error{ErrorKind::protocol, std::string("az account show: user.") + f + " is " + type_word((*r)["user"][f]) +
                                              ", not a string"};
  return r;
}

Result<nlohmann::json> AzCli::cloud() {
  auto r = shaped(run({"cloud", "show"}), "cloud show", {"name"}, "endpoints");
  if (r && r->contains("endpoints") && (*r)["endpoints"].contains("resourceManager") &&
      !(*r)["endpoints"]["resourceManager"].is_string())
    return Error{ErrorKind::protocol, std::string("az cloud show: endpoints.resourceManager is ") +
                                          type_word((*r)["endpoints"]["resourceManager"]) + ", not a string"};
  return r;
}

Result<std::string> AzCli::access_token(const std::string& resource) {
  // Without --resource, az asks for the active cloud's ARM audience: sovereign clouds work too.
  std::vector<std::string> args = {"account", "get-access-token"};
  if (!resource.empty()) args.insert(args.end(), {"--resource", resource});
  auto j = shaped(run(args), "account get-access-token", {"accessToken"});
  if (!j) return j.error();
  const std::string token = field(*j, "accessToken", "");
  if (token.empty()) return Error{ErrorKind::protocol, "az account get-access-token printed no accessToken"};
  SecretRegistry::process().add(token, "ARM access token");
  return token;
}

ArmClient::ArmClient(std::string endpoint, std::string token, const HttpClient& http, const Config& cfg,
                     std::optional<Clock::Steady::time_point> give_up_at)
    : endpoint_(std::move(endpoint)), token_(std::move(token)), http_(http), cfg_(cfg), give_up_at_(give_up_at) {
  while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
}

HttpRequest ArmClient::request_for(const std::string& url) const {
  HttpRequest req;
  req.url = url;
  req.headers = {{"Authorization", "Bearer " + token_}, {"Accept", "application/json"}};
  req.connect_timeout = std::chrono::seconds(cfg_.integer("INFRA_DOD_HTTP_CONNECT_TIMEOUT_S"));
  req.max_body_bytes = static_cast<std::size_t>(cfg_.integer("INFRA_DOD_HTTP_MAX_BODY_MIB")) << 20;
  req.total_timeout = std::chrono::seconds(cfg_.integer("INFRA_DOD_HTTP_TIMEOUT_S"));
  req.max_attempts = static_cast<int>(cfg_.integer("INFRA_DOD_HTTP_MAX_ATTEMPTS"));
  req.give_up_at = give_up_at_;
  return req;
}

ArmError ArmClient::error_of(const HttpResponse& r) {
  ArmError e;
  if (r.status == 401 || r.status == 403) e.kind = "auth";
  else if (r.status == 404) e.kind = "not-found";
  else if (r.status == 429) e.kind = "throttled";
  else if (r.status >= 500) e.kind = "server";
  else e.kind = "protocol";
  const auto body = nlohmann::json::parse(r.body, nullptr, false);
  if (!body.is_discarded() && body.is_object() && body.contains("error") && body["error"].is_object()) {
    const auto& err = body["error"];
    if (err.contains("code") && err["code"].is_string()) e.code = err["code"].get<std::string>();
    if (err.contains("message") && err["message"].is_string())
      e.message = SecretRegistry::process().mask(err["message"].get<std::string>());
  } else {
    auto d = describe_http_failure(r);
    e.message = d ? d.value() : d.error().message;
  }
  return e;
}

namespace {
// A list longer than this is a server that never ends it, not a real inventory.
constexpr int kMaxArmPages = 1000;
}  // namespace

ArmResult ArmClient::get(const std::string& path, const std::string& api_version, bool list,
                        const std::string& query) const {
  ArmResult out;
  const std::string tail = "?api-version=" + api_version + (query.empty() ? "" : "&" + query);
  out.request = "GET " + path + tail;
  std::string url = endpoint_ + path + tail;
  nlohmann::json items = nlohmann::json::array();
  // The token goes only to the configured endpoint: a path taken from an ARM answer, or a
  // nextLink, that parses to another origin ("@host:port/...") is refused before it is sent.
  const auto home = url_origin(endpoint_ + "/");
  std::set<std::string> seen;
  for (int page = 0;; ++page) {
    if (page == kMaxArmPages) {
      out.error = {"protocol", "", "more than " + std::to_string(kMaxArmPages) + " pages: the list does not end"};
      return out;
    }
    if (!home || (page == 0 && (path.empty() || path.front() != '/')) || url_origin(url) != home) {
      out.error = {"protocol", "", "request URL leaves " + endpoint_ + ": " + SecretRegistry::process().mask(url)};
      return out;
    }
    if (!seen.insert(url).second) {
      out.error = {"protocol", "", "nextLink repeats an earlier page: " + SecretRegistry::process().mask(url)};
      return out;
    }
    auto r = http_.send(request_for(url));
    if (!r) {
      out.error = {to_string(r.error().kind), "", r.error().message};
      return out;
    }
    out.attempts += r->attempts;
    out.elapsed_ms += static_cast<long>(r->elapsed.count());
    out.status = r->status;
    if (r->status < 200 || r->status >= 300) {
      out.error = error_of(r.value());
      return out;
    }
    auto body = nlohmann::json::parse(r->body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      auto d = describe_http_failure(r.value());
      const std::string problem = body.is_discarded() ? json_parse_problem(r->body) : std::string();
      out.error = {"protocol", "",
                   (problem.empty() ? "answer is not a JSON object: " : "answer is not JSON (" + problem + "): ") +
                       (d ? d.value() : d.error().message)};
      return out;
    }
    if (!list) {
      out.ok = true;
      out.value = std::move(body);
      return out;
    }
    const auto values = body.find("value");
    if (values != body.end() && values->is_array())
      for (auto& v : *values) items.push_back(std::move(v));
    // A list ends with nextLink absent or null.
    const auto link = body.find("nextLink");
    const std::string next = link != body.end() && link->is_string() ? link->get<std::string>() : std::string();
    if (next.empty()) break;
    // nextLink is absolute and already carries api-version; the origin check above applies.
    url = next;
  }
  out.ok = true;
  out.value = std::move(items);
  return out;
}

}  // namespace infra_dod
