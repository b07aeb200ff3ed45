#pragma once
// The sandbox: emulators of every service the harness talks to, on 127.0.0.1, driven by a
// scenario (fixtures/sandbox/<name>/scenario.json). Each service is its own HTTP server on its
// own ephemeral port, as the real ones are separate hosts.
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

namespace infra_dod::sandbox {

// What the services share: the resolved scenario, credentials, cross-service hooks.
struct Shared {
  nlohmann::json scenario;
  std::string arm_token;         // Bearer token ARM, Key Vault and Azure Monitor accept
  std::string databricks_token;  // Bearer token Databricks accepts
  std::filesystem::path state_dir;
  // Called by the Kubernetes emulator when a Deployment's pods are replaced (rollout restart,
  // undo); the LangFuse emulator restarts when it is the LangFuse Deployment.
  std::function<void(const std::string& ns, const std::string& deployment)> on_pods_replaced;
  // Set by the Azure Monitor emulator: the alerts its rules have fired so far (AlertsManagement
  // items); ARM serves them from its alerts list.
  std::function<nlohmann::json()> fired_alerts;
  // The port a service listens on, by name ("langfuse"): where the Kubernetes emulator's
  // port-forward tunnels a pod's container port to. 0 when there is no such service.
  std::function<int(const std::string& service)> service_port;

  // The scenario's section for a service ({} when absent).
  const nlohmann::json& section(const std::string& service) const;
  // Sleeps the latency the scenario injects for this service (latency_ms.<service>); used by the
  // benchmarks. Zero by default.
  void inject_latency(const std::string& service) const;

  // Requests served per service, written to <state_dir>/requests.json at shutdown: the
  // benchmark's count of what a sequential script would have waited for. Each request is also
  // logged in arrival order (requests-log.jsonl: service, method, target, ms since start), from
  // which the benchmark works out the chain of requests that depend on each other.
  void count_request(const std::string& service, const std::string& method = {}, const std::string& target = {});
  nlohmann::json request_counts() const;
  nlohmann::json request_log() const;

 private:
  mutable std::mutex counts_mu_;
  std::map<std::string, long> counts_;
  nlohmann::json log_ = nlohmann::json::array();
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();

 public:
};

class Service {
 public:
  explicit Service(Shared& shared, std::string name) : shared_(shared), name_(std::move(name)) {}
  virtual ~Service();
  const std::string& name() const { return name_; }
  // Binds 127.0.0.1 on an ephemeral port, serves on its own thread, returns the port.
  virtual int start();
  virtual void stop();
  // Stop and start on the same port, dropping in-memory state (reset_state()).
  void restart();
  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Entries for the ready file: {"<name>_url": ...}.
  virtual nlohmann::json endpoints() const { return {{name_ + "_url", base_url()}}; }

 protected:
  virtual void routes(httplib::Server& server) = 0;
  virtual void reset_state() {}
  // The service's native error body for an injected fault (ARM's {"error":{code,message}},
  // Kubernetes' kind: Status, Databricks' {error_code,message}, ...).
  virtual nlohmann::json fault_body(int status, const std::string& code, const std::string& message) const;
  Shared& shared_;
  // The scenario's fault for this request target ('METHOD /path?query'), counted as fired, or
  // nullptr; the caller answers it (see pre_route).
  const nlohmann::json* match_fault(const std::string& target);

 private:
  void serve();
  // Latency and the scenario's faults ("<service>.faults"), applied before routing:
  //   {"match": "<regex over 'METHOD /path?query'>", "status": 429, "code": "TooManyRequests",
  //    "message": "...", "retry_after": 1, "times": 3, "hang_ms": 0}
  // "times" counts how often the fault fires before the service answers normally (absent:
  // always). "hang_ms" delays the answer (a hung peer); with "status": 0 the connection is
  // answered only after the hang. What else a broken peer or a middlebox sends:
  //   "body_text": "<html>..."  with "content_type": the body as given (an HTML error page)
  //   "body_base64": "..."      the body's bytes (invalid UTF-8 cannot be written in JSON)
  //   "truncate_at": N          Content-Length says the whole body, N bytes come, then the close
  //   "oversize_mib": N         a JSON array N MiB long, streamed
  //   "kill": true              the whole sandbox dies on the spot, the request unanswered
  httplib::Server::HandlerResponse pre_route(const httplib::Request& req, httplib::Response& res);
  std::mutex fault_mu_;
  std::map<std::size_t, int> fault_fired_;
  std::string name_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

// JSON reply with the given status (and the headers real services send with it).
void reply_json(httplib::Response& res, int status, const nlohmann::json& body,
                const std::string& content_type = "application/json; charset=utf-8");

// A member by reference ({} when absent): iterating items() of a temporary would dangle.
const nlohmann::json& member(const nlohmann::json& obj, const char* key);
// A random GUID in ARM's lower-case 8-4-4-4-12 form.
std::string guid();

// Factories, one per emulated service (sandbox/<service>.cpp).
std::unique_ptr<Service> make_arm_service(Shared& shared);
std::unique_ptr<Service> make_kube_service(Shared& shared);
std::unique_ptr<Service> make_langfuse_service(Shared& shared);
std::unique_ptr<Service> make_databricks_service(Shared& shared);
std::unique_ptr<Service> make_monitor_service(Shared& shared);

}  // namespace infra_dod::sandbox
