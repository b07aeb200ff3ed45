#include "smokes/adr0015.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "clients/databricks.h"
#include "rules/secret_contract.h"
#include "rules/snapshot_reader.h"
#include "smokes/python_child.h"
#include "runtime/http.h"
#include "runtime/process.h"
#include "runtime/secrets.h"
#include "runtime/text.h"

namespace infra_dod {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const char kDriver[] = "probes/get_secret_driver.py";
const char kEvidenceFile[] = "adr0015-secret.jsonl";
const char kSecretsGet[] = "/api/2.0/secrets/get";
// The runbook's own values for step 2.
const char kInvalidScope[] = "__invalid_scope_for_env_first_check__";
const char kStubValue[] = "https://env-stub.example";
// The precedence probe's scopes and the value the endpoint answers for them: not secrets.
const char kPreferredProbeScope[] = "infra-dod-precedence-preferred";
const char kFallbackProbeScope[] = "infra-dod-precedence-fallback";
const char kProbeValue[] = "infra-dod-precedence-probe-value";
// The scope the fault calls name when the operator set neither scope variable.
const char kFaultScope[] = "infra-dod-fault-scope";

std::string replace_all(std::string text, const std::string& mark, const std::string& with) {
  for (auto at = text.find(mark); at != std::string::npos; at = text.find(mark, at + with.size()))
    text.replace(at, mark.size(), with);
  return text;
}

// A fault the endpoint injects; "{scope}" and "{key}" in the message name the request's.
struct Fault {
  std::string name;
  int status = 0;  // 0: hang until the call is over
  std::string error_code;
  std::string message;
  std::string expected;
};

const std::vector<Fault>& faults() {
  static const std::vector<Fault> all = {
      {"403", 403, "PERMISSION_DENIED", "User does not have READ permission on scope {scope}", "Permanent"},
      {"404 missing scope", 404, "RESOURCE_DOES_NOT_EXIST", "Scope {scope} does not exist!", "Permanent"},
      {"404 missing key", 404, "RESOURCE_DOES_NOT_EXIST", "Secret does not exist with scope: {scope} and key: {key}",
       "Permanent"},
      {"429", 429, "REQUEST_LIMIT_EXCEEDED", "Too many requests: the RPC token bucket limit has been exceeded.",
       "Transient"},
      {"500", 500, "INTERNAL_ERROR", "Internal error.", "Transient"},
      {"503", 503, "TEMPORARILY_UNAVAILABLE", "The service is temporarily unavailable.", "Transient"},
      {"hang", 0, "", "", "Transient"}};
  return all;
}

enum class Mode {
  refuse,   // step 2: every request answered 404 here, nothing forwarded
  forward,  // step 3: GET forwarded to DATABRICKS_HOST
  answer,   // precedence probe: secrets/get answered here with a fixed value
  fault,    // classification: the fault answered here
};

// The loopback endpoint every child's DATABRICKS_HOST points at: records each request's method,
// path, scope and key (never a header value, never a body), and answers by the current mode.
class RecordingEndpoint {
 public:
  RecordingEndpoint(std::string upstream, HttpRequest upstream_template)
      : upstream_(std::move(upstream)), template_(std::move(upstream_template)) {}
  RecordingEndpoint(const RecordingEndpoint&) = delete;
  RecordingEndpoint& operator=(const RecordingEndpoint&) = delete;
  ~RecordingEndpoint() { stop(); }

  Result<bool> start() {
    server_.new_task_queue = [] { return new httplib::ThreadPool(4); };
    const auto handler = [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); };
    server_.Get(".*", handler);
    server_.Post(".*", handler);
    server_.Put(".*", handler);
    server_.Patch(".*", handler);
    server_.Delete(".*", handler);
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) return Error{ErrorKind::internal, "the recording endpoint cannot bind 127.0.0.1"};
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() does nothing until the listener loop runs; wait (bounded) for it.
    for (int i = 0; i < 5000 && !server_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return true;
  }

  void stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) {
      server_.stop();
      thread_.join();
    }
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Masks every form of the secret values this endpoint relayed.
  std::string mask(std::string_view text) const { return relayed_.mask(text); }
  bool contains(std::string_view text) const { return relayed_.contains_registered(text); }

  void begin(Mode mode, std::optional<Fault> fault = std::nullopt) {
    std::lock_guard lock(mu_);
    mode_ = mode;
    fault_ = std::move(fault);
    requests_.clear();
  }

  // What arrived since begin; a request still held by a hang is let go (its status stays 0).
  std::vector<EndpointRequest> finish() {
    std::vector<EndpointRequest> out;
    {
      std::lock_guard lock(mu_);
      ++generation_;
      out.swap(requests_);
      mode_ = Mode::refuse;
      fault_.reset();
    }
    cv_.notify_all();
    return out;
  }

 private:
  static void reply(httplib::Response& res, int status, const std::string& code, const std::string& message) {
    res.status = status;
    res.set_content(json{{"error_code", code}, {"message", message}}.dump(), "application/json");
  }

  void handle(const httplib::Request& req, httplib::Response& res) {
    EndpointRequest rec;
    rec.method = req.method;
    rec.path = req.path;
    rec.scope = req.get_param_value("scope");
    rec.key = req.get_param_value("key");
    rec.authorization = req.has_header("Authorization");
    Mode mode;
    std::optional<Fault> fault;
    std::size_t index = 0;
    std::uint64_t generation = 0;
    {
      std::lock_guard lock(mu_);
      mode = mode_;
      fault = fault_;
      index = requests_.size();
      generation = generation_;
      requests_.push_back(rec);
    }
    const bool secrets_get = req.path == kSecretsGet;
    switch (mode) {
      case Mode::refuse:
        if (secrets_get) reply(res, 404, "RESOURCE_DOES_NOT_EXIST", "Scope " + rec.scope + " does not exist!");
        else reply(res, 404, "ENDPOINT_NOT_FOUND", "No API found for '" + req.method + " " + req.path + "'");
        break;
      case Mode::answer:
        if (secrets_get) {
          res.status = 200;
          res.set_content(json{{"key", rec.key}, {"value", base64_encode(kProbeValue)}}.dump(), "application/json");
        } else {
          reply(res, 404, "ENDPOINT_NOT_FOUND", "No API found for '" + req.method + " " + req.path + "'");
        }
        break;
      case Mode::fault:
        if (fault && fault->status == 0) {
          std::unique_lock lock(mu_);
          cv_.wait(lock, [&] { return stopping_ || generation_ != generation; });
          reply(res, 504, "DEADLINE_EXCEEDED", "The request was not answered in time.");
          return;  // the request stays unanswered in the record (status 0)
        }
        if (fault) {
          const std::string message = replace_all(replace_all(fault->message, "{scope}", rec.scope), "{key}", rec.key);
          reply(res, fault->status, fault->error_code, message);
          if (fault->status == 429) res.set_header("Retry-After", "1");
        } else {
          reply(res, 500, "INTERNAL_ERROR", "no fault configured");
        }
        break;
      case Mode::forward:
        if (req.method != "GET") reply(res, 404, "ENDPOINT_NOT_FOUND", "No API found for '" + req.method + " " + req.path + "'");
        else forward(req, res, rec);
        break;
    }
    rec.status = res.status;
    if (res.status >= 300) {
      const json body = json::parse(res.body, nullptr, false);
      if (body.is_object() && body.contains("error_code"))
        rec.error_code = body["error_code"].is_string() ? body["error_code"].get<std::string>() : body["error_code"].dump();
    }
    std::lock_guard lock(mu_);
    if (generation == generation_ && index < requests_.size()) requests_[index] = rec;
  }

  // GET to the real DATABRICKS_HOST with the child's own Authorization header; the answer goes
  // back unchanged. The value of a secrets/get answer is registered as a secret before anything
  // else happens to it.
  void forward(const httplib::Request& req, httplib::Response& res, EndpointRequest& rec) {
    HttpRequest up = template_;
    std::string target = req.target;
    if (target.empty()) {
      target = req.path;
      char sep = '?';
      for (const auto& [k, v] : req.params) {
        target += sep + percent_encode(k) + "=" + percent_encode(v);
        sep = '&';
      }
    }
    up.url = upstream_ + target;
    up.headers = {{"Accept", "application/json"}};
    if (req.has_header("Authorization")) up.headers.emplace_back("Authorization", req.get_header_value("Authorization"));
    const auto r = HttpClient().send(up);
    if (!r) {
      rec.upstream_error = SecretRegistry::process().mask(r.error().what());
      reply(res, 502, "BAD_GATEWAY", "The recording endpoint could not reach DATABRICKS_HOST.");
      return;
    }
    if (r->status == 200 && req.path == kSecretsGet) {
      const json body = json::parse(r->body, nullptr, false);
      if (body.is_object() && body.contains("value") && body["value"].is_string()) {
        const std::string encoded = body["value"].get<std::string>();
        const auto decoded = base64_decode(encoded);
        const std::string name = "Databricks secret " + rec.scope + "/" + rec.key;
        if (decoded) {
          relayed_.add(*decoded, name);
          if (const auto e = percent_encode(*decoded); e != *decoded) relayed_.add(e, name + " (URL-encoded)");
          rec.value_length = decoded->size();
        }
        relayed_.add(encoded, name + " (base64)");
        rec.encoded_length = encoded.size();
      }
    }
    res.status = static_cast<int>(r->status);
    res.set_content(r->body, r->header("content-type").value_or("application/json"));
    if (const auto retry = r->header("retry-after")) res.set_header("Retry-After", *retry);
  }

  std::string upstream_;
  HttpRequest template_;
  // The secret values relayed, in every form: everything this row writes is masked with them.
  // They are this smoke's own, not the process registry's, whose fingerprints GUARDRAIL-SECRETS
  // scans the whole run's evidence for: the runbook's example key (azure-openai-endpoint) holds
  // the OpenAI endpoint, public configuration the inventory records, which that scan would call
  // a leak. No other part of the harness ever holds these values.
  SecretRegistry relayed_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;

  std::mutex mu_;
  std::condition_variable cv_;
  Mode mode_ = Mode::refuse;
  std::optional<Fault> fault_;
  std::vector<EndpointRequest> requests_;
  std::uint64_t generation_ = 0;
  bool stopping_ = false;
};

json to_json(const EndpointRequest& r) {
  json j = {{"method", r.method}, {"path", r.path}, {"scope", r.scope}, {"key", r.key},
            {"authorization_header", r.authorization}, {"status", r.status}};
  if (!r.error_code.empty()) j["error_code"] = r.error_code;
  if (!r.upstream_error.empty()) j["upstream_error"] = r.upstream_error;
  if (r.value_length) j["value_length"] = r.value_length;
  return j;
}

json to_json(const std::vector<EndpointRequest>& requests) {
  json j = json::array();
  for (const auto& r : requests) j.push_back(to_json(r));
  return j;
}

// The driver's result for the evidence: never a value other than step 2's stub.
json to_json(const CallableOutcome& o) {
  if (!o.reported) return {{"reported", false}, {"problem", o.problem}};
  json j = {{"reported", true}, {"stage", o.stage}, {"ok", o.ok}, {"elapsed_ms", o.elapsed_ms}};
  if (o.ok) {
    j["non_empty"] = o.non_empty;
    j["length"] = o.length;
    if (o.value) j["value"] = *o.value;
  } else {
    j["exception"] = o.exception;
    j["bases"] = o.bases;
    j["classification"] = o.classification ? json(*o.classification) : json();
    j["classified_as"] = classify_exception(o);
    j["classified_by"] = classification_source(o);
    j["message"] = o.message;
  }
  return j;
}

using EnvOverrides = std::map<std::string, std::optional<std::string>>;

struct Driver {
  std::string python;       // resolved interpreter
  std::string python_name;  // as configured, for the evidence
  fs::path script;
  fs::path repo;
  std::chrono::milliseconds deadline{0};
  EnvOverrides base;  // every child's environment on top of the harness's
};

struct Call {
  ProcessResult process;
  CallableOutcome outcome;
};

Call call_driver(const Driver& d, const RecordingEndpoint& endpoint, const EnvOverrides& step_env, bool print_value) {
  ProcessSpec spec;
  spec.argv = {d.python, d.script.string()};
  if (print_value) spec.argv.push_back("--print-value");
  spec.env = d.base;
  for (const auto& [k, v] : step_env) spec.env[k] = v;
  spec.cwd = d.repo;
  spec.deadline = d.deadline;
  spec.max_output = 1u << 20;
  Call c;
  c.process = run_process(spec);
  if (auto parsed = parse_driver_line(c.process.out)) {
    c.outcome = std::move(*parsed);
    c.outcome.message = endpoint.mask(SecretRegistry::process().mask(c.outcome.message));
    if (!print_value) c.outcome.value.reset();
  } else {
    c.outcome.problem = c.process.timed_out
                            ? "timed out after " + std::to_string(d.deadline.count() / 1000) + " s"
                            : truncate_utf8(endpoint.mask(c.process.describe()), 400);
  }
  return c;
}

// The command as an operator would repeat it in a shell (the token comes from their own
// environment, so it is not shown).
std::string shown_command(const Driver& d, const EnvOverrides& step_env, bool print_value) {
  std::string s = "cd " + d.repo.string() + " && PYTHONPATH=" + d.repo.string();
  std::vector<std::string> unset;
  for (const auto& [k, v] : step_env) {
    if (k == "DATABRICKS_TOKEN") continue;
    if (v) s += " " + k + "=" + *v;
    else unset.push_back(k);
  }
  if (!unset.empty()) s = "unset " + rules::join(unset, " ") + "; " + s;
  return s + " " + d.python_name + " " + d.script.string() + (print_value ? " --print-value" : "");
}

json step_env_json(const EnvOverrides& step_env) {
  json j = json::object();
  for (const auto& [k, v] : step_env)
    if (k != "DATABRICKS_TOKEN") j[k] = v ? json(*v) : json("(unset)");
  return j;
}

json call_record(const std::string& step, const Driver& d, const RecordingEndpoint& endpoint, const EnvOverrides& step_env,
                 bool print_value, const Call& c, const std::vector<EndpointRequest>& requests) {
  return {{"step", step},
          {"command", shown_command(d, step_env, print_value)},
          {"env", step_env_json(step_env)},
          {"exit_code", c.process.exit_code},
          {"timed_out", c.process.timed_out},
          {"elapsed_ms", c.process.elapsed.count()},
          {"stdout", truncate_utf8(trim(endpoint.mask(c.process.redacted_out())), 4000)},
          {"stderr", truncate_utf8(trim(endpoint.mask(c.process.redacted_err())), 4000)},
          {"result", to_json(c.outcome)},
          {"requests", to_json(requests)}};
}

}  // namespace

SmokeResult run_secret_smoke(const Config& cfg, const Evidence& ev, const std::string& dod_item) {
  SmokeResult out;
  out.headline = "get_secret follows ADR-0015: env stub first, DATABRICKS_SECRET_SCOPE before KEY_VAULT_SECRET_SCOPE, "
                 "Permanent/Transient classification";
  for (const char* v : {"DATABRICKS_HOST", "DATABRICKS_TOKEN", "GET_SECRET_CALLABLE", "SECRET_SMOKE_KEY", "AGENT_REPO_DIR"})
    if (auto r = cfg.require(v); !r) return cannot(std::move(out), r.error().message);
  const std::string token = cfg.value("DATABRICKS_TOKEN");
  SecretRegistry::process().add(token, "DATABRICKS_TOKEN");
  if (const auto e = percent_encode(token); e != token) SecretRegistry::process().add(e, "DATABRICKS_TOKEN (URL-encoded)");

  std::error_code ec;
  const fs::path repo = fs::absolute(cfg.value("AGENT_REPO_DIR"), ec).lexically_normal();
  if (ec || !fs::is_directory(repo, ec))
    return cannot(std::move(out), "AGENT_REPO_DIR " + cfg.value("AGENT_REPO_DIR") + " is not a folder");
  Driver d;
  d.script = fs::path(INFRA_DOD_FIXTURES_DIR) / kDriver;
  if (!fs::is_regular_file(d.script, ec)) return cannot(std::move(out), "the driver " + d.script.string() + " is missing");
  d.python_name = cfg.value("PYTHON");
  d.python = find_executable(d.python_name, {});
  if (d.python.empty()) return cannot(std::move(out), "PYTHON " + d.python_name + " is not an executable on PATH");
  d.repo = repo;
  d.deadline = std::chrono::seconds(cfg.integer("INFRA_DOD_PROCESS_TIMEOUT_S"));

  const std::string host = cfg.value("DATABRICKS_HOST");
  std::string upstream = host.find("://") == std::string::npos ? "https://" + host : host;
  while (!upstream.empty() && upstream.back() == '/') upstream.pop_back();

  json context = checkout_of(repo);
  context["step"] = "context";
  context["workspace_url"] = upstream;
  context["callable"] = cfg.value("GET_SECRET_CALLABLE");
  context["python"] = d.python_name;

  // Step 1: the auth context.
  DatabricksClient client(cfg, SystemClock::instance(), [&](const DatabricksCall& call) {
    keep(out, ev.append(kEvidenceFile, dod_item,
                        {{"step", "1-current-user"}, {"command", call.cli}, {"request", call.method + " " + call.path},
                         {"status", call.status}, {"error", call.error}, {"elapsed_ms", call.elapsed_ms}}));
  });
  const auto me = client.current_user();
  if (!me) return cannot(std::move(out), "step 1 `databricks current-user me` at " + upstream + ": " + me.error().what());
  context["databricks_user"] = rules::text_at(*me, {"userName"});
  keep(out, ev.append(kEvidenceFile, dod_item, context));

  HttpRequest upstream_template;
  upstream_template.connect_timeout = std::chrono::seconds(cfg.integer("INFRA_DOD_HTTP_CONNECT_TIMEOUT_S"));
  upstream_template.total_timeout = std::chrono::seconds(cfg.integer("INFRA_DOD_HTTP_TIMEOUT_S"));
  upstream_template.max_attempts = 1;  // retrying is the callable's business, not the endpoint's
  upstream_template.max_body_bytes = std::size_t{1} << 20;
  RecordingEndpoint endpoint(upstream, upstream_template);
  if (auto started = endpoint.start(); !started) return cannot(std::move(out), started.error().what());

  SecretSmokeObservation obs;
  obs.callable = cfg.value("GET_SECRET_CALLABLE");
  obs.key = cfg.value("SECRET_SMOKE_KEY");
  obs.stub_variable = env_stub_key(obs.key);
  obs.stub_value = kStubValue;
  obs.timeout_s = cfg.integer("SECRET_SMOKE_TIMEOUT_S");
  obs.databricks_scope = cfg.get("DATABRICKS_SECRET_SCOPE").value_or("");
  obs.key_vault_scope = cfg.get("KEY_VAULT_SECRET_SCOPE").value_or("");
  obs.probe_preferred_scope = kPreferredProbeScope;
  obs.probe_fallback_scope = kFallbackProbeScope;

  d.base = {{"PYTHONPATH", repo.string()},
            {"PYTHONDONTWRITEBYTECODE", "1"},
            {"PYTHONUNBUFFERED", "1"},
            {"PYTHONIOENCODING", "utf-8"},
            {"GET_SECRET_CALLABLE", obs.callable},
            {"SECRET_SMOKE_KEY", obs.key},
            {"SECRET_SMOKE_TIMEOUT_S", std::nullopt},
            {"DATABRICKS_HOST", endpoint.url()},
            {"DATABRICKS_TOKEN", token},
            {obs.stub_variable, std::nullopt},
            // Only DATABRICKS_TOKEN authenticates the child.
            {"DATABRICKS_CONFIG_PROFILE", std::nullopt},
            {"DATABRICKS_CLIENT_ID", std::nullopt},
            {"DATABRICKS_CLIENT_SECRET", std::nullopt},
            {"DATABRICKS_USERNAME", std::nullopt},
            {"DATABRICKS_PASSWORD", std::nullopt}};
  const auto scope_env = [](const std::string& value) {
    return value.empty() ? std::optional<std::string>() : std::optional<std::string>(value);
  };

  // Step 2: env first.
  {
    const EnvOverrides env = {{obs.stub_variable, std::string(kStubValue)},
                              {"DATABRICKS_SECRET_SCOPE", std::string(kInvalidScope)},
                              {"KEY_VAULT_SECRET_SCOPE", std::string(kInvalidScope)},
                              {"DATABRICKS_HOST", endpoint.url()}};
    endpoint.begin(Mode::refuse);
    const auto c = call_driver(d, endpoint, env, true);
    obs.env_first_requests = endpoint.finish();
    if (!c.process.started)
      return cannot(std::move(out), "PYTHON " + d.python_name + " could not start: " + c.process.describe());
    obs.env_first = c.outcome;
    keep(out, ev.append(kEvidenceFile, dod_item, call_record("2-env-first", d, endpoint, env, true, c, obs.env_first_requests)));
  }

  // Step 3: scope fallback, the operator's scope variables restored.
  obs.fallback_ran = !obs.databricks_scope.empty() || !obs.key_vault_scope.empty();
  if (obs.fallback_ran) {
    const EnvOverrides env = {{obs.stub_variable, std::nullopt},
                              {"DATABRICKS_SECRET_SCOPE", scope_env(obs.databricks_scope)},
                              {"KEY_VAULT_SECRET_SCOPE", scope_env(obs.key_vault_scope)},
                              {"DATABRICKS_HOST", endpoint.url()}};
    endpoint.begin(Mode::forward);
    const auto c = call_driver(d, endpoint, env, false);
    obs.fallback_requests = endpoint.finish();
    obs.fallback = c.outcome;
    json record = call_record("3-scope-fallback", d, endpoint, env, false, c, obs.fallback_requests);
    record["scope_source"] = scope_source(obs.fallback_requests, obs.databricks_scope, obs.key_vault_scope);
    record["non_empty"] = c.outcome.reported && c.outcome.ok && c.outcome.non_empty;
    record["length"] = c.outcome.ok ? c.outcome.length : 0;
    keep(out, ev.append(kEvidenceFile, dod_item, record));
  }

  // Precedence: both scope variables set, the endpoint answering.
  {
    const EnvOverrides env = {{obs.stub_variable, std::nullopt},
                              {"DATABRICKS_SECRET_SCOPE", std::string(kPreferredProbeScope)},
                              {"KEY_VAULT_SECRET_SCOPE", std::string(kFallbackProbeScope)},
                              {"DATABRICKS_HOST", endpoint.url()}};
    endpoint.begin(Mode::answer);
    const auto c = call_driver(d, endpoint, env, false);
    obs.precedence_requests = endpoint.finish();
    obs.precedence = c.outcome;
    json record = call_record("scope-precedence", d, endpoint, env, false, c, obs.precedence_requests);
    record["scope_source"] = scope_source(obs.precedence_requests, kPreferredProbeScope, kFallbackProbeScope);
    keep(out, ev.append(kEvidenceFile, dod_item, record));
  }

  // Classification: one call per injected fault.
  {
    EnvOverrides env = {{obs.stub_variable, std::nullopt},
                        {"DATABRICKS_SECRET_SCOPE", scope_env(obs.databricks_scope)},
                        {"KEY_VAULT_SECRET_SCOPE", scope_env(obs.key_vault_scope)},
                        {"SECRET_SMOKE_TIMEOUT_S", std::to_string(obs.timeout_s)},
                        {"DATABRICKS_HOST", endpoint.url()}};
    if (!obs.fallback_ran) env["DATABRICKS_SECRET_SCOPE"] = std::string(kFaultScope);
    for (const auto& f : faults()) {
      endpoint.begin(Mode::fault, f);
      const auto c = call_driver(d, endpoint, env, false);
      FaultCall fc{f.name, f.expected, c.outcome, endpoint.finish()};
      json record = call_record("fault " + f.name, d, endpoint, env, false, c, fc.requests);
      record["expected"] = f.expected;
      keep(out, ev.append(kEvidenceFile, dod_item, record));
      obs.faults.push_back(std::move(fc));
    }
  }
  endpoint.stop();

  // What this row wrote holds no form of a value the endpoint relayed.
  {
    std::size_t relayed = 0;
    for (const auto& r : obs.fallback_requests) relayed += r.value_length > 0 ? 1 : 0;
    bool found = false;
    for (const auto& file : out.evidence) {
      std::ifstream in(file, std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      found = found || endpoint.contains(text.str());
    }
    keep(out, ev.append(kEvidenceFile, dod_item,
                        {{"step", "leak-check"}, {"relayed_values", relayed}, {"found", found},
                         {"forms", "plain, base64 (standard and URL-safe), URL-encoded"}}));
    if (found)
      return cannot(std::move(out), "a value the recording endpoint relayed from the secret scope is in this row's evidence");
  }

  out.judgement = judge_secret_contract(obs);
  json verdicts = json::object();
  for (const auto& [check, verdict] : criterion_verdicts(out.judgement)) verdicts[check] = verdict;
  keep(out, ev.append(kEvidenceFile, dod_item,
                      {{"step", "verdicts"},
                       {"outcome", to_string(out.judgement.outcome)},
                       {"verdicts", verdicts},
                       {"scope_source", scope_source(obs.fallback_requests, obs.databricks_scope, obs.key_vault_scope)},
                       {"error", out.judgement.error}}));
  return out;
}

}  // namespace infra_dod
