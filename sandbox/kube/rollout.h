#pragma once
// What the deployment controller computes from objects alone: whether two pod templates are the
// same, the pod-template-hash, replica counts, revisions and conditions. The controller loop
// that applies them over time is KubeService's (rollout.cpp).
#include <string>

#include "kube/api.h"

namespace infra_dod::sandbox::kube {

// A pod template with its pod-template-hash label and its empty/null fields dropped: equal for
// any two templates the real server would default to the same object.
json template_without_hash(json tmpl);
// The controller's pod-template-hash: a stable digest of the template in the alphabet the real
// controller uses for generated names (no vowels, no look-alike digits).
std::string pod_template_hash(const json& tmpl);
// spec.replicas, 1 when unset.
long desired_replicas(const json& obj);
// The deployment.kubernetes.io/revision annotation, 0 when absent or not a number.
long revision_of(const json& obj);
// Replica counters are omitted when zero, as the real API server serialises them.
void set_count(json& status, const char* key, long n);
// Sets a status condition, moving lastTransitionTime only when its status changes.
void set_condition(json& obj, const std::string& type, const std::string& status, const std::string& reason,
                   const std::string& message);

}  // namespace infra_dod::sandbox::kube
