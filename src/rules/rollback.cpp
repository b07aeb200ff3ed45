#include "rules/rollback.h"

#include <set>
#include <string>

#include "rules/snapshot_reader.h"
#include "runtime/text.h"
#include "runtime/json_field.h"

namespace infra_dod {

namespace {

using nlohmann::json;
using namespace rules;

long exit_of(const json& record, const char* step) {
  const json* v = at(record, {step, "exit_code"});
  return v && v->is_number_integer() ? v->get<long>() : -1;
}

std::string step_text(const json& record, const char* step) {
  const json* step_json = at(record, {step});
  if (!step_json) return "not attempted";
  const std::string output = trim(text_at(record, {step, "output"}));
  return "exit " + std::to_string(exit_of(record, step)) + (output.empty() ? "" : ": " + last_line(output));
}

std::string revision_text(const json& r) {
  if (!r.is_object()) return "none";
  return "revision " + (r.contains("revision") ? r["revision"].dump() : std::string("?")) + " (ReplicaSet " +
         field(r, "replicaset", "?") + ", image " + field(r, "image", "?") + ")";
}

}  // namespace

std::optional<OwnedRevision> undo_target(const json& deployment, const json& replicasets) {
  const auto current = deployment_revision(deployment);
  if (!current) return std::nullopt;
  std::optional<OwnedRevision> best;
  for (const auto& r : owned_revisions(deployment, replicasets))
    if (r.revision < *current) best = r;  // ascending: the last one below is the newest
  return best;
}

namespace {

// The annotations kubectl keeps from the Deployment and never copies from the ReplicaSet.
bool undo_skips_annotation(const std::string& key) {
  static const std::set<std::string> skip = {
      "kubectl.kubernetes.io/last-applied-configuration", "deployment.kubernetes.io/revision",
      "deployment.kubernetes.io/revision-history",        "deployment.kubernetes.io/desired-replicas",
      "deployment.kubernetes.io/max-replicas",            "deprecated.deployment.rollback.to"};
  return skip.count(key) > 0;
}

json without_hash(json tmpl) {
  if (tmpl.contains("/metadata/labels"_json_pointer) && tmpl["metadata"]["labels"].is_object())
    tmpl["metadata"]["labels"].erase("pod-template-hash");
  return tmpl;
}

}  // namespace

UndoPlan plan_rollout_undo(const json& deployment, const json& replicasets) {
  UndoPlan plan;
  const std::string name = text_at(deployment, {"metadata", "name"});
  // A ReplicaSetList as the API server returns it, or its items.
  const json& items = replicasets.is_array() ? replicasets : array_at(replicasets, {"items"});
  const auto owned = owned_revisions(deployment, items);  // ascending
  if (owned.size() < 2) {
    plan.refusal = "error: no rollout history found for deployment \"" + name + "\"";
    return plan;
  }
  const OwnedRevision& previous = owned[owned.size() - 2];
  const json* rs = nullptr;
  for (const auto& item : items)
    if (text_at(item, {"metadata", "name"}) == previous.replicaset) rs = &item;
  if (!rs) {
    plan.refusal = "error: ReplicaSet " + previous.replicaset + " is not in the list that named it";
    return plan;
  }
  if (deployment.contains("/spec/paused"_json_pointer) && deployment["spec"]["paused"] == true) {
    plan.refusal = "error: you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again";
    return plan;
  }
  const json tmpl = without_hash(field(field(*rs, "spec", json::object()), "template", json::object()));
  if (tmpl == without_hash(field(field(deployment, "spec", json::object()), "template", json::object()))) {
    plan.refusal = "skipped rollback (current template already matches revision " + std::to_string(previous.revision) + ")";
    return plan;
  }
  json annotations = json::object();
  const json current = deployment.contains("/metadata/annotations"_json_pointer) ? deployment["metadata"]["annotations"] : json::object();
  for (const auto& [k, v] : current.items())
    if (undo_skips_annotation(k)) annotations[k] = v;
  if (rs->contains("/metadata/annotations"_json_pointer))
    for (const auto& [k, v] : (*rs)["metadata"]["annotations"].items())
      if (!undo_skips_annotation(k)) annotations[k] = v;
  plan.object = deployment;
  plan.object.erase("status");
  plan.object["spec"]["template"] = tmpl;
  plan.object["metadata"]["annotations"] = annotations;
  plan.revision = previous.revision;
  return plan;
}

Judgement judge_workload_rollback(const json& record) {
  Judgement j;
  const std::string resource = "Deployment/" + field(record, "deployment", std::string("?"));
  const json target = field(record, "target", json());
  const bool skipped_dry = undo_was_skipped(text_at(record, {"dry_run", "output"}));
  j.findings.push_back({"server-side dry run names a revision to restore",
                        target.is_object() && exit_of(record, "dry_run") == 0 && !skipped_dry,
                        "an earlier revision and exit 0 from kubectl rollout undo --dry-run=server",
                        revision_text(target) + "; dry run " + step_text(record, "dry_run"), resource});
  if (!j.findings.back().ok) return j.conclude();
  const bool skipped = undo_was_skipped(text_at(record, {"undo", "output"}));
  j.findings.push_back({"rollout undo accepted", exit_of(record, "undo") == 0 && !skipped,
                        "exit 0 and \"rolled back\" from kubectl rollout undo", step_text(record, "undo"), resource});
  if (!j.findings.back().ok) return j.conclude();
  j.findings.push_back({"rollout completes", exit_of(record, "status") == 0,
                        "exit 0 from kubectl rollout status within the deadline", step_text(record, "status"), resource});
  const json after = field(record, "after", json());
  const bool restored = after.is_object() && field(after, "replicaset", "") == field(target, "replicaset", "-") &&
                        field(after, "image", "") == field(target, "image", "-");
  j.findings.push_back({"deployment runs the restored revision", restored,
                        "the ReplicaSet and image of " + revision_text(target),
                        after.is_object() ? revision_text(after) : "not read", resource});
  return j.conclude();
}

Judgement judge_removal(const json& record) {
  Judgement j;
  const auto& objects = array_at(record, {"objects"});
  const std::string wait = record.contains("wait_s") ? record["wait_s"].dump() : "?";
  for (const auto& o : objects) {
    const std::string after = field(o, "after", "");
    const std::string detail = field(o, "detail", "");
    j.findings.push_back({field(o, "resource", "?") + " answers NotFound after delete", after == "not-found",
                          "NotFound within " + wait + " s of kubectl delete",
                          (after.empty() ? std::string("not checked") : after) + (detail.empty() ? "" : " (" + detail + ")") +
                              "; delete " + step_text(o, "delete"),
                          field(o, "namespace", "?") + "/" + field(o, "resource", "?")});
  }
  if (j.findings.empty()) return Judgement::cannot_judge("no object was removed");
  return j.conclude();
}

Judgement judge_absence(const json& record) {
  Judgement j;
  std::vector<std::string> unjudged;
  for (const auto& r : array_at(record, {"resources"})) {
    const long status = field(r, "status", 0L);
    const std::string id = field(r, "id", "?");
    const std::string code = field(r, "code", "");
    if (status == 404 || status == 200) {
      j.findings.push_back({"resource absent", status == 404, "404 NotFound (" + field(r, "command", "") + ")",
                            std::to_string(status) + (code.empty() ? "" : " " + code), id});
    } else {
      unjudged.push_back(id + ": " + (status ? std::to_string(status) + " " : std::string()) +
                         field(r, "kind", "error") + (code.empty() ? "" : " " + code) + ": " + field(r, "message", ""));
    }
  }
  if (!unjudged.empty()) {
    Judgement e = Judgement::cannot_judge("absence not checkable: " + join(unjudged, "; "));
    e.findings = std::move(j.findings);
    return e;
  }
  if (j.findings.empty()) return Judgement::cannot_judge("ROLLBACK_EXPECT_ABSENT names no resource");
  return j.conclude();
}

}  // namespace infra_dod
