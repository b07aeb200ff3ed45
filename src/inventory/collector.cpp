#include "inventory/collector.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include "clients/azure.h"
#include "clients/kube.h"
#include "inventory/plan.h"
#include "inventory/strip.h"
#include "rules/inventory_entries.h"
#include "rules/snapshot_reader.h"
#include "runtime/secrets.h"
#include "runtime/text.h"
#include "runtime/json_field.h"

namespace infra_dod {
using nlohmann::json;

namespace {

// A small work queue: kubectl requests start at once; ARM requests join when the token is in.
class WorkQueue {
 public:
  explicit WorkQueue(std::size_t workers) {
    for (std::size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
  }
  ~WorkQueue() { finish(); }
  void push(std::function<void()> task) {
    {
      std::lock_guard lock(mu_);
      tasks_.push_back(std::move(task));
    }
    cv_.notify_one();
  }
  // No more tasks will come; returns when every queued task has run.
  void finish() {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(mu_);
        // A running task may still queue follow-ups (an endpoint list its zone groups), so a
        // worker leaves only when nothing is queued and nothing runs; otherwise the follow-ups
        // would all land on the one worker still busy, one after another.
        cv_.wait(lock, [this] { return !tasks_.empty() || (closed_ && running_ == 0); });
        if (tasks_.empty()) return;
        task = std::move(tasks_.front());
        tasks_.pop_front();
        ++running_;
      }
      try {
        task();
      } catch (const std::exception& e) {
        // A task that throws must not take the collector down: its entry says what happened.
        if (on_exception_) on_exception_(e.what());
      }
      {
        std::lock_guard lock(mu_);
        --running_;
      }
      cv_.notify_all();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;

 public:
  std::function<void(const std::string&)> on_exception_;

 private:
  std::deque<std::function<void()>> tasks_;
  int running_ = 0;
  std::vector<std::thread> threads_;
  bool closed_ = false;
};

json error_entry(const InventoryRequest& r, const std::string& request, long status, const std::string& kind,
                 const std::string& code, const std::string& message, int attempts) {
  return {{"source", r.source},
          {"request", request},
          {"ok", false},
          {"status", status},
          {"attempts", attempts},
          {"error", {{"kind", kind}, {"code", code}, {"message", SecretRegistry::process().mask(message)}}}};
}

std::string kubectl_request(const std::vector<std::string>& args) {
  std::string s = "kubectl";
  for (const auto& a : args) s += " " + a;
  return s;
}

// `unstripped`, when given, receives the object as the server sent it: what the rollout undo
// dry run is built from (its env values must be the real ones), never stored.
json fetch_kube(const InventoryRequest& r, const Kubectl& kubectl, std::chrono::steady_clock::time_point give_up_at,
                json* unstripped = nullptr) {
  const std::string request = kubectl_request(r.kubectl_args);
  const auto started = std::chrono::steady_clock::now();
  if (!r.refusal.empty())
    return {{"source", "kubectl"}, {"request", request + " (not sent)"}, {"ok", true}, {"status", 0}, {"attempts", 0},
            {"elapsed_ms", 0}, {"value", {{"refused", r.refusal}}}};
  const auto p = kubectl.run(r.kubectl_args, give_up_at, std::nullopt, r.input);
  const long ms = static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count());
  if (!p.started || p.timed_out || p.exit_code != 0) {
    const auto e = classify_kubectl_failure(p);
    // The dry run's refusal (no rollout history) is the finding itself; an unreachable or
    // forbidden API server is not.
    const bool judged_by_rule = r.raw_process && p.started && !p.timed_out &&
                                (e.kind == ErrorKind::process || e.kind == ErrorKind::not_found);
    if (!judged_by_rule)
      return error_entry(r, request, e.kind == ErrorKind::not_found ? 404 : 0, to_string(e.kind), e.code, e.message, 1);
  }
  json entry = {{"source", "kubectl"}, {"request", request}, {"ok", true}, {"status", 0}, {"attempts", 1}, {"elapsed_ms", ms}};
  if (r.raw_process) {
    // The server's answer to a dry run is the whole object; what it means is one line.
    const bool accepted = p.exit_code == 0 && !json::parse(p.out, nullptr, false).is_discarded();
    entry["value"] = {{"exit_code", p.exit_code},
                      {"stdout", accepted ? std::string() : trim(p.redacted_out())},
                      {"stderr", trim(p.redacted_err())},
                      {"revision", r.revision}};
    if (accepted) entry["value"]["result"] = "the server accepted the undo to revision " + std::to_string(r.revision) + " (dry run)";
    return entry;
  }
  auto j = json::parse(p.out, nullptr, false);
  if (!j.is_discarded()) {
    if (unstripped) *unstripped = j;
    strip_secret_material(j);
  }
  if (trim(p.out).empty()) return error_entry(r, request, 0, "protocol", "", "kubectl exit 0 with empty output", 1);
  if (j.is_discarded())
    return error_entry(r, request, 0, "protocol", "", "kubectl output is not JSON: " + trim(p.redacted_out()).substr(0, 80), 1);
  entry["value"] = std::move(j);
  return entry;
}

// The dry run needs both reads; when one failed, the entry says so and names it.
json undo_dry_run(const Config& cfg, const json& deployment, const json& replicasets, const json& deployment_object,
                  const json& replicaset_list, const Kubectl& kubectl, std::chrono::steady_clock::time_point give_up_at) {
  InventoryRequest r = rollout_undo_request(cfg, json::object(), json::object());
  const std::string request = kubectl_request(r.kubectl_args);
  const std::pair<const char*, const json*> inputs[] = {{entries::kDeployment, &deployment},
                                                        {entries::kReplicaSets, &replicasets}};
  for (const auto& [name, e] : inputs) {
    if (field(*e, "ok", false)) continue;
    const json error = field(*e, "error", json::object());
    // What kubectl rollout undo says of a missing deployment: a finding, not an error.
    if (std::string(name) == entries::kDeployment && field(error, "kind", "") == "not-found") {
      r.refusal = field(error, "message", std::string("not found"));
      return fetch_kube(r, kubectl, give_up_at);
    }
    return error_entry(r, request + " (not sent)", field(*e, "status", 0), field(error, "kind", "internal"),
                       field(error, "code", ""), std::string("not sent: ") + name + ": " + field(error, "message", ""), 0);
  }
  return fetch_kube(rollout_undo_request(cfg, deployment_object, replicaset_list), kubectl, give_up_at);
}

json fetch_arm(const InventoryRequest& r, const ArmClient& arm) {
  const auto res = arm.get(r.path, r.api_version, r.list);
  if (!res.ok)
    return error_entry(r, res.request, res.status, res.error.kind, res.error.code, res.error.message, res.attempts);
  return {{"source", "arm"},      {"request", res.request}, {"ok", true},       {"status", res.status},
          {"attempts", res.attempts}, {"elapsed_ms", res.elapsed_ms}, {"value", res.value}};
}

}  // namespace

namespace {

// The object id, tenant and app id a JWT access token carries (its payload, base64url), or an
// empty object when the token is not a JWT.
json token_identity(const std::string& token) {
  const auto first = token.find('.');
  const auto second = first == std::string::npos ? std::string::npos : token.find('.', first + 1);
  if (second == std::string::npos) return json::object();
  std::string payload = token.substr(first + 1, second - first - 1);
  for (auto& c : payload) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (payload.size() % 4) payload += '=';
  const auto decoded = base64_decode(payload);
  if (!decoded) return json::object();
  const auto claims = json::parse(*decoded, nullptr, false);
  json out = json::object();
  if (!claims.is_object()) return out;
  for (const char* k : {"oid", "tid", "appid", "idtyp"})
    if (claims.contains(k) && claims[k].is_string()) out[k] = claims[k];
  return out;
}

// kubectl's current context and its API server, from the local kubeconfig (no request).
json kube_target(const Kubectl& kubectl) {
  const auto r = kubectl.run({"config", "view", "--minify", "-o", "json"});
  const auto doc = json::parse(r.out, nullptr, false);
  if (!r.succeeded() || !doc.is_object()) return {{"error", truncate_utf8(trim(r.redacted_err()), 300)}};
  json out = {{"context", rules::text_at(doc, {"current-context"})}};
  const auto& clusters = rules::array_at(doc, {"clusters"});
  if (!clusters.empty()) out["server"] = rules::text_at(clusters[0], {"cluster", "server"});
  return out;
}

}  // namespace

json collect_inventory(const Config& cfg, Clock& clock, const ProgressLog& log) {
  json snap = {{"schema", 1},
               {"collected_utc", utc_iso(clock.utc_now())},
               {"config", snapshot_config(cfg)},
               {"context", json::object()},
               {"entries", json::object()}};
  std::mutex mu;
  auto put = [&](const std::string& name, json entry) {
    const bool ok = field(entry, "ok", false);
    {
      std::lock_guard lock(mu);
      snap["entries"][name] = std::move(entry);
    }
    if (log) log((ok ? "  ok    " : "  error ") + name);
  };

  // kubectl commands (child processes, several sequential requests each) and ARM requests
  // (sockets) are bounded separately, so slow kubectl discovery never starves the ARM requests.
  const auto workers = static_cast<std::size_t>(std::max(1L, cfg.integer("INFRA_DOD_PARALLELISM")));
  // One budget for the whole collection, below the fixture's CTest timeout: whatever is still
  // out when it ends becomes a timeout entry, and everything collected so far is kept.
  const auto budget = std::chrono::seconds(cfg.integer("INFRA_DOD_INVENTORY_DEADLINE_S"));
  const auto give_up_at = std::chrono::steady_clock::now() + budget;  // child processes: real time
  const auto arm_give_up_at = clock.now() + budget;                   // HTTP: the injected clock
  WorkQueue kube_queue(workers);
  WorkQueue queue(workers);
  auto task_failed = [&](const std::string& what) {
    if (log) log("  error in a collector task: " + SecretRegistry::process().mask(what));
  };
  kube_queue.on_exception_ = task_failed;
  queue.on_exception_ = task_failed;
  Kubectl kubectl(cfg);
  HttpClient http(clock);

  // The az calls start first, together.
  AzCli az(cfg);
  // How long each az call took: the first link of every ARM request's dependency chain.
  std::atomic<long> az_ms{0};
  auto timed = [&](auto call) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = call();
    const long ms = static_cast<long>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count());
    long prev = az_ms.load();
    while (ms > prev && !az_ms.compare_exchange_weak(prev, ms)) {
    }
    return r;
  };
  auto account = std::async(std::launch::async, [&] { return timed([&] { return az.account(); }); });
  auto cloud = std::async(std::launch::async, [&] { return timed([&] { return az.cloud(); }); });
  auto token = std::async(std::launch::async,
                          [&] { return timed([&] { return az.access_token(""); }); });
  // The rollout undo dry run follows the Deployment and its ReplicaSets, which it is built from.
  std::atomic<int> undo_inputs{2};
  json undo_objects[2];  // the Deployment and the ReplicaSet list, unstripped
  auto then_undo = [&] {
    json deployment, replicasets;
    {
      std::lock_guard lock(mu);
      deployment = snap["entries"][entries::kDeployment];
      replicasets = snap["entries"][entries::kReplicaSets];
    }
    put(entries::kRolloutUndoDryRun,
        undo_dry_run(cfg, deployment, replicasets, undo_objects[0], undo_objects[1], kubectl, give_up_at));
  };

  // kubectl starts once the token is back, or after a second at most: its Go binaries starting
  // together would take the CPU from the az calls, whose token heads the longest chain (kubectl's
  // own chain is shorter), but a hung az must not hold the Kubernetes reads back.
  token.wait_for(std::chrono::seconds(1));
  for (const auto& r : kube_plan(cfg)) {
    const int input = r.name == entries::kDeployment ? 0 : r.name == entries::kReplicaSets ? 1 : -1;
    kube_queue.push([&, r, input] {
      put(r.name, fetch_kube(r, kubectl, give_up_at, input >= 0 ? &undo_objects[input] : nullptr));
      if (input >= 0 && --undo_inputs == 0) kube_queue.push(then_undo);
    });
  }
  auto acc = account.get();
  auto cl = cloud.get();
  auto tok = token.get();
  if (acc) {
    snap["context"]["tenant"] = field(*acc, "tenantId", "");
    snap["context"]["subscription"] = field(*acc, "id", "");
    snap["context"]["identity"] = field(*acc, "user", json::object());
  }
  std::string endpoint;
  if (cl) endpoint = field(field(*cl, "endpoints", json::object()), "resourceManager", "");
  snap["context"]["arm_endpoint"] = endpoint;
  // Who the token says we are (its object id; never the token) and which cluster kubectl talks
  // to: what a reviewer needs to trust the run without rerunning it.
  if (tok) snap["context"]["identity_claims"] = token_identity(tok.value());
  snap["context"]["kube"] = kube_target(kubectl);
  snap["context"]["environment"] = cfg.value("INFRA_DOD_ENVIRONMENT");
  snap["context"]["az_ms"] = az_ms.load();
  std::string sub = cfg.value("AZURE_SUBSCRIPTION_ID");
  if (sub.empty() && acc) sub = field(*acc, "id", "");  // the operator's `az account set`

  // Why ARM cannot be asked, if it cannot: every ARM entry then carries that cause.
  std::string blocked_kind, blocked;
  if (!tok) {
    blocked_kind = to_string(tok.error().kind);
    blocked = "no ARM token: " + tok.error().message;
  } else if (!cl || endpoint.empty()) {
    blocked_kind = cl ? "protocol" : to_string(cl.error().kind);
    blocked = "no ARM endpoint from az cloud show: " + (cl ? std::string("endpoints.resourceManager missing") : cl.error().message);
  } else if (sub.empty()) {
    blocked_kind = "config";
    blocked = "no subscription: set AZURE_SUBSCRIPTION_ID or `az account set`" + (acc ? std::string() : " (" + acc.error().message + ")");
  } else if (!cfg.get("AZURE_RESOURCE_GROUP")) {
    blocked_kind = "config";
    blocked = "AZURE_RESOURCE_GROUP is required";
  }
  std::optional<ArmClient> arm;
  if (blocked.empty()) arm.emplace(endpoint, tok.value(), http, cfg, arm_give_up_at);
  for (const auto& r : arm_plan(cfg, sub)) {
    if (!blocked.empty()) {
      put(r.name, error_entry(r, "GET " + r.path + "?api-version=" + r.api_version, 0, blocked_kind, "", blocked, 0));
      continue;
    }
    queue.push([&, r] {
      json result = fetch_arm(r, *arm);
      // The endpoints' DNS zone groups can only be asked for once the endpoints are known.
      if (r.name == entries::kPrivateEndpoints && field(result, "ok", false))
        for (const auto& groups : zone_group_requests(result["value"]))
          queue.push([&, groups] { put(groups.name, fetch_arm(groups, *arm)); });
      put(r.name, std::move(result));
    });
  }
  queue.finish();
  kube_queue.finish();
  return snap;
}

}  // namespace infra_dod
