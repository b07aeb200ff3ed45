#include "smokes/rollback.h"

#include "clients/azure.h"
#include "clients/kube.h"
#include "rules/arm_id.h"
#include "rules/rollback.h"
#include "runtime/text.h"
#include "runtime/json_field.h"

namespace infra_dod {

namespace {

using nlohmann::json;

constexpr const char* kStream = "rollback";
// The version current az sends for provider reads (arm-contracts, resource groups).
constexpr const char* kProvidersApiVersion = "2024-11-01";

json step_of(const ProcessResult& r) {
  const std::string output = r.started && !r.timed_out ? trim(r.redacted_out() + r.redacted_err()) : r.describe();
  return {{"command", r.command_line()}, {"exit_code", r.started && !r.timed_out ? r.exit_code : -1},
          {"output", truncate_utf8(output, 2000)}};
}

// A kubectl failure that says the cluster could not be asked, which is no verdict.
std::optional<std::string> no_verdict_from(const ProcessResult& r) {
  if (r.succeeded()) return std::nullopt;
  if (!r.started || r.timed_out || r.signal) return r.describe();
  const KubeError e = classify_kubectl_failure(r);
  if (e.kind == ErrorKind::process || e.kind == ErrorKind::not_found) return std::nullopt;
  return r.command_line() + ": " + e.message;
}

class Recorder {
 public:
  Recorder(const Evidence& ev, std::string item, std::string headline) : ev_(ev), item_(std::move(item)) {
    out_.headline = std::move(headline);
  }
  void emit(const std::string& stage, json fields) {
    fields["stage"] = stage;
    if (auto f = ev_.append(kStream, item_, std::move(fields)); f && (out_.evidence.empty() || out_.evidence.back() != f.value()))
      out_.evidence.push_back(f.value());
  }
  SmokeResult judged(const std::string& stage, const json& record, Judgement j) {
    json line = record;
    line["result"] = to_string(j.outcome);
    if (!j.error.empty()) line["error"] = j.error;
    emit(stage, std::move(line));
    out_.judgement = std::move(j);
    return std::move(out_);
  }
  SmokeResult cannot_judge(const std::string& stage, const json& record, const std::string& why) {
    return judged(stage, record, Judgement::cannot_judge(why));
  }

 private:
  const Evidence& ev_;
  std::string item_;
  SmokeResult out_;
};

json revision_json(const OwnedRevision& r) {
  return {{"revision", r.revision}, {"replicaset", r.replicaset}, {"image", r.image}};
}

}  // namespace

SmokeResult run_workload_rollback(const Config& cfg, const Evidence& ev, const std::string& dod_item) {
  const Kubectl kubectl(cfg);
  const std::string ns = cfg.value("LANGFUSE_NAMESPACE");
  const std::string name = cfg.value("LANGFUSE_DEPLOYMENT");
  const std::string deployment = "deployment/" + name;
  Recorder rec(ev, dod_item, "LangFuse workload rollback " + deployment + " -n " + ns);
  json record = {{"deployment", ns + "/" + name}};

  // Which revision the undo restores, read before anything changes.
  KubeError kerr;
  const auto before = kubectl.get_json({"get", "deployment", name, "-n", ns, "-o", "json"}, &kerr);
  if (!before && kerr.kind != ErrorKind::not_found) return rec.cannot_judge("before", record, before.error().message);
  const auto sets = kubectl.get_json({"get", "replicasets", "-n", ns, "-o", "json"}, &kerr);
  if (!sets) return rec.cannot_judge("before", record, sets.error().message);
  const json items = field(*sets, "items", json::array());
  if (before) {
    record["from_revision"] = deployment_revision(*before).value_or(0);
    const auto target = undo_target(*before, items);
    record["target"] = target ? revision_json(*target) : json();
  } else {
    record["target"] = nullptr;
  }

  const auto dry = kubectl.run({"rollout", "undo", deployment, "-n", ns, "--dry-run=server"});
  record["dry_run"] = step_of(dry);
  if (auto why = no_verdict_from(dry)) return rec.cannot_judge("dry_run", record, *why);
  rec.emit("dry_run", record);
  // The real undo only when the dry run named something to restore.
  if (!judge_workload_rollback(record).findings.front().ok)
    return rec.judged("complete", record, judge_workload_rollback(record));

  const auto undo = kubectl.run({"rollout", "undo", deployment, "-n", ns});
  record["undo"] = step_of(undo);
  if (auto why = no_verdict_from(undo)) return rec.cannot_judge("undo", record, *why);
  if (undo.succeeded()) {
    const long rollout_s = cfg.integer("LANGFUSE_ROLLOUT_TIMEOUT_S");
    const auto status = kubectl.run({"rollout", "status", deployment, "-n", ns, "--timeout=" + std::to_string(rollout_s) + "s"},
                                    std::nullopt, std::chrono::seconds(rollout_s + 30));
    record["status"] = step_of(status);
    if (auto why = no_verdict_from(status)) return rec.cannot_judge("status", record, *why);
    const auto after = kubectl.get_json({"get", "deployment", name, "-n", ns, "-o", "json"}, &kerr);
    const auto after_sets = kubectl.get_json({"get", "replicasets", "-n", ns, "-o", "json"}, &kerr);
    if (after && after_sets) {
      const auto current = deployment_revision(*after);
      for (const auto& r : owned_revisions(*after, field(*after_sets, "items", json::array())))
        if (current && r.revision == *current) record["after"] = revision_json(r);
      if (!record.contains("after")) record["after"] = {{"revision", current.value_or(0)}, {"image", first_image(*after)}};
    }
  }
  return rec.judged("complete", record, judge_workload_rollback(record));
}

SmokeResult run_langfuse_removal(const Config& cfg, const Evidence& ev, const std::string& dod_item, Clock& clock) {
  const Kubectl kubectl(cfg);
  const std::string ns = cfg.value("LANGFUSE_NAMESPACE");
  const long wait_s = cfg.integer("ROLLBACK_DELETE_TIMEOUT_S");
  Recorder rec(ev, dod_item, "LangFuse removal in namespace " + ns);
  json record = {{"objects", json::array()}, {"wait_s", wait_s}};
  for (const auto& target : {std::pair<std::string, std::string>{"deployment", cfg.value("LANGFUSE_DEPLOYMENT")},
                              {"service", cfg.value("LANGFUSE_SERVICE")}}) {
    // Named copies, not a structured binding: the poll's lambda captures them, which clang
    // before 16 (clang-tidy's) refuses for bindings.
    const std::string& kind = target.first;
    const std::string& name = target.second;
    json object = {{"resource", kind + "/" + name}, {"namespace", ns}};
    // --wait=false: the NotFound proof below has its own deadline, and names a finalizer that
    // holds the object instead of waiting on it without end.
    const auto del = kubectl.run({"delete", kind, name, "-n", ns, "--wait=false"});
    object["delete"] = step_of(del);
    if (auto why = no_verdict_from(del)) {
      record["objects"].push_back(object);
      return rec.cannot_judge("delete", record, *why);
    }
    std::string blocked;
    json last;
    const auto polled = poll_until(clock, std::chrono::seconds(wait_s), std::chrono::seconds(1), [&](int, auto) {
      KubeError kerr;
      auto got = kubectl.get_json({"get", kind, name, "-n", ns, "-o", "json"}, &kerr);
      if (!got && kerr.kind == ErrorKind::not_found) return true;
      if (!got) {
        blocked = got.error().message;
        return true;  // stop polling: this is no answer about the object
      }
      last = std::move(got.value());
      return false;
    });
    if (!blocked.empty()) {
      record["objects"].push_back(object);
      return rec.cannot_judge("verify", record, blocked);
    }
    object["after"] = polled.outcome == PollOutcome::done ? "not-found" : "present";
    if (polled.outcome != PollOutcome::done) {
      std::string detail;
      if (const auto* ts = last.contains("metadata") ? &last["metadata"] : nullptr; ts && ts->contains("deletionTimestamp"))
        detail = "deletionTimestamp " + field(*ts, "deletionTimestamp", "");
      if (last.contains("/metadata/finalizers"_json_pointer))
        detail += (detail.empty() ? "" : ", ") + std::string("finalizers ") + last["metadata"]["finalizers"].dump();
      object["detail"] = detail;
    }
    object["polls"] = polled.attempts;
    rec.emit("verify", object);
    record["objects"].push_back(std::move(object));
  }
  return rec.judged("complete", record, judge_removal(record));
}

SmokeResult run_absence_checks(const Config& cfg, const Evidence& ev, const std::string& dod_item, Clock& clock) {
  Recorder rec(ev, dod_item, "Azure rollback absence checks");
  json record = {{"resources", json::array()}};
  AzCli az(cfg);
  const auto cloud = az.cloud();
  if (!cloud) return rec.cannot_judge("context", record, "az cloud show: " + cloud.error().message);
  const std::string endpoint = field(field(*cloud, "endpoints", json::object()), "resourceManager", "");
  if (endpoint.empty()) return rec.cannot_judge("context", record, "az cloud show: endpoints.resourceManager missing");
  const auto token = az.access_token("");
  if (!token) return rec.cannot_judge("context", record, "no ARM token: " + token.error().message);
  const HttpClient http(clock);
  const ArmClient arm(endpoint, token.value(), http, cfg);

  for (const auto& id : cfg.list("ROLLBACK_EXPECT_ABSENT")) {
    json r = {{"id", id}, {"command", "az resource show --ids " + id}};
    const auto parsed = parse_arm_id(id);
    if (!parsed) {
      r.update({{"status", 0}, {"kind", "config"}, {"message", "not an ARM resource id (ROLLBACK_EXPECT_ABSENT)"}});
    } else {
      const auto provider = arm.get("/subscriptions/" + parsed->subscription + "/providers/" + parsed->provider,
                                    kProvidersApiVersion, false);
      const auto version = provider.ok ? provider_api_version(provider.value, parsed->type) : std::nullopt;
      if (!provider.ok) {
        r.update({{"status", provider.status}, {"kind", provider.error.kind}, {"code", provider.error.code},
                  {"message", "provider " + parsed->provider + ": " + provider.error.message}});
      } else if (!version) {
        r.update({{"status", 0}, {"kind", "protocol"},
                  {"message", "provider " + parsed->provider + " lists no resource type " + parsed->type}});
      } else {
        const auto got = arm.get(id, *version, false);
        r.update({{"api_version", *version}, {"status", got.status}, {"attempts", got.attempts}});
        if (!got.ok) r.update({{"kind", got.error.kind}, {"code", got.error.code}, {"message", got.error.message}});
      }
    }
    rec.emit("check", r);
    record["resources"].push_back(std::move(r));
  }
  return rec.judged("complete", record, judge_absence(record));
}

}  // namespace infra_dod
