// Emulated Databricks workspace: SCIM Me, Files API directory listings of UC volumes, one-time
// job runs (submit, get, get-output, cancel) whose state moves with time, and secrets. Identities, files,
// run outcomes, secret values and per-secret faults come from the scenario's "databricks" section.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>

#include "runtime/text.h"
#include "service.h"

namespace infra_dod::sandbox {
namespace {

using nlohmann::json;
using Steady = std::chrono::steady_clock;

std::int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<std::int64_t> parse_run_id(const std::string& s) {
  if (s.empty() || s.size() > 18 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return std::stoll(s);
}

void reply_error(httplib::Response& res, int status, const std::string& code, const std::string& message) {
  reply_json(res, status, {{"error_code", code}, {"message", message}});
}

struct TaskRun {
  std::string task_key;
  std::int64_t run_id = 0;
  json spec;  // the submitted task
};

struct Run {
  std::int64_t run_id = 0;
  std::int64_t job_id = 0;
  std::string run_name;
  json profile;  // the scenario's run profile, resolved at submit time
  Steady::time_point submitted;
  std::int64_t submitted_epoch_ms = 0;
  std::vector<TaskRun> tasks;
  // runs/cancel: the run ends CANCELED (TERMINATED) from this moment, unless it had ended before.
  std::optional<Steady::time_point> cancelled;
  std::int64_t cancelled_epoch_ms = 0;
};

// Where a run is at a moment: the fields runs/get reports for it.
struct Phase {
  std::string life_cycle_state;
  std::string result_state;  // empty until terminal
  std::string state_message;
  std::string status_state;
  json termination;  // null until terminal
  bool terminal = false;
  std::int64_t end_epoch_ms = 0;
};

class DatabricksService final : public Service {
 public:
  explicit DatabricksService(Shared& shared) : Service(shared, "databricks") {}
  ~DatabricksService() override {
    // Wake requests parked in an emulated hang so stopping the server does not wait them out.
    {
      std::lock_guard lock(hang_mu_);
      closing_ = true;
    }
    hang_cv_.notify_all();
    stop();
  }

 protected:
  void routes(httplib::Server& server) override {
    const auto authed = [this](auto handler) {
      return [this, handler](const httplib::Request& req, httplib::Response& res) {
        if (authorized(req, res)) (this->*handler)(req, res);
      };
    };
    server.Get("/api/2.0/preview/scim/v2/Me", authed(&DatabricksService::scim_me));
    server.Get(R"(/api/2\.0/fs/directories(/.*))", authed(&DatabricksService::list_directory));
    server.Post(R"(/api/2\.[12]/jobs/runs/submit)", authed(&DatabricksService::submit_run));
    server.Get(R"(/api/2\.[12]/jobs/runs/get)", authed(&DatabricksService::get_run));
    server.Get(R"(/api/2\.[12]/jobs/runs/get-output)", authed(&DatabricksService::get_run_output));
    server.Post(R"(/api/2\.[12]/jobs/runs/cancel)", authed(&DatabricksService::cancel_run));
    server.Get("/api/2.0/secrets/get", authed(&DatabricksService::get_secret));
    server.Get("/api/2.0/secrets/scopes/list", authed(&DatabricksService::list_scopes));
    server.Get("/api/2.0/secrets/list", authed(&DatabricksService::list_secrets));
    const auto no_endpoint = [](const httplib::Request& req, httplib::Response& res) {
      reply_error(res, 404, "ENDPOINT_NOT_FOUND", "No API found for '" + req.method + " " + req.path + "'");
    };
    server.Get(".*", no_endpoint);
    server.Post(".*", no_endpoint);
    server.Put(".*", no_endpoint);
    server.Patch(".*", no_endpoint);
    server.Delete(".*", no_endpoint);
  }

  void reset_state() override {
    std::lock_guard lock(mu_);
    runs_.clear();
    task_parent_.clear();
    idempotency_.clear();
    next_id_ = 0;
  }

  json fault_body(int status, const std::string& code, const std::string& message) const override {
    static const std::map<int, std::string> codes = {
        {400, "INVALID_PARAMETER_VALUE"}, {401, "UNAUTHENTICATED"},         {403, "PERMISSION_DENIED"},
        {404, "RESOURCE_DOES_NOT_EXIST"}, {409, "RESOURCE_ALREADY_EXISTS"}, {429, "REQUEST_LIMIT_EXCEEDED"},
        {500, "INTERNAL_ERROR"},          {501, "NOT_IMPLEMENTED"},         {503, "TEMPORARILY_UNAVAILABLE"},
        {504, "DEADLINE_EXCEEDED"}};
    const auto it = codes.find(status);
    return {{"error_code", !code.empty() ? code : it != codes.end() ? it->second : "UNKNOWN"}, {"message", message}};
  }

 private:
  const json& config() const { return shared_.section("databricks"); }

  bool authorized(const httplib::Request& req, httplib::Response& res) const {
    const std::string header = req.get_header_value("Authorization");
    if (!starts_with(header, "Bearer ") || trim(header.substr(7)).empty()) {
      reply_json(res, 401,
                 {{"error_code", 401}, {"message", "Credential was not sent or was of an unsupported type for this API."}});
      return false;
    }
    if (shared_.databricks_token.empty() || trim(header.substr(7)) != shared_.databricks_token) {
      reply_json(res, 403, {{"error_code", 403}, {"message", "Invalid access token."}});
      return false;
    }
    return true;
  }

  void scim_me(const httplib::Request&, httplib::Response& res) {
    json me = config().value("me", json::object());
    if (!me.contains("schemas"))
      me["schemas"] = {"urn:ietf:params:scim:schemas:core:2.0:User",
                       "urn:ietf:params:scim:schemas:extension:workspace:2.0:User"};
    reply_json(res, 200, me);
  }

  // ---- Files API --------------------------------------------------------------------------

  // The path and each of its ancestors, deepest first.
  static std::vector<std::string> self_and_ancestors(std::string path) {
    std::vector<std::string> out;
    while (!path.empty() && path != "/") {
      out.push_back(path);
      path = path.substr(0, path.rfind('/'));
    }
    return out;
  }

  // The scenario's "files": path -> {"is_directory": true} or {"file_size", "last_modified"};
  // the folders between a declared directory and a file below it exist too.
  std::optional<json> fs_entry(const std::string& path) const {
    const json& files = config().value("files", json::object());
    if (auto it = files.find(path); it != files.end() && it->is_object()) return *it;
    const auto declared_dir = [&](const std::string& p) {
      auto d = files.find(p);
      return d != files.end() && d->is_object() && d->value("is_directory", false);
    };
    const auto ancestors = self_and_ancestors(path);
    if (std::none_of(ancestors.begin(), ancestors.end(), declared_dir)) return std::nullopt;
    for (auto& [p, entry] : files.items())
      if (entry.is_object() && starts_with(p, path + "/")) return json{{"is_directory", true}};
    return std::nullopt;
  }

  // "Volumes/<catalog>/<schema>/<volume>" of a path, as UC names it in permission errors.
  static std::string volume_name(const std::string& path) {
    const auto parts = split_list(path, '/');
    if (parts.size() < 4 || parts[0] != "Volumes") return path;
    return parts[1] + "." + parts[2] + "." + parts[3];
  }

  void list_directory(const httplib::Request& req, httplib::Response& res) {
    std::string path = req.matches[1];
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    for (const auto& up : self_and_ancestors(path)) {
      const auto e = fs_entry(up);
      if (e && e->value("forbidden", false)) {
        reply_error(res, 403, "PERMISSION_DENIED",
                    "User does not have READ VOLUME on Volume '" + volume_name(path) + "'.");
        return;
      }
    }
    const auto entry = fs_entry(path);
    if (!entry || !entry->value("is_directory", false)) {
      reply_error(res, 404, "NOT_FOUND", "The directory being accessed is not found.");
      return;
    }
    std::map<std::string, json> children;
    const json& files = config().value("files", json::object());
    for (auto& [p, e] : files.items()) {
      if (e.is_null() || !starts_with(p, path + "/")) continue;
      const std::string rest = p.substr(path.size() + 1);
      const auto slash = rest.find('/');
      const std::string name = rest.substr(0, slash);
      if (name.empty()) continue;
      const bool is_dir = slash != std::string::npos || e.value("is_directory", false);
      json item = {{"path", path + "/" + name + (is_dir ? "/" : "")}, {"name", name}, {"is_directory", is_dir}};
      if (!is_dir) {
        item["file_size"] = e.value("file_size", 0);
        item["last_modified"] = e.value("last_modified", std::int64_t{0});
      }
      children.try_emplace(name, item);
    }
    json body = json::object();
    if (!children.empty()) {
      body["contents"] = json::array();
      for (auto& [name, item] : children) body["contents"].push_back(item);
    }
    reply_json(res, 200, body);
  }

  // ---- Jobs -------------------------------------------------------------------------------

  // The profile for a run: the scenario's default run overlaid with the entry for its name.
  json run_profile(const std::string& run_name) const {
    const json& jobs = config().value("jobs", json::object());
    json profile = jobs.value("default_run", json::object());
    const json& by_name = jobs.value("runs", json::object());
    if (auto it = by_name.find(run_name); it != by_name.end() && it->is_object()) profile.merge_patch(*it);
    return profile;
  }

  static bool has_compute(const json& task) {
    return task.contains("new_cluster") || task.contains("existing_cluster_id") || task.contains("environment_key") ||
           task.contains("notebook_task") || task.contains("sql_task") || task.contains("pipeline_task") ||
           task.contains("run_job_task") || task.contains("condition_task");
  }

  void submit_run(const httplib::Request& req, httplib::Response& res) {
    const json doc = json::parse(req.body, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
      reply_error(res, 400, "MALFORMED_REQUEST", "Invalid JSON given in the body of the request - failed to parse given JSON");
      return;
    }
    const json tasks = doc.value("tasks", json::array());
    bool shared_cluster = doc.contains("job_clusters");
    for (const auto& t : tasks) shared_cluster = shared_cluster || (t.is_object() && t.contains("job_cluster_key"));
    if (shared_cluster) {
      reply_error(res, 400, "INVALID_PARAMETER_VALUE", "Shared job cluster feature is not supported in runs/submit API.");
      return;
    }
    // Fields the API does not know (spark_conf, spark_env_vars outside new_cluster) are dropped;
    // what remains must still say where each task runs.
    if (!tasks.is_array() || tasks.empty() ||
        std::any_of(tasks.begin(), tasks.end(), [](const json& t) { return !t.is_object() || !has_compute(t); })) {
      reply_error(res, 400, "INVALID_PARAMETER_VALUE",
                  "One of job_cluster_key, new_cluster, or existing_cluster_id must be specified.");
      return;
    }
    const std::string token = doc.value("idempotency_token", "");
    std::lock_guard lock(mu_);
    if (!token.empty()) {
      if (auto it = idempotency_.find(token); it != idempotency_.end()) {
        reply_json(res, 200, {{"run_id", it->second}});
        return;
      }
    }
    const json& jobs = config().value("jobs", json::object());
    if (next_id_ == 0) next_id_ = jobs.value("first_run_id", std::int64_t{455644833});
    Run run;
    run.job_id = next_id_ + jobs.value("job_id_offset", std::int64_t{457267488000000});
    run.run_id = next_id_++;
    run.run_name = doc.value("run_name", "Untitled");
    run.profile = run_profile(run.run_name);
    run.submitted = Steady::now();
    run.submitted_epoch_ms = epoch_ms();
    for (const auto& t : tasks) {
      TaskRun task{t.value("task_key", "task"), next_id_++, t};
      task_parent_[task.run_id] = run.run_id;
      run.tasks.push_back(std::move(task));
    }
    if (!token.empty()) idempotency_[token] = run.run_id;
    const auto id = run.run_id;
    runs_.emplace(id, std::move(run));
    reply_json(res, 200, {{"run_id", id}});
  }

  static Phase phase_of(const Run& run) {
    const json& p = run.profile;
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - run.submitted).count();
    const std::int64_t pending_ms = p.value("pending_ms", std::int64_t{0});
    const std::int64_t running_ms = p.value("running_ms", std::int64_t{0});
    const std::string outcome = p.value("outcome", "success");
    Phase ph;
    const bool ended_before_cancel =
        run.cancelled && outcome != "never_finishes" &&
        std::chrono::duration_cast<std::chrono::milliseconds>(*run.cancelled - run.submitted).count() >= pending_ms + running_ms;
    if (run.cancelled && !ended_before_cancel) {
      ph.terminal = true;
      ph.life_cycle_state = ph.status_state = "TERMINATED";
      ph.result_state = "CANCELED";
      ph.state_message = "Run cancelled.";
      ph.end_epoch_ms = run.cancelled_epoch_ms;
      ph.termination = {{"code", "USER_CANCELED"}, {"type", "SUCCESS"}, {"message", "Run cancelled."}};
      return ph;
    }
    if (elapsed < pending_ms) {
      ph.life_cycle_state = ph.status_state = "PENDING";
      ph.state_message = p.value("pending_message", "");
      return ph;
    }
    if (outcome == "never_finishes" || elapsed < pending_ms + running_ms) {
      ph.life_cycle_state = ph.status_state = "RUNNING";
      ph.state_message = p.value("running_message", "");
      return ph;
    }
    ph.terminal = true;
    ph.status_state = "TERMINATED";
    ph.end_epoch_ms = run.submitted_epoch_ms + pending_ms + running_ms;
    ph.state_message = p.value("state_message", "");
    if (outcome == "failed") {
      ph.life_cycle_state = "TERMINATED";
      ph.result_state = "FAILED";
      ph.termination = {{"code", "RUN_EXECUTION_ERROR"}, {"type", "CLIENT_ERROR"}, {"message", ph.state_message}};
    } else if (outcome == "internal_error") {
      ph.life_cycle_state = "INTERNAL_ERROR";
      ph.result_state = "FAILED";
      ph.termination = {{"code", "INTERNAL_ERROR"}, {"type", "INTERNAL_ERROR"}, {"message", ph.state_message}};
    } else {
      ph.life_cycle_state = "TERMINATED";
      ph.result_state = "SUCCESS";
      ph.termination = {{"code", "SUCCESS"}, {"type", "SUCCESS"}, {"message", ph.state_message}};
    }
    return ph;
  }

  static json state_json(const Phase& ph) {
    json state = {{"life_cycle_state", ph.life_cycle_state},
                  {"state_message", ph.state_message},
                  {"user_cancelled_or_timedout", false}};
    if (!ph.result_state.empty()) state["result_state"] = ph.result_state;
    return state;
  }

  static json status_json(const Phase& ph) {
    json status = {{"state", ph.status_state}};
    if (ph.terminal) status["termination_details"] = ph.termination;
    return status;
  }

  std::string page_url(std::int64_t job_id, std::int64_t run_id) const {
    return base_url() + "/?o=" + config().value("workspace_id", "0") + "#job/" + std::to_string(job_id) + "/run/" +
           std::to_string(run_id);
  }

  json run_json(const Run& run) const {
    const Phase ph = phase_of(run);
    const std::int64_t duration = ph.terminal ? ph.end_epoch_ms - run.submitted_epoch_ms : 0;
    json body = {{"job_id", run.job_id},
                 {"run_id", run.run_id},
                 {"number_in_job", run.run_id},
                 {"run_name", run.run_name},
                 {"run_type", "SUBMIT_RUN"},
                 {"creator_user_name", config().value("me", json::object()).value("userName", "")},
                 {"run_page_url", page_url(run.job_id, run.run_id)},
                 {"start_time", run.submitted_epoch_ms},
                 {"end_time", ph.terminal ? ph.end_epoch_ms : 0},
                 {"setup_duration", 0},
                 {"execution_duration", 0},
                 {"cleanup_duration", 0},
                 {"run_duration", duration},
                 {"state", state_json(ph)},
                 {"status", status_json(ph)},
                 {"tasks", json::array()}};
    for (const auto& t : run.tasks) body["tasks"].push_back(task_json(run, t, ph));
    return body;
  }

  json task_json(const Run& run, const TaskRun& task, const Phase& ph) const {
    json body = {{"task_key", task.task_key},
                 {"run_id", task.run_id},
                 {"attempt_number", 0},
                 {"start_time", run.submitted_epoch_ms},
                 {"end_time", ph.terminal ? ph.end_epoch_ms : 0},
                 {"run_page_url", page_url(run.job_id, task.run_id)},
                 {"state", state_json(ph)},
                 {"status", status_json(ph)}};
    for (const auto* field : {"environment_key", "spark_python_task", "notebook_task", "python_wheel_task",
                              "existing_cluster_id", "new_cluster", "depends_on", "libraries"})
      if (task.spec.contains(field)) body[field] = task.spec[field];
    return body;
  }

  std::optional<std::int64_t> run_id_param(const httplib::Request& req, httplib::Response& res) const {
    if (!req.has_param("run_id")) {
      reply_error(res, 400, "INVALID_PARAMETER_VALUE", "Missing required field: run_id");
      return std::nullopt;
    }
    const std::string raw = req.get_param_value("run_id");
    const auto id = parse_run_id(raw);
    if (!id) reply_error(res, 400, "INVALID_PARAMETER_VALUE", "Run " + raw + " does not exist.");
    return id;
  }

  // POST runs/cancel {"run_id": N}: 200 {} for a run or task run that exists (cancelling an ended
  // run changes nothing), 400 "Run N does not exist." otherwise.
  void cancel_run(const httplib::Request& req, httplib::Response& res) {
    const json body = json::parse(req.body, nullptr, false);
    if (!body.is_object() || !body.contains("run_id") || !body["run_id"].is_number_integer()) {
      reply_error(res, 400, "INVALID_PARAMETER_VALUE", "Missing required field: run_id");
      return;
    }
    const std::int64_t id = body["run_id"].get<std::int64_t>();
    std::lock_guard lock(mu_);
    auto it = runs_.find(id);
    if (it == runs_.end())
      if (auto parent = task_parent_.find(id); parent != task_parent_.end()) it = runs_.find(parent->second);
    if (it == runs_.end()) {
      reply_error(res, 400, "INVALID_PARAMETER_VALUE", "Run " + std::to_string(id) + " does not exist.");
      return;
    }
    if (!it->second.cancelled) {
      it->second.cancelled = Steady::now();
      it->second.cancelled_epoch_ms = epoch_ms();
    }
    reply_json(res, 200, json::object());
  }

  void get_run(const httplib::Request& req, httplib::Response& res) {
    const auto id = run_id_param(req, res);
    if (!id) return;
    std::lock_guard lock(mu_);
    if (auto it = runs_.find(*id); it != runs_.end()) {
      reply_json(res, 200, run_json(it->second));
      return;
    }
    // A task run is a run too: runs/get on it answers the task's own view.
    if (auto parent = task_parent_.find(*id); parent != task_parent_.end()) {
      const Run& run = runs_.at(parent->second);
      for (const auto& t : run.tasks)
        if (t.run_id == *id) reply_json(res, 200, task_metadata(run, t, phase_of(run)));
      return;
    }
    reply_error(res, 400, "INVALID_PARAMETER_VALUE", "Run " + std::to_string(*id) + " does not exist.");
  }

  json task_metadata(const Run& run, const TaskRun& task, const Phase& ph) const {
    json meta = task_json(run, task, ph);
    meta["job_id"] = run.job_id;
    meta["number_in_job"] = task.run_id;
    meta["run_name"] = run.run_name;
    meta["run_type"] = "SUBMIT_RUN";
    meta["parent_run_id"] = run.run_id;
    meta["creator_user_name"] = config().value("me", json::object()).value("userName", "");
    return meta;
  }

  void get_run_output(const httplib::Request& req, httplib::Response& res) {
    const auto id = run_id_param(req, res);
    if (!id) return;
    std::lock_guard lock(mu_);
    if (runs_.count(*id)) {
      // Jobs 2.1+ runs are multi-task format even with one task.
      reply_error(res, 400, "INVALID_PARAMETER_VALUE",
                  "Retrieving the output of runs with multiple tasks is not supported. Please retrieve the output of "
                  "each individual task run instead.");
      return;
    }
    const auto parent = task_parent_.find(*id);
    if (parent == task_parent_.end()) {
      reply_error(res, 400, "INVALID_PARAMETER_VALUE", "Run " + std::to_string(*id) + " does not exist.");
      return;
    }
    const Run& run = runs_.at(parent->second);
    const auto task = std::find_if(run.tasks.begin(), run.tasks.end(), [&](const TaskRun& t) { return t.run_id == *id; });
    const Phase ph = phase_of(run);
    json body = {{"metadata", task_metadata(run, *task, ph)}};
    if (ph.terminal) {
      const json& output = run.profile.value("output", json::object());
      if (task->spec.contains("notebook_task")) {
        body["notebook_output"] = {{"result", output.value("notebook_result", "")}, {"truncated", false}};
      } else {
        body["logs"] = output.value("logs", "");
        body["logs_truncated"] = false;
      }
      // A task can end SUCCESS and still report an error in its output ("error_on_success").
      if (ph.result_state != "SUCCESS" || output.value("error_on_success", false)) {
        body["error"] = output.value("error", ph.state_message);
        if (output.contains("error_trace")) body["error_trace"] = output["error_trace"];
      }
    }
    reply_json(res, 200, body);
  }

  // ---- Secrets ------------------------------------------------------------------------------

  json scopes() const {
    json found = config().value("secrets", json::object()).value("scopes", json::object());
    return found.is_object() ? found : json::object();
  }

  // A scenario fault on a scope or a key: {"status", "error_code", "message", "retry_after",
  // "hang_ms"}. A hang without a status answers normally once the hang is over.
  bool apply_fault(const json& fault, httplib::Response& res) {
    if (!fault.is_object()) return false;
    if (const int hang = fault.value("hang_ms", 0); hang > 0) {
      std::unique_lock lock(hang_mu_);
      hang_cv_.wait_for(lock, std::chrono::milliseconds(hang), [this] { return closing_; });
    }
    const int status = fault.value("status", 0);
    if (status == 0) return false;
    if (fault.contains("retry_after")) res.set_header("Retry-After", std::to_string(fault["retry_after"].get<int>()));
    reply_json(res, status, fault_body(status, fault.value("error_code", ""), fault.value("message", "")));
    return true;
  }

  void get_secret(const httplib::Request& req, httplib::Response& res) {
    for (const auto* field : {"scope", "key"}) {
      if (!req.has_param(field)) {
        reply_error(res, 400, "INVALID_PARAMETER_VALUE", std::string("Missing required field: ") + field);
        return;
      }
    }
    const std::string scope = req.get_param_value("scope");
    const std::string key = req.get_param_value("key");
    const json all = scopes();
    const auto scope_it = all.find(scope);
    if (scope_it == all.end() || !scope_it->is_object()) {
      reply_error(res, 404, "RESOURCE_DOES_NOT_EXIST", "Scope " + scope + " does not exist!");
      return;
    }
    if (apply_fault(scope_it->value("fault", json()), res)) return;
    const json& keys = scope_it->value("keys", json::object());
    const auto key_it = keys.find(key);
    if (key_it == keys.end() || !key_it->is_object()) {
      reply_error(res, 404, "RESOURCE_DOES_NOT_EXIST", "Secret does not exist with scope: " + scope + " and key: " + key);
      return;
    }
    if (apply_fault(key_it->value("fault", json()), res)) return;
    reply_json(res, 200, {{"key", key}, {"value", base64_encode(key_it->value("value", ""))}});
  }

  void list_scopes(const httplib::Request&, httplib::Response& res) {
    json list = json::array();
    const json all = scopes();
    for (auto& [name, scope] : all.items()) {
      if (!scope.is_object()) continue;
      json item = {{"name", name}, {"backend_type", scope.value("backend_type", "DATABRICKS")}};
      if (scope.contains("keyvault_metadata")) item["keyvault_metadata"] = scope["keyvault_metadata"];
      list.push_back(item);
    }
    json body = json::object();
    if (!list.empty()) body["scopes"] = list;
    reply_json(res, 200, body);
  }

  void list_secrets(const httplib::Request& req, httplib::Response& res) {
    const std::string scope = req.get_param_value("scope");
    const json all = scopes();
    const auto scope_it = all.find(scope);
    if (scope_it == all.end() || !scope_it->is_object()) {
      reply_error(res, 404, "RESOURCE_DOES_NOT_EXIST", "Scope " + scope + " does not exist!");
      return;
    }
    json list = json::array();
    const json keys = scope_it->value("keys", json::object());
    for (auto& [key, entry] : keys.items())
      if (entry.is_object())
        list.push_back({{"key", key}, {"last_updated_timestamp", entry.value("last_updated_timestamp", std::int64_t{0})}});
    json body = json::object();
    if (!list.empty()) body["secrets"] = list;
    reply_json(res, 200, body);
  }

  mutable std::mutex mu_;
  std::map<std::int64_t, Run> runs_;
  std::map<std::int64_t, std::int64_t> task_parent_;
  std::map<std::string, std::int64_t> idempotency_;
  std::int64_t next_id_ = 0;

  std::mutex hang_mu_;
  std::condition_variable hang_cv_;
  bool closing_ = false;
};

}  // namespace

std::unique_ptr<Service> make_databricks_service(Shared& shared) { return std::make_unique<DatabricksService>(shared); }

}  // namespace infra_dod::sandbox
