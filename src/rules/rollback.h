#pragma once
// The runbook's rollback procedures, judged from what the rollback smokes recorded
// (src/smokes/rollback.h). Each record is one JSON object, written to evidence as it is judged,
// so a reviewer reads the same facts the verdict came from.
#include <nlohmann/json.hpp>
#include <optional>

#include "rules/judgement.h"
#include "rules/kube_rules.h"

namespace infra_dod {

// What `kubectl rollout undo` restores without --to-revision: the newest owned ReplicaSet below
// the Deployment's current revision. Nothing when there is no earlier revision.
std::optional<OwnedRevision> undo_target(const nlohmann::json& deployment, const nlohmann::json& replicasets);

// What `kubectl rollout undo` (no --to-revision) would write, worked out as kubectl 1.32 does
// it: the previous revision is the second newest owned ReplicaSet; the Deployment gets that
// ReplicaSet's pod template (its pod-template-hash label dropped) and annotations (kubectl's
// bookkeeping annotations kept from the Deployment). `refusal` holds kubectl's own words where it
// stops before asking the server: no rollout history, a paused deployment, or the template
// already matching ("skipped rollback"). `replicasets` is the list or its items.
struct UndoPlan {
  nlohmann::json object;  // the Deployment to send, resourceVersion kept (a conflict is a 409)
  std::int64_t revision = 0;
  std::string refusal;
};
UndoPlan plan_rollout_undo(const nlohmann::json& deployment, const nlohmann::json& replicasets);

// ROLLBACK-WORKLOAD. The record:
//   {"deployment": "default/langfuse", "from_revision": 2,
//    "target": {"revision": 1, "replicaset": "...", "image": "..."} | null,
//    "dry_run": {"exit_code": 0, "output": "..."},
//    "undo":    {"exit_code": 0, "output": "..."},            (absent when not attempted)
//    "status":  {"exit_code": 0, "output": "..."},            (absent when not attempted)
//    "after":   {"revision": 3, "replicaset": "...", "image": "..."}}  (absent when not read)
// Passes when the dry run named a revision to restore, the undo was accepted (not "skipped
// rollback"), the rollout completed, and the Deployment now runs the target's ReplicaSet and image.
Judgement judge_workload_rollback(const nlohmann::json& record);

// ROLLBACK-REMOVAL. The record:
//   {"objects": [{"resource": "deployment/langfuse", "namespace": "default",
//                 "delete": {"exit_code": 0, "output": "..."},
//                 "after": "not-found" | "present", "detail": "deletionTimestamp ..., finalizers [...]"}],
//    "wait_s": 60}
// Passes when every object answers NotFound after its delete.
Judgement judge_removal(const nlohmann::json& record);

// ROLLBACK-ABSENCE. The record:
//   {"resources": [{"id": "...", "command": "az resource show --ids ...", "status": 404,
//                   "code": "ResourceNotFound", "message": "...", "kind": "not-found"}]}
// Any 404 is absence (its code is recorded, not branched on); a 200 is a failure naming the
// resource; any other answer (401, 403, 5xx, transport) means the check could not be made, and
// the whole row is `error` even when another resource was found present.
Judgement judge_absence(const nlohmann::json& record);

}  // namespace infra_dod
