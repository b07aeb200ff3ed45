#include "clients/databricks.h"

#include <cctype>
#include <cstdio>

#include "runtime/secrets.h"
#include "runtime/text.h"
#include "runtime/json_field.h"

namespace infra_dod {

using nlohmann::json;

namespace {

// The Databricks message of an error body: "message" (with "error_code"), SCIM's "detail", API
// 1.2's "error", or the body itself when it is not JSON (an HTML gateway page, cut short).
std::string error_text(const std::string& body) {
  const json j = json::parse(body, nullptr, false);
  if (j.is_object()) {
    std::string code = j.contains("error_code") ? (j["error_code"].is_string() ? j["error_code"].get<std::string>()
                                                                               : j["error_code"].dump())
                                                : "";
    std::string message = field(j, "message", field(j, "detail", field(j, "error", "")));
    return code.empty() ? message : code + ": " + message;
  }
  return truncate_utf8(trim(body), 300);
}

}  // namespace

Error classify_databricks_error(long status, const std::string& body) {
  const std::string text = SecretRegistry::process().mask(error_text(body));
  const std::string what = "HTTP " + std::to_string(status) + (text.empty() ? "" : ": " + text);
  if (status == 401 || status == 403) return Error{ErrorKind::auth, what};
  if (status == 404) return Error{ErrorKind::not_found, what};
  if (status == 400 && text.find("does not exist") != std::string::npos) return Error{ErrorKind::not_found, what};
  if (status == 429) return Error{ErrorKind::throttled, what};
  if (status >= 500) return Error{ErrorKind::server, what};
  return Error{ErrorKind::protocol, what};
}

Result<bool> DatabricksClient::configured(const Config& cfg) {
  for (const char* v : {"DATABRICKS_HOST", "DATABRICKS_TOKEN"})
    if (auto r = cfg.require(v); !r) return r.error();
  return true;
}

DatabricksClient::DatabricksClient(const Config& cfg, Clock& clock, Recorder record)
    : cfg_(cfg), clock_(clock), record_(std::move(record)) {
  host_ = cfg.value("DATABRICKS_HOST");
  // The SDK's own rule: a host without a scheme is https.
  if (!host_.empty() && host_.find("://") == std::string::npos) host_ = "https://" + host_;
  while (!host_.empty() && host_.back() == '/') host_.pop_back();
  token_ = cfg.value("DATABRICKS_TOKEN");
  if (!token_.empty()) SecretRegistry::process().add(token_, "DATABRICKS_TOKEN");
}

Result<json> DatabricksClient::call(const std::string& method, const std::string& path, const std::string& cli,
                                    const std::string& body) {
  DatabricksCall rec{method, path, cli, 0, "", 0};
  const auto finish = [&](Result<json> r) {
    if (!r) rec.error = r.error().what();
    if (record_) record_(rec);
    return r;
  };
  if (auto ok = configured(cfg_); !ok) return finish(ok.error());
  HttpRequest req;
  req.method = method;
  req.url = host_ + path;
  req.headers = {{"Authorization", "Bearer " + token_}, {"Accept", "application/json"}};
  if (!body.empty()) {
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = body;
  }
  req.connect_timeout = std::chrono::seconds(cfg_.integer("INFRA_DOD_HTTP_CONNECT_TIMEOUT_S"));
  req.total_timeout = std::chrono::seconds(cfg_.integer("INFRA_DOD_HTTP_TIMEOUT_S"));
  req.max_attempts = static_cast<int>(cfg_.integer("INFRA_DOD_HTTP_MAX_ATTEMPTS"));
  req.max_body_bytes = static_cast<std::size_t>(cfg_.integer("INFRA_DOD_HTTP_MAX_BODY_MIB")) << 20;
  // A submit is not repeated on a transport error: it could start a second run.
  req.idempotent = method == "GET";
  const auto r = HttpClient(clock_).send(req);
  if (!r) return finish(r.error());
  rec.status = r->status;
  rec.elapsed_ms = static_cast<long>(r->elapsed.count());
  if (r->status < 200 || r->status >= 300) return finish(classify_databricks_error(r->status, r->body));
  json j = json::parse(r->body.empty() ? "{}" : r->body, nullptr, false);
  if (j.is_discarded())
    return finish(Error{ErrorKind::protocol, method + " " + path + " answered " + std::to_string(r->status) +
                                                 " with a body that is not JSON: " +
                                                 truncate_utf8(SecretRegistry::process().mask(trim(r->body)), 200)});
  return finish(std::move(j));
}

Result<json> DatabricksClient::current_user() {
  return call("GET", "/api/2.0/preview/scim/v2/Me", "databricks current-user me");
}

Result<json> DatabricksClient::list_directory(const std::string& volume_path) {
  std::string path = volume_path;
  if (starts_with(path, "dbfs:")) path = path.substr(5);
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  json contents = json::array();
  std::string page_token;
  // Pages until the token runs out; a repeating token is an error, not an endless loop.
  for (int page = 0; page < 100; ++page) {
    std::string p = "/api/2.0/fs/directories" + percent_encode(path, true) + "?page_size=1000";
    if (!page_token.empty()) p += "&page_token=" + percent_encode(page_token);
    auto r = call("GET", p, "databricks fs ls \"dbfs:" + path + "\" -o json");
    if (!r) return r;
    for (const auto& c : field(*r, "contents", json::array())) contents.push_back(c);
    const std::string next = field(*r, "next_page_token", "");
    if (next.empty()) return json{{"path", path}, {"contents", contents}};
    if (next == page_token) return Error{ErrorKind::protocol, "the Files API repeated its next_page_token for " + path};
    page_token = next;
  }
  return Error{ErrorKind::protocol, "the Files API listing of " + path + " did not end after 100 pages"};
}

Result<std::int64_t> DatabricksClient::submit_run(const json& payload) {
  auto r = call("POST", "/api/2.2/jobs/runs/submit", "databricks jobs submit --no-wait --json @payload.json",
                payload.dump());
  if (!r) return r.error();
  if (!r->contains("run_id") || !(*r)["run_id"].is_number_integer())
    return Error{ErrorKind::protocol, "runs/submit answered without a run_id: " + truncate_utf8(r->dump(), 200)};
  return (*r)["run_id"].get<std::int64_t>();
}

Result<json> DatabricksClient::get_run(std::int64_t run_id) {
  const std::string id = std::to_string(run_id);
  return call("GET", "/api/2.2/jobs/runs/get?run_id=" + id, "databricks jobs get-run " + id);
}

Result<json> DatabricksClient::get_run_output(std::int64_t task_run_id) {
  const std::string id = std::to_string(task_run_id);
  return call("GET", "/api/2.2/jobs/runs/get-output?run_id=" + id, "databricks jobs get-run-output " + id);
}

Result<bool> DatabricksClient::cancel_run(std::int64_t run_id) {
  const std::string id = std::to_string(run_id);
  auto r = call("POST", "/api/2.2/jobs/runs/cancel", "databricks jobs cancel-run " + id + " --no-wait",
                json{{"run_id", run_id}}.dump());
  if (!r) return r.error();
  return true;
}

Result<json> DatabricksClient::get_secret(const std::string& scope, const std::string& key) {
  return call("GET", "/api/2.0/secrets/get?scope=" + percent_encode(scope) + "&key=" + percent_encode(key),
              "databricks secrets get-secret " + scope + " " + key);
}

}  // namespace infra_dod
