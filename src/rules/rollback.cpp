#include "rules/rollback.h"

#include <string>

#include "rules/snapshot_reader.h"
#include "runtime/text.h"

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
         r.value("replicaset", "?") + ", image " + r.value("image", "?") + ")";
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

Judgement judge_workload_rollback(const json& record) {
  Judgement j;
  const std::string resource = "Deployment/" + record.value("deployment", std::string("?"));
  const json target = record.value("target", json());
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
  const json after = record.value("after", json());
  const bool restored = after.is_object() && after.value("replicaset", "") == target.value("replicaset", "-") &&
                        after.value("image", "") == target.value("image", "-");
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
    const std::string after = o.value("after", "");
    const std::string detail = o.value("detail", "");
    j.findings.push_back({o.value("resource", "?") + " answers NotFound after delete", after == "not-found",
                          "NotFound within " + wait + " s of kubectl delete",
                          (after.empty() ? std::string("not checked") : after) + (detail.empty() ? "" : " (" + detail + ")") +
                              "; delete " + step_text(o, "delete"),
                          o.value("namespace", "?") + "/" + o.value("resource", "?")});
  }
  if (j.findings.empty()) return Judgement::cannot_judge("no object was removed");
  return j.conclude();
}

Judgement judge_absence(const json& record) {
  Judgement j;
  std::vector<std::string> unjudged;
  for (const auto& r : array_at(record, {"resources"})) {
    const long status = r.value("status", 0L);
    const std::string id = r.value("id", "?");
    const std::string code = r.value("code", "");
    if (status == 404 || status == 200) {
      j.findings.push_back({"resource absent", status == 404, "404 NotFound (" + r.value("command", "") + ")",
                            std::to_string(status) + (code.empty() ? "" : " " + code), id});
    } else {
      unjudged.push_back(id + ": " + (status ? std::to_string(status) + " " : std::string()) +
                         r.value("kind", "error") + (code.empty() ? "" : " " + code) + ": " + r.value("message", ""));
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
