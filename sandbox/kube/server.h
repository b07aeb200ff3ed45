#pragma once
// Emulated Kubernetes API server, good enough for the real kubectl (plain http, no auth): legacy
// discovery, GET/LIST/WATCH/PATCH/DELETE on the resources the harness reads, and a deployment
// controller that moves a rollout through its ReplicaSets over time.
//
// The parts: api (types, Status replies), discovery, selectors, the store and routing
// (server.cpp), watch, patch, and rollout (the controller).
//
// Scenario section "kube":
//   "version":  the /version document (absent: /version is 404 and kubectl's dispatcher falls
//               back to its default client).
//   "objects":  every stored object, keyed "<apiVersion>/<namespace>/<plural>/<name>"
//               (cluster-scoped: "<apiVersion>/<plural>/<name>", e.g. "v1/namespaces/default"),
//               each as the API server returns it. The key is for merge patches of fault
//               scenarios; identity comes from the object's apiVersion, kind and metadata.
//               resourceVersion is assigned at load; uid and creationTimestamp when absent.
//               An object with metadata.finalizers survives DELETE, marked with
//               deletionTimestamp, as when a controller never clears its finalizer.
//   "rollout_ms":      how long a Deployment rollout takes (default 1000).
//   "rollout_outcome": "complete" (default), "stall" (the first new pod never becomes ready) or
//                      "progress_deadline_exceeded" (at rollout_ms the Progressing condition
//                      turns False with reason ProgressDeadlineExceeded).
//   "faults":          the generic fault injection of every sandbox service; it also applies to
//                      the exec and port-forward upgrades ("GET /api/v1/namespaces/NS/pods/P/exec?...").
//   "port_forward":    {"<container port>": "<sandbox service>"}: where a port-forward to any
//                      Running pod's port is tunnelled (e.g. {"3000": "langfuse"}).
//   "exec":            what a pod's in-container commands see (streams.cpp):
//                      "resolve": {"<name>": ["<address>", ...]} (absent: the name does not resolve),
//                      "connect": {"<address>:<port>": "open" | "refused" | "timeout"} (absent: refused),
//                      "missing": ["<executable>", ...] (not in the image),
//                      "start_ms": how long the runtime takes to start a command (default 100).
//
// Pods, exec and port-forward (streams.cpp): Pod objects are stored like the rest and are not
// driven by the rollout controller. Exec and port-forward are HTTP upgrades that cpp-httplib
// cannot hand over, so a front door (upgrade_front.h) owns the public port and passes every
// other connection through to the httplib server. Exec speaks v5.channel.k8s.io (websocket, as
// kubectl 1.32 tries first); port-forward speaks SPDY/3.1, tunnelled in websocket binary messages
// (SPDY/3.1+portforward.k8s.io, tried first) or on the raw upgraded socket (the fallback).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "kube/api.h"
#include "kube/selectors.h"
#include "service.h"
#include "upgrade_front.h"

namespace infra_dod::sandbox::kube {

using SteadyClock = std::chrono::steady_clock;

struct Stored {
  json obj;
  std::uint64_t created_rv = 0;
};

struct Tombstone {
  std::string key;
  json obj;
  std::uint64_t created_rv = 0;
  std::uint64_t deleted_rv = 0;
};

struct Rollout {
  std::uint64_t id = 0;
  SteadyClock::time_point start;
  int next_step = 0;
  std::string new_rs_key;
  std::string previous_rs_key;
};

struct Watch {
  const ResourceType* type = nullptr;
  std::string ns;
  Selectors selectors;
  std::map<std::string, std::uint64_t> known;  // object key -> last resourceVersion sent
  std::uint64_t seen_change = 0;
  bool first = true;
  SteadyClock::time_point deadline;
  SteadyClock::time_point last_write;
};

class KubeService final : public Service {
 public:
  explicit KubeService(Shared& shared);
  ~KubeService() override;

 protected:
  void reset_state() override;
  json fault_body(int status, const std::string& code, const std::string& message) const override;
  void routes(httplib::Server& server) override;

 public:
  // The public port is the front door's; httplib listens behind it.
  int start() override;
  void stop() override;
  json endpoints() const override;

 protected:

 private:
  // server.cpp: routing, get, list, delete and the store.
  static void plain(const httplib::Request& req);
  void handle(const httplib::Request& req, httplib::Response& res);
  void get(httplib::Response& res, const ResourceType& type, const std::string& ns, const std::string& name);
  // The request's selectors, or nullopt after answering its 400.
  std::optional<Selectors> read_selectors(const httplib::Request& req, const ResourceType& type,
                                         httplib::Response& res);
  bool in_scope(const Stored& s, const ResourceType& type, const std::string& ns, const Selectors& sel) const;
  void list_or_watch(const httplib::Request& req, httplib::Response& res, const ResourceType& type, const std::string& ns);
  void remove(httplib::Response& res, const ResourceType& type, const std::string& ns, const std::string& name,
              bool dry_run);
  void erase_object(const std::string& key);
  void put_object(const std::string& key, json obj);
  void load();

  // watch.cpp
  void start_watch(const httplib::Request& req, httplib::Response& res, const ResourceType& type, const std::string& ns,
                   Selectors sel);
  std::string watch_events(Watch& w);

  // patch.cpp
  void patch(const httplib::Request& req, httplib::Response& res, const ResourceType& type, const std::string& ns,
             const std::string& name, bool dry_run);

  // streams.cpp: pods' exec and port-forward upgrades.
  static bool claims_upgrade(const RequestHead& head);
  void handle_upgrade(int fd, const RequestHead& head, std::string already_read);
  void exec(int fd, const RequestHead& head, const json& pod, std::string already_read);
  void port_forward(int fd, const RequestHead& head, const json& pod, std::string already_read);
  UpgradeFront front_{&KubeService::claims_upgrade,
                      [this](int fd, const RequestHead& head, std::string rest) { handle_upgrade(fd, head, std::move(rest)); }};

  // rollout.cpp: the deployment controller.
  std::chrono::milliseconds rollout_duration() const;
  std::string rollout_outcome() const;
  void start_rollout(const std::string& deployment_key);
  static int step_count(long replicas);
  SteadyClock::time_point due(const Rollout& r, int steps) const;
  void run_controller();
  void advance(std::unique_lock<std::mutex>& lock, const std::string& key);
  std::vector<std::string> owned_replicasets(const json& deployment) const;
  void observe(const std::string& key, Rollout& r);
  void set_rs_pods(const std::string& rs_key, long pods, long ready);
  void scale(const std::string& key, const Rollout& r, long k, long replicas);
  void finish(const std::string& key, const Rollout& r, long replicas);

  std::mutex mu_;
  std::condition_variable changed_;          // store changed (watches)
  std::condition_variable controller_wake_;  // a rollout started
  std::map<std::string, Stored> objects_;
  std::vector<Tombstone> tombstones_;
  std::map<std::string, Rollout> rollouts_;  // by Deployment key
  std::uint64_t rv_ = 0;
  std::uint64_t change_seq_ = 0;
  std::uint64_t rollout_ids_ = 0;
  bool stopping_ = false;
  std::thread controller_;
};

}  // namespace infra_dod::sandbox::kube
