#include "clients/monitor.h"

#include "runtime/secrets.h"
#include "runtime/text.h"
#include "runtime/json_field.h"

namespace infra_dod {
using nlohmann::json;

namespace {

// "code/code/code: innermost message", following Log Analytics' nested innererror.
std::string error_chain(const json& error, bool& table_missing) {
  std::string codes, message;
  const json* e = &error;
  for (int depth = 0; e && e->is_object() && depth < 8; ++depth) {
    const std::string code = field(*e, "code", "");
    if (!code.empty()) codes += (codes.empty() ? "" : "/") + code;
    if (code == "SEM0100" || field(*e, "message", "").find("Failed to resolve table") != std::string::npos)
      table_missing = true;
    if (e->contains("message") && (*e)["message"].is_string()) message = (*e)["message"].get<std::string>();
    e = e->contains("innererror") ? &(*e)["innererror"] : nullptr;
  }
  return codes + ": " + SecretRegistry::process().mask(message);
}

}  // namespace

LogAnalyticsClient::LogAnalyticsClient(std::string endpoint, std::string token, const HttpClient& http, const Config& cfg)
    : endpoint_(std::move(endpoint)), token_(std::move(token)), http_(http), cfg_(cfg) {
  while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
}

LogQueryResult LogAnalyticsClient::query(const std::string& workspace_id, const std::string& kql,
                                         const std::string& timespan) const {
  LogQueryResult out;
  const std::string path = "/v1/workspaces/" + percent_encode(workspace_id) + "/query";
  out.request = "POST " + path + " " + kql + " (timespan " + timespan + ")";
  HttpRequest req;
  req.method = "POST";
  req.url = endpoint_ + path;
  req.headers = {{"Authorization", "Bearer " + token_}, {"Content-Type", "application/json"}, {"Accept", "application/json"}};
  req.body = json{{"query", kql}, {"timespan", timespan}}.dump();
  req.connect_timeout = std::chrono::seconds(cfg_.integer("INFRA_DOD_HTTP_CONNECT_TIMEOUT_S"));
  req.total_timeout = std::chrono::seconds(cfg_.integer("INFRA_DOD_HTTP_TIMEOUT_S"));
  req.max_attempts = static_cast<int>(cfg_.integer("INFRA_DOD_HTTP_MAX_ATTEMPTS"));
  req.max_body_bytes = static_cast<std::size_t>(cfg_.integer("INFRA_DOD_HTTP_MAX_BODY_MIB")) << 20;
  const auto r = http_.send(req);
  if (!r) {
    out.error = r.error().message;
    return out;
  }
  out.status = r->status;
  const auto body = json::parse(r->body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    const auto d = describe_http_failure(r.value());
    out.error = "HTTP " + std::to_string(r->status) + ": " + (d ? "answer is not a JSON object" : d.error().message);
    return out;
  }
  if (body.contains("error") && body["error"].is_object()) {
    // A 200 with an error is a partial result: not something to assert on.
    out.error = (r->status == 200 ? "partial result: " : "HTTP " + std::to_string(r->status) + " ") +
                error_chain(body["error"], out.table_missing);
    return out;
  }
  if (r->status != 200 || !body.contains("tables") || !body["tables"].is_array() || body["tables"].empty()) {
    out.error = "HTTP " + std::to_string(r->status) + ": no tables in the answer";
    return out;
  }
  out.ok = true;
  out.table = body["tables"][0];
  return out;
}

}  // namespace infra_dod
