#pragma once
// DEV-043's rules over the Kubernetes part of an inventory snapshot (entries kube.*).
#include <nlohmann/json.hpp>
#include <string>

#include "rules/judgement.h"

namespace infra_dod {

// kubectl's own rollout rule (kubectl rollout status): observedGeneration >= generation,
// updatedReplicas == spec.replicas, no old replicas left (replicas == updatedReplicas),
// availableReplicas >= updatedReplicas, and at least one replica. `why` says which part fails.
bool is_rolled_out(const nlohmann::json& deployment, std::string* why);

Judgement judge_deployment(const nlohmann::json& snapshot);         // DEV043-DEPLOYMENT
Judgement judge_acr_images(const nlohmann::json& snapshot);         // DEV043-ACR-IMAGE
Judgement judge_internal_only(const nlohmann::json& snapshot);      // DEV043-INTERNAL-ONLY
Judgement judge_rollback_possible(const nlohmann::json& snapshot);  // DEV043-ROLLBACK-DOC

}  // namespace infra_dod
