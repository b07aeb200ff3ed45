#pragma once
// DEV-043's rules over the Kubernetes part of an inventory snapshot (entries kube.*).
#include <nlohmann/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>
#include <string_view>

#include "rules/judgement.h"

namespace infra_dod {

// kubectl's own rollout rule (kubectl rollout status): observedGeneration >= generation,
// updatedReplicas == spec.replicas, no old replicas left (replicas == updatedReplicas),
// availableReplicas >= updatedReplicas, and at least one replica. `why` says which part fails.
bool is_rolled_out(const nlohmann::json& deployment, std::string* why);

// A container image reference split the way the container runtime reads it: a first path
// component is a registry host only when it contains '.' or ':', is "localhost", or has upper
// case; otherwise the image comes from Docker Hub ("docker.io").
struct ImageReference {
  std::string registry;    // "acraiagentdev.azurecr.io", "docker.io"
  std::string repository;  // "langfuse/langfuse"
  std::string tag;         // empty when none was written (the runtime then pulls "latest")
  std::string digest;      // "sha256:<hex>", empty when none was written
};
ImageReference parse_image_reference(std::string_view image);
// A digest of the form sha256:<64 lower-case hex>.
bool is_sha256_digest(std::string_view digest);

// A Deployment's revision (annotation deployment.kubernetes.io/revision), when it has one.
std::optional<std::int64_t> deployment_revision(const nlohmann::json& deployment);
// The ReplicaSets the Deployment owns (by uid; by name when it has none), with their revision
// and first container image, oldest revision first. `replicasets` is a list's items.
struct OwnedRevision {
  std::int64_t revision = 0;
  std::string replicaset;
  std::string image;
};
std::vector<OwnedRevision> owned_revisions(const nlohmann::json& deployment, const nlohmann::json& replicasets);
// kubectl rollout undo's "skipped rollback (current template already matches revision N)":
// exit 0, yet nothing would change (cli-contracts D6).
bool undo_was_skipped(const std::string& kubectl_output);
// The first container's image of a Deployment or ReplicaSet pod template; empty when none.
std::string first_image(const nlohmann::json& workload);

Judgement judge_deployment(const nlohmann::json& snapshot);         // DEV043-DEPLOYMENT
Judgement judge_acr_images(const nlohmann::json& snapshot);         // DEV043-ACR-IMAGE
Judgement judge_internal_only(const nlohmann::json& snapshot);      // DEV043-INTERNAL-ONLY
Judgement judge_rollback_possible(const nlohmann::json& snapshot);  // DEV043-ROLLBACK-DOC

}  // namespace infra_dod
