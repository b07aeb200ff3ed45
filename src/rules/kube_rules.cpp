#include "rules/kube_rules.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <vector>

#include "rules/inventory_entries.h"
#include "rules/snapshot_reader.h"
#include "runtime/text.h"

namespace infra_dod {
namespace {

using nlohmann::json;
using namespace rules;

// The API server omits replica counters that are zero, so absent means 0 (or the API default).
std::int64_t count_at(const json& object, std::initializer_list<std::string_view> path, std::int64_t absent = 0) {
  const json* v = at(object, path);
  return v && v->is_number_integer() ? v->get<std::int64_t>() : absent;
}

std::string labels_text(const json& labels) {
  if (!labels.is_object() || labels.empty()) return "{}";
  std::vector<std::string> pairs;
  for (auto it = labels.begin(); it != labels.end(); ++it)
    pairs.push_back(it.key() + "=" + (it.value().is_string() ? it.value().get<std::string>() : it.value().dump()));
  return "{" + join(pairs, ",") + "}";
}

// A Service selects a pod when every pair of its selector is among the pod's labels. A Service
// without a selector selects nothing (its Endpoints are managed by hand).
bool selector_matches(const json& selector, const json& labels) {
  if (!selector.is_object() || selector.empty() || !labels.is_object()) return false;
  for (auto it = selector.begin(); it != selector.end(); ++it) {
    auto label = labels.find(it.key());
    if (label == labels.end() || *label != it.value()) return false;
  }
  return true;
}


struct KubeNames {
  std::string ns, deployment, service;
};

// Effective values, as collected: the catalogue's defaults are already in the snapshot.
KubeNames kube_names(const json& snapshot) {
  return {config_value(snapshot, "LANGFUSE_NAMESPACE"), config_value(snapshot, "LANGFUSE_DEPLOYMENT"),
          config_value(snapshot, "LANGFUSE_SERVICE")};
}

std::string resource(const std::string& kind, const std::string& ns, const std::string& name) {
  return kind + "/" + ns + "/" + name;
}

Finding deployment_missing(const json& snapshot, const KubeNames& n) {
  return {"deployment exists", false, "Deployment " + n.deployment + " in namespace " + n.ns,
          absence(snapshot, entries::kDeployment), resource("Deployment", n.ns, n.deployment)};
}

const json& template_labels(const json& deployment) {
  static const json none = json::object();
  const json* labels = at(deployment, {"spec", "template", "metadata", "labels"});
  return labels && labels->is_object() ? *labels : none;
}

const json* find_named(const json& items, const std::string& name) {
  for (const auto& item : items)
    if (text_at(item, {"metadata", "name"}) == name) return &item;
  return nullptr;
}

// What makes a Service reachable from outside the cluster network, if anything.
std::vector<std::string> external_exposure(const json& service) {
  std::vector<std::string> ways;
  const std::string type = text_at(service, {"spec", "type"});
  if (type == "LoadBalancer" || type == "NodePort") ways.push_back("type " + type);
  for (const auto& ip : array_at(service, {"spec", "externalIPs"}))
    if (ip.is_string()) ways.push_back("externalIP " + ip.get<std::string>());
  if (!text_at(service, {"spec", "loadBalancerIP"}).empty())
    ways.push_back("loadBalancerIP " + text_at(service, {"spec", "loadBalancerIP"}));
  for (const auto& ingress : array_at(service, {"status", "loadBalancer", "ingress"})) {
    std::string address = text_at(ingress, {"ip"});
    if (address.empty()) address = text_at(ingress, {"hostname"});
    if (!address.empty()) ways.push_back("load balancer address " + address);
  }
  return ways;
}

// kubectl exits 1 for every failure; these stderr forms say the server could not be asked at
// all, which is no verdict about the workload.
bool is_access_failure(const std::string& message) {
  static const char* const markers[] = {"Unable to connect to the server", "The connection to the server",
                                        "(Unauthorized)",                 "Error from server (Forbidden)",
                                        "Error from server (TooManyRequests)", "Error from server (ServiceUnavailable)",
                                        "Error from server (Timeout)",    "Error from server (InternalError)",
                                        "context deadline exceeded"};
  return std::any_of(std::begin(markers), std::end(markers),
                     [&](const char* m) { return message.find(m) != std::string::npos; });
}

}  // namespace

bool is_rolled_out(const json& deployment, std::string* why) {
  auto fail = [&](std::string reason) {
    if (why) *why = std::move(reason);
    return false;
  };
  const auto generation = count_at(deployment, {"metadata", "generation"});
  const auto observed = count_at(deployment, {"status", "observedGeneration"});
  if (generation > observed)
    return fail("observedGeneration " + std::to_string(observed) + " < generation " + std::to_string(generation) +
                " (spec update not observed yet)");
  for (const auto& condition : array_at(deployment, {"status", "conditions"}))
    if (text_at(condition, {"type"}) == "Progressing" && text_at(condition, {"reason"}) == "ProgressDeadlineExceeded")
      return fail("Progressing condition reason ProgressDeadlineExceeded (exceeded its progress deadline)");
  const auto desired = count_at(deployment, {"spec", "replicas"}, 1);
  const auto replicas = count_at(deployment, {"status", "replicas"});
  const auto updated = count_at(deployment, {"status", "updatedReplicas"});
  const auto available = count_at(deployment, {"status", "availableReplicas"});
  if (desired < 1) return fail("spec.replicas " + std::to_string(desired) + " (no replica to serve)");
  if (updated < desired)
    return fail(std::to_string(updated) + " out of " + std::to_string(desired) + " new replicas have been updated");
  if (replicas > updated)
    return fail(std::to_string(replicas - updated) + " old replicas are pending termination");
  if (available < updated)
    return fail(std::to_string(available) + " of " + std::to_string(updated) + " updated replicas are available");
  if (why)
    *why = std::to_string(available) + "/" + std::to_string(desired) + " updated and available, observedGeneration " +
           std::to_string(observed);
  return true;
}

ImageReference parse_image_reference(std::string_view image) {
  ImageReference ref;
  std::string rest(image);
  const auto slash = rest.find('/');
  const std::string first = slash == std::string::npos ? std::string{} : rest.substr(0, slash);
  const bool has_host = slash != std::string::npos &&
                        (first.find_first_of(".:") != std::string::npos || first == "localhost" || to_lower(first) != first);
  if (has_host) {
    ref.registry = first;
    rest = rest.substr(slash + 1);
  } else {
    ref.registry = "docker.io";
  }
  if (const auto at_sign = rest.find('@'); at_sign != std::string::npos) {
    ref.digest = rest.substr(at_sign + 1);
    rest = rest.substr(0, at_sign);
  }
  // With the host removed, a ':' can only introduce the tag (a port belongs to the host).
  if (const auto colon = rest.rfind(':'); colon != std::string::npos && rest.find('/', colon) == std::string::npos) {
    ref.tag = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
  }
  ref.repository = rest;
  return ref;
}

bool is_sha256_digest(std::string_view digest) {
  constexpr std::string_view prefix = "sha256:";
  if (digest.size() != prefix.size() + 64 || digest.substr(0, prefix.size()) != prefix) return false;
  return std::all_of(digest.begin() + prefix.size(), digest.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

Judgement judge_deployment(const json& snapshot) {
  const KubeNames n = kube_names(snapshot);
  EntryReader in(snapshot);
  bool deployment_absent = false, endpoints_absent = false;
  const json* deployment = in.object(entries::kDeployment, &deployment_absent);
  const json* services = in.items(entries::kServices);
  const json* endpoints = in.object(entries::kEndpoints, &endpoints_absent);
  // Each check needs only its own entries: one that could not be read leaves only its checks
  // unjudged, and the others still give their verdicts.

  Judgement j;
  const std::string deployment_id = resource("Deployment", n.ns, n.deployment);
  const std::string service_id = resource("Service", n.ns, n.service);
  if (deployment_absent) {
    j.findings.push_back(deployment_missing(snapshot, n));
  } else if (!deployment) {
    j.findings.push_back(unjudged("deployment rolled out", "the Deployment read", *in.failure(entries::kDeployment),
                                  deployment_id));
  } else {
    j.findings.push_back({"deployment exists", true, "Deployment " + n.deployment + " in namespace " + n.ns,
                          "revision " + text_at(*deployment, {"metadata", "annotations", "deployment.kubernetes.io/revision"}),
                          deployment_id});
    std::string why;
    const bool done = is_rolled_out(*deployment, &why);
    j.findings.push_back({"deployment rolled out", done,
                          "kubectl's rollout rule (observedGeneration >= generation, updated = desired, no old "
                          "replicas, available >= updated, at least 1)",
                          why, deployment_id});
  }

  const json* service = services ? find_named(*services, n.service) : nullptr;
  if (!services) {
    j.findings.push_back(unjudged("service exists", "Service " + n.service + " in namespace " + n.ns,
                                  *in.failure(entries::kServices), service_id));
  } else if (!service) {
    std::vector<std::string> names;
    for (const auto& item : *services) names.push_back(text_at(item, {"metadata", "name"}));
    j.findings.push_back({"service exists", false, "Service " + n.service + " in namespace " + n.ns,
                          names.empty() ? "no Service in the namespace" : "only " + join(names), service_id});
  } else {
    j.findings.push_back({"service exists", true, "Service " + n.service + " in namespace " + n.ns, "exists", service_id});
    // The API server defaults an unset type to ClusterIP.
    std::string type = text_at(*service, {"spec", "type"});
    if (type.empty()) type = "ClusterIP";
    j.findings.push_back({"service type ClusterIP", type == "ClusterIP", "type ClusterIP", "type " + type, service_id});
    const auto exposure = external_exposure(*service);
    std::vector<std::string> addresses;
    for (const auto& way : exposure)
      if (way.rfind("type ", 0) != 0) addresses.push_back(way);
    j.findings.push_back({"service has no external IPs", addresses.empty(),
                          "no spec.externalIPs, no loadBalancerIP, no load balancer ingress",
                          addresses.empty() ? "none" : join(addresses), service_id});
    const json selector = at(*service, {"spec", "selector"}) ? *at(*service, {"spec", "selector"}) : json::object();
    if (deployment) {
      const json& labels = template_labels(*deployment);
      j.findings.push_back({"service selector matches the pod template labels", selector_matches(selector, labels),
                            "a non-empty selector contained in the pod template labels " + labels_text(labels),
                            "selector " + labels_text(selector), service_id});
    } else if (!deployment_absent) {
      j.findings.push_back(unjudged("service selector matches the pod template labels", "the pod template labels",
                                    *in.failure(entries::kDeployment), service_id));
    }
  }

  const std::string endpoints_id = resource("Endpoints", n.ns, n.service);
  if (endpoints_absent) {
    j.findings.push_back({"service has ready endpoints", false, "at least 1 ready address",
                          absence(snapshot, entries::kEndpoints), endpoints_id});
  } else if (!endpoints) {
    j.findings.push_back(unjudged("service has ready endpoints", "at least 1 ready address",
                                  *in.failure(entries::kEndpoints), endpoints_id));
  } else {
    std::size_t ready = 0, not_ready = 0;
    for (const auto& subset : array_at(*endpoints, {"subsets"})) {
      ready += array_at(subset, {"addresses"}).size();
      not_ready += array_at(subset, {"notReadyAddresses"}).size();
    }
    j.findings.push_back({"service has ready endpoints", ready >= 1, "at least 1 ready address",
                          std::to_string(ready) + " ready, " + std::to_string(not_ready) + " not ready", endpoints_id});
  }
  return j.conclude();
}

Judgement judge_acr_images(const json& snapshot) {
  const KubeNames n = kube_names(snapshot);
  const std::string acr = trim(config_value(snapshot, "ACR_LOGIN_SERVER"));
  if (acr.empty()) return Judgement::cannot_judge("config: ACR_LOGIN_SERVER is not set");
  EntryReader in(snapshot);
  bool deployment_absent = false;
  const json* deployment = in.object(entries::kDeployment, &deployment_absent);
  if (in.blocked()) return in.cannot_judge();

  Judgement j;
  if (deployment_absent) {
    j.findings.push_back(deployment_missing(snapshot, n));
    return j.conclude();
  }
  const std::string deployment_id = resource("Deployment", n.ns, n.deployment);
  const std::string expected = "from " + acr + ", pinned by sha256 digest or a tag other than latest";
  for (const char* list : {"initContainers", "containers"}) {
    const bool init = std::string_view(list) == "initContainers";
    for (const auto& container : array_at(*deployment, {"spec", "template", "spec", list})) {
      const std::string name = text_at(container, {"name"});
      const std::string image = text_at(container, {"image"});
      const auto ref = parse_image_reference(image);
      std::vector<std::string> problems;
      if (image.empty()) problems.push_back("no image");
      if (!image.empty() && !iequals(ref.registry, acr)) problems.push_back("registry " + ref.registry);
      if (!ref.digest.empty()) {
        if (!is_sha256_digest(ref.digest)) problems.push_back("malformed digest " + ref.digest);
      } else if (!image.empty() && ref.tag.empty()) {
        problems.push_back("no tag (pulls latest)");
      } else if (ref.tag == "latest") {
        problems.push_back("tag latest");
      }
      j.findings.push_back({std::string(init ? "initContainer " : "container ") + name + " image", problems.empty(),
                            expected, problems.empty() ? image : image + " (" + join(problems) + ")", deployment_id});
    }
  }
  if (j.findings.empty())
    j.findings.push_back({"deployment has containers", false, "at least one container in the pod template",
                          "none", deployment_id});
  return j.conclude();
}

Judgement judge_internal_only(const json& snapshot) {
  const KubeNames n = kube_names(snapshot);
  EntryReader in(snapshot);
  bool deployment_absent = false;
  const json* deployment = in.object(entries::kDeployment, &deployment_absent);
  const json* services = in.items(entries::kServices);
  const json* ingresses = in.items(entries::kIngresses);

  Judgement j;
  if (deployment_absent) {
    j.findings.push_back(deployment_missing(snapshot, n));
    return j.conclude();
  }
  const std::string service_check = "no LoadBalancer/NodePort service selects the LangFuse pods";
  const std::string ingress_check = "no Ingress routes to the LangFuse pods";
  // Both checks need the pods' labels and the Services that select them; the Ingress check needs
  // the Ingresses too, and nothing else needs those.
  if (!deployment || !services) {
    std::vector<std::string> why;
    for (const char* e : {entries::kDeployment, entries::kServices})
      if (auto f = in.failure(e)) why.push_back(*f);
    j.findings.push_back(unjudged(service_check, "the pod template labels and the Services", join(why, "; ")));
    j.findings.push_back(unjudged(ingress_check, "the Services that select the pods", join(why, "; ")));
    return j.conclude();
  }
  const json& labels = template_labels(*deployment);
  std::set<std::string> selecting;  // Services whose selector picks the LangFuse pods
  std::size_t exposing = 0;
  for (const auto& service : *services) {
    const json* selector = at(service, {"spec", "selector"});
    if (!selector || !selector_matches(*selector, labels)) continue;
    const std::string name = text_at(service, {"metadata", "name"});
    selecting.insert(name);
    const auto ways = external_exposure(service);
    if (ways.empty()) continue;
    ++exposing;
    j.findings.push_back({"no LoadBalancer/NodePort service selects the LangFuse pods", false,
                          "only cluster-internal Services select " + labels_text(labels), join(ways),
                          resource("Service", n.ns, name)});
  }
  if (exposing == 0)
    j.findings.push_back({"no LoadBalancer/NodePort service selects the LangFuse pods", true,
                          "only cluster-internal Services select " + labels_text(labels),
                          std::to_string(selecting.size()) + " selecting Service(s), none exposed",
                          resource("Deployment", n.ns, n.deployment)});

  if (!ingresses) {
    j.findings.push_back(unjudged(ingress_check, "the Ingresses read", *in.failure(entries::kIngresses)));
    return j.conclude();
  }
  std::size_t routing = 0;
  for (const auto& ingress : *ingresses) {
    const std::string name = text_at(ingress, {"metadata", "name"});
    std::vector<std::string> routes;
    const std::string fallback = text_at(ingress, {"spec", "defaultBackend", "service", "name"});
    if (selecting.count(fallback)) routes.push_back("defaultBackend -> " + fallback);
    for (const auto& rule : array_at(ingress, {"spec", "rules"})) {
      for (const auto& path : array_at(rule, {"http", "paths"})) {
        const std::string backend = text_at(path, {"backend", "service", "name"});
        if (!selecting.count(backend)) continue;
        const std::string host = text_at(rule, {"host"});
        const std::string prefix = text_at(path, {"path"});
        routes.push_back((host.empty() ? "*" : host) + (prefix.empty() ? "/" : prefix) + " -> " + backend);
      }
    }
    if (routes.empty()) continue;
    ++routing;
    j.findings.push_back({"no Ingress routes to the LangFuse pods", false,
                          "no Ingress backend names a Service that selects the LangFuse pods", join(routes),
                          resource("Ingress", n.ns, name)});
  }
  if (routing == 0)
    j.findings.push_back({"no Ingress routes to the LangFuse pods", true,
                          "no Ingress backend names a Service that selects the LangFuse pods",
                          std::to_string(ingresses->size()) + " Ingress(es), none routing to them",
                          resource("Deployment", n.ns, n.deployment)});
  return j.conclude();
}

std::optional<std::int64_t> deployment_revision(const json& deployment) {
  return parse_integer(text_at(deployment, {"metadata", "annotations", "deployment.kubernetes.io/revision"}));
}

std::vector<OwnedRevision> owned_revisions(const json& deployment, const json& replicasets) {
  const std::string name = text_at(deployment, {"metadata", "name"});
  const std::string uid = text_at(deployment, {"metadata", "uid"});
  std::vector<OwnedRevision> out;
  if (!replicasets.is_array()) return out;
  for (const auto& rs : replicasets) {
    const auto& refs = array_at(rs, {"metadata", "ownerReferences"});
    const bool owned = std::any_of(refs.begin(), refs.end(), [&](const json& ref) {
      if (text_at(ref, {"kind"}) != "Deployment") return false;
      // A uid tells a recreated Deployment from its namesake.
      return uid.empty() ? text_at(ref, {"name"}) == name : text_at(ref, {"uid"}) == uid;
    });
    if (!owned) continue;
    if (auto r = parse_integer(text_at(rs, {"metadata", "annotations", "deployment.kubernetes.io/revision"})))
      out.push_back({*r, text_at(rs, {"metadata", "name"}), first_image(rs)});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.revision < b.revision; });
  return out;
}

bool undo_was_skipped(const std::string& kubectl_output) {
  return kubectl_output.find("skipped rollback") != std::string::npos;
}

std::string first_image(const json& workload) {
  const auto& containers = array_at(workload, {"spec", "template", "spec", "containers"});
  return containers.empty() ? std::string() : text_at(containers.front(), {"image"});
}

Judgement judge_rollback_possible(const json& snapshot) {
  const KubeNames n = kube_names(snapshot);
  EntryReader in(snapshot);
  bool deployment_absent = false;
  const json* deployment = in.object(entries::kDeployment, &deployment_absent);
  const json* replicasets = in.items(entries::kReplicaSets);
  const json* dry_run = in.object(entries::kRolloutUndoDryRun, nullptr);
  if (in.blocked()) return in.cannot_judge();

  // Older snapshots hold `kubectl rollout undo --dry-run=server`'s exit code and output; newer
  // ones the dry-run update it amounts to, or kubectl's refusal, which was never sent.
  const std::string refused = text_at(*dry_run, {"refused"});
  const auto exit_code = refused.empty() ? count_at(*dry_run, {"exit_code"}, -1) : 1;
  const std::string stdout_text = text_at(*dry_run, {"stdout"});
  const std::string message = refused.empty() ? last_line(text_at(*dry_run, {"stderr"})) : refused;
  if (exit_code != 0 && refused.empty() && is_access_failure(message))
    return Judgement::cannot_judge(std::string(entries::kRolloutUndoDryRun) + ": exit " + std::to_string(exit_code) + ": " + message);

  Judgement j;
  const std::string deployment_id = resource("Deployment", n.ns, n.deployment);
  if (deployment_absent) {
    j.findings.push_back(deployment_missing(snapshot, n));
  } else {
    const std::string current_text =
        text_at(*deployment, {"metadata", "annotations", "deployment.kubernetes.io/revision"});
    const auto current = deployment_revision(*deployment);
    const auto revisions = owned_revisions(*deployment, *replicasets);
    std::vector<std::string> listed;
    for (const auto& r : revisions) listed.push_back(std::to_string(r.revision));
    const bool previous = current && std::any_of(revisions.begin(), revisions.end(), [&](const auto& r) { return r.revision < *current; });
    j.findings.push_back({"deployment has a previous revision", previous,
                          "an owned ReplicaSet with a revision below the current " +
                              (current_text.empty() ? std::string("(none recorded)") : current_text),
                          listed.empty() ? "no owned ReplicaSet with a revision"
                                         : "owned ReplicaSet revisions " + join(listed),
                          deployment_id});
  }
  // "skipped rollback" exits 0 yet means nothing would change: there is nothing to go back to.
  const bool skipped = undo_was_skipped(stdout_text) || undo_was_skipped(refused);
  const std::string result = text_at(*dry_run, {"result"});
  const std::string outcome = exit_code == 0 ? (result.empty() ? trim(stdout_text) : result) : message;
  j.findings.push_back({"server-side dry run of rollout undo succeeds", exit_code == 0 && !skipped,
                        "the server accepts the undo to the previous revision (rollout undo, server dry run)",
                        refused.empty() ? "exit " + std::to_string(exit_code) + (outcome.empty() ? "" : ": " + outcome)
                                        : "refused before asking the server: " + refused,
                        deployment_id});
  return j.conclude();
}

}  // namespace infra_dod
