#include "kube/server.h"

#include <algorithm>

#include "kube/rollout.h"
#include "runtime/crypto.h"

namespace infra_dod::sandbox::kube {

// Drops nulls and empty maps/lists, which a typed client round trip adds or removes (a template
// sent back by kubectl carries "creationTimestamp": null, "resources": {}), so two templates the
// real server would default to the same object compare equal.
namespace {

json normalized(const json& j) {
  if (j.is_object()) {
    json out = json::object();
    for (auto& [k, v] : j.items()) {
      json n = normalized(v);
      if (n.is_null() || (n.is_object() && n.empty()) || (n.is_array() && n.empty())) continue;
      out[k] = std::move(n);
    }
    return out;
  }
  if (j.is_array()) {
    json out = json::array();
    for (const auto& v : j) out.push_back(normalized(v));
    return out;
  }
  return j;
}

}  // namespace

json template_without_hash(json tmpl) {
  if (tmpl.contains("/metadata/labels"_json_pointer)) tmpl["metadata"]["labels"].erase("pod-template-hash");
  return normalized(tmpl);
}

std::string pod_template_hash(const json& tmpl) {
  static const std::string alphabet = "bcdfghjklmnpqrstvwxz2456789";
  const std::string digest = sha256_hex(template_without_hash(tmpl).dump());
  std::string out;
  for (std::size_t i = 0; i < 10; ++i) {
    const auto byte = std::stoul(digest.substr(i * 2, 2), nullptr, 16);
    out += alphabet[byte % alphabet.size()];
  }
  return out;
}

void set_count(json& status, const char* key, long n) {
  if (n > 0) {
    status[key] = n;
  } else {
    status.erase(key);
  }
}

long desired_replicas(const json& obj) {
  return obj.contains("/spec/replicas"_json_pointer) ? obj["spec"]["replicas"].get<long>() : 1;
}

long revision_of(const json& obj) {
  const std::string r = str_field(obj, "/metadata/annotations/deployment.kubernetes.io~1revision"_json_pointer);
  try {
    return r.empty() ? 0 : std::stol(r);
  } catch (const std::exception&) {
    return 0;
  }
}

void set_condition(json& obj, const std::string& type, const std::string& status, const std::string& reason,
                   const std::string& message) {
  json& conditions = obj["status"]["conditions"];
  if (!conditions.is_array()) conditions = json::array();
  const std::string now = rfc3339_now();
  for (auto& c : conditions) {
    if (c.value("type", "") != type) continue;
    if (c.value("status", "") != status) c["lastTransitionTime"] = now;
    c["status"] = status;
    c["reason"] = reason;
    c["message"] = message;
    c["lastUpdateTime"] = now;
    return;
  }
  conditions.push_back({{"type", type},
                        {"status", status},
                        {"reason", reason},
                        {"message", message},
                        {"lastTransitionTime", now},
                        {"lastUpdateTime", now}});
}

// --- the controller --------------------------------------------------------------------------

std::chrono::milliseconds KubeService::rollout_duration() const {
  return std::chrono::milliseconds(shared_.section("kube").value("rollout_ms", 1000));
}

std::string KubeService::rollout_outcome() const {
  return shared_.section("kube").value("rollout_outcome", "complete");
}
                                         
// Caller holds mu_.
void KubeService::start_rollout(const std::string& deployment_key) {
  Rollout r;
  r.id = ++rollout_ids_;
  r.start = SteadyClock::now();
  rollouts_[deployment_key] = r;
}

// Steps of a rollout of R replicas with a surge of one: 0 observes the new spec and starts the
// first new pod; k (1..R-1) has k new pods ready and one old pod gone; the last has every new
// pod ready and the old ReplicaSets scaled to zero. Step i is due at rollout_ms * (i+1)/steps.
int KubeService::step_count(long replicas) { return static_cast<int>(std::max(replicas, 1L)) + 1; }
                            
SteadyClock::time_point KubeService::due(const Rollout& r, int steps) const {
  const auto total = rollout_duration();
  if (r.next_step > 0 && rollout_outcome() != "complete") return r.start + total;
  return r.start + total * (r.next_step + 1) / steps;
}

void KubeService::run_controller() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    auto wake = SteadyClock::now() + std::chrono::seconds(1);
    std::string due_key;
    for (const auto& [key, r] : rollouts_) {
      auto it = objects_.find(key);
      if (it == objects_.end()) continue;
      const auto when = due(r, step_count(desired_replicas(it->second.obj)));
      if (when <= SteadyClock::now()) {
        due_key = key;
        break;
      }
      wake = std::min(wake, when);
    }
    if (due_key.empty()) {
      controller_wake_.wait_until(lock, wake);
      continue;
    }
    advance(lock, due_key);
  }
}

// Caller holds mu_ through `lock`; released only around the pods-replaced hook.
void KubeService::advance(std::unique_lock<std::mutex>& lock, const std::string& key) {
  Rollout& r = rollouts_.at(key);
  json& deployment = objects_.at(key).obj;
  const long replicas = desired_replicas(deployment);
  const int steps = step_count(replicas);
  const int step = r.next_step++;
  if (step == 0) {
    observe(key, r);
    if (replicas > 0) scale(key, r, 0, replicas);
  } else if (rollout_outcome() == "stall") {
    rollouts_.erase(key);
    return;
  } else if (rollout_outcome() == "progress_deadline_exceeded") {
    json d = deployment;
    const std::string rs_name = name_of(objects_.at(r.new_rs_key).obj);
    set_condition(d, "Progressing", "False", "ProgressDeadlineExceeded",
                  "ReplicaSet \"" + rs_name + "\" has timed out progressing.");
    put_object(key, std::move(d));
    rollouts_.erase(key);
  } else if (step < steps - 1) {
    scale(key, r, step, replicas);
  } else {
    // The new pods are ready: whatever they serve restarts before anyone sees the rollout done.
    const std::uint64_t id = r.id;
    const std::string ns = namespace_of(deployment);
    const std::string name = name_of(deployment);
    lock.unlock();
    if (shared_.on_pods_replaced) shared_.on_pods_replaced(ns, name);
    lock.lock();
    auto again = rollouts_.find(key);
    if (again == rollouts_.end() || again->second.id != id || !objects_.count(key)) return;
    finish(key, again->second, replicas);
    rollouts_.erase(again);
  }
  ++change_seq_;
  changed_.notify_all();
}

std::vector<std::string> KubeService::owned_replicasets(const json& deployment) const {
  std::vector<std::string> keys;
  const std::string uid = str_field(deployment, "/metadata/uid"_json_pointer);
  for (const auto& [k, s] : objects_) {
    if (s.obj.value("kind", "") != "ReplicaSet" || namespace_of(s.obj) != namespace_of(deployment)) continue;
    if (!s.obj.contains("/metadata/ownerReferences"_json_pointer)) continue;
    for (const auto& ref : s.obj["metadata"]["ownerReferences"])
      if (ref.value("uid", "") == uid && ref.value("controller", false)) keys.push_back(k);
  }
  return keys;
}

// Step 0: the controller sees the new template, adopts the ReplicaSet that already has it (a
// rollback) or creates one, gives it the next revision and records that on the Deployment.
void KubeService::observe(const std::string& key, Rollout& r) {
  json deployment = objects_.at(key).obj;
  const json tmpl = deployment["spec"]["template"];
  const json wanted = template_without_hash(tmpl);
  const long replicas = desired_replicas(deployment);
  long max_revision = 0;
  long best_old = -1;
  std::string existing;
  for (const auto& k : owned_replicasets(deployment)) {
    const json& rs = objects_.at(k).obj;
    max_revision = std::max(max_revision, revision_of(rs));
    if (template_without_hash(rs["spec"]["template"]) == wanted) {
      existing = k;
    } else if (desired_replicas(rs) > 0 && revision_of(rs) > best_old) {
      best_old = revision_of(rs);
      r.previous_rs_key = k;
    }
  }
  const std::string revision = std::to_string(max_revision + 1);
  json rs;
  if (!existing.empty()) {
    rs = objects_.at(existing).obj;
    const long old_revision = revision_of(rs);
    if (old_revision < max_revision) {
      std::string history = str_field(rs, "/metadata/annotations/deployment.kubernetes.io~1revision-history"_json_pointer);
      history += (history.empty() ? "" : ",") + std::to_string(old_revision);
      rs["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] = history;
      rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = revision;
    }
    r.new_rs_key = existing;
  } else {
    const std::string hash = pod_template_hash(tmpl);
    const std::string ns = namespace_of(deployment);
    const std::string rs_name = name_of(deployment) + "-" + hash;
    json labels = tmpl.contains("/metadata/labels"_json_pointer) ? tmpl["metadata"]["labels"] : json::object();
    labels["pod-template-hash"] = hash;
    json selector = deployment["spec"]["selector"];
    selector["matchLabels"]["pod-template-hash"] = hash;
    json rs_template = tmpl;
    rs_template["metadata"]["labels"] = labels;
    rs = {{"apiVersion", "apps/v1"},
          {"kind", "ReplicaSet"},
          {"metadata",
           {{"name", rs_name},
            {"namespace", ns},
            {"uid", new_uid()},
            {"generation", 1},
            {"creationTimestamp", rfc3339_now()},
            {"labels", labels},
            {"annotations",
             {{"deployment.kubernetes.io/desired-replicas", std::to_string(replicas)},
              {"deployment.kubernetes.io/max-replicas", std::to_string(replicas + 1)},
              {"deployment.kubernetes.io/revision", revision}}},
            {"ownerReferences",
             {{{"apiVersion", "apps/v1"},
               {"kind", "Deployment"},
               {"name", name_of(deployment)},
               {"uid", deployment["metadata"]["uid"]},
               {"controller", true},
               {"blockOwnerDeletion", true}}}}}},
          {"spec", {{"replicas", 0}, {"selector", selector}, {"template", rs_template}}},
          {"status", {{"replicas", 0}, {"observedGeneration", 1}}}};
    r.new_rs_key = object_key(*find_kind("apps/v1", "ReplicaSet"), ns, rs_name);
  }
  put_object(r.new_rs_key, std::move(rs));
  deployment["metadata"]["annotations"]["deployment.kubernetes.io/revision"] =
      std::to_string(revision_of(objects_.at(r.new_rs_key).obj));
  deployment["status"]["observedGeneration"] = deployment["metadata"]["generation"];
  set_condition(deployment, "Progressing", "True", "ReplicaSetUpdated",
                "ReplicaSet \"" + name_of(objects_.at(r.new_rs_key).obj) + "\" is progressing.");
  put_object(key, std::move(deployment));
}

void KubeService::set_rs_pods(const std::string& rs_key, long pods, long ready) {
  json rs = objects_.at(rs_key).obj;
  if (desired_replicas(rs) != pods) rs["metadata"]["generation"] = rs["metadata"].value("generation", 1L) + 1;
  rs["spec"]["replicas"] = pods;
  json& status = rs["status"];
  status["replicas"] = pods;
  set_count(status, "fullyLabeledReplicas", pods);
  set_count(status, "readyReplicas", ready);
  set_count(status, "availableReplicas", ready);
  status["observedGeneration"] = rs["metadata"]["generation"];
  put_object(rs_key, std::move(rs));
}

// k new pods ready, one more starting (surge), R-k old pods still serving.
void KubeService::scale(const std::string& key, const Rollout& r, long k, long replicas) {
  const long updated = std::min(k + 1, replicas);
  const long old_pods = replicas - k;
  set_rs_pods(r.new_rs_key, updated, k);
  for (const auto& rs_key : owned_replicasets(objects_.at(key).obj)) {
    if (rs_key == r.new_rs_key) continue;
    const long pods = rs_key == r.previous_rs_key ? old_pods : 0;
    if (desired_replicas(objects_.at(rs_key).obj) != pods) set_rs_pods(rs_key, pods, pods);
  }
  json deployment = objects_.at(key).obj;
  json& status = deployment["status"];
  const long total = updated + (r.previous_rs_key.empty() ? 0 : old_pods);
  const long ready = k + (r.previous_rs_key.empty() ? 0 : old_pods);
  set_count(status, "replicas", total);
  set_count(status, "updatedReplicas", updated);
  set_count(status, "readyReplicas", ready);
  set_count(status, "availableReplicas", ready);
  set_count(status, "unavailableReplicas", total - ready);
  put_object(key, std::move(deployment));
}

void KubeService::finish(const std::string& key, const Rollout& r, long replicas) {
  if (objects_.count(r.new_rs_key)) set_rs_pods(r.new_rs_key, replicas, replicas);
  for (const auto& rs_key : owned_replicasets(objects_.at(key).obj))
    if (rs_key != r.new_rs_key && desired_replicas(objects_.at(rs_key).obj) != 0) set_rs_pods(rs_key, 0, 0);
  json deployment = objects_.at(key).obj;
  json& status = deployment["status"];
  set_count(status, "replicas", replicas);
  set_count(status, "updatedReplicas", replicas);
  set_count(status, "readyReplicas", replicas);
  set_count(status, "availableReplicas", replicas);
  status.erase("unavailableReplicas");
  set_condition(deployment, "Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.");
  set_condition(deployment, "Progressing", "True", "NewReplicaSetAvailable",
                "ReplicaSet \"" + name_of(objects_.count(r.new_rs_key) ? objects_.at(r.new_rs_key).obj : json::object()) +
                    "\" has successfully progressed.");
  put_object(key, std::move(deployment));
}

}  // namespace infra_dod::sandbox::kube
