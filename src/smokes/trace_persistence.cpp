#include "smokes/trace_persistence.h"

#include <algorithm>
#include <optional>

#include "clients/kube.h"
#include "rules/trace_smoke.h"
#include "runtime/crypto.h"
#include "runtime/secrets.h"
#include "runtime/text.h"
#include "runtime/json_field.h"

namespace infra_dod {

namespace {

constexpr const char* kKeyNames[2] = {"langfuse-public-key", "langfuse-secret-key"};

// One run of the smoke: its stage lines and the final line the judgement reads.
class TraceSmoke {
 public:
  TraceSmoke(const Config& cfg, const Evidence& ev, std::string dod_item, Clock& clock)
      : cfg_(cfg), ev_(ev), item_(std::move(dod_item)), clock_(clock), kubectl_(cfg), http_(clock), trace_id_(guid_v4()) {
    out_.headline = "LangFuse trace persistence smoke";
    final_ = {{"namespace", cfg.value("LANGFUSE_NAMESPACE")},
              {"trace_id", trace_id_},
              {"ingest_http_code", 0},
              {"ingest_accepted", false},
              {"fetch_before_http_code", 0},
              {"fetch_after_http_code", 0}};
  }

  SmokeResult run() {
    auto endpoint = LangfuseEndpoint::open(cfg_);
    if (!endpoint) return error(endpoint.error().message);
    endpoint_.emplace(std::move(endpoint.value()));
    base_ = endpoint_->base_url();
    record_endpoint("start");
    // Refused before the first stage: an artifact the smoke could only damage.
    auto artifact = ArtifactFile::open(cfg_, "LANGFUSE_TRACE_SMOKE_ARTIFACT_FILE");
    if (!artifact) return error(artifact.error().message);
    artifact_ = std::move(artifact.value());
    stages();
    if (artifact_error_.empty())
      out_.judgement = judge_with_artifact(std::move(out_.judgement), artifact_ ? &*artifact_ : nullptr, ev_, item_,
                                           printed_, {"stage", "result", "ingest_http_code", "fetch_before_http_code",
                                                      "fetch_after_http_code"},
                                           out_);
    return std::move(out_);
  }

 private:
  void stages() {
    if (!credentials()) return;
    if (!ingest()) return;
    if (!fetch("fetch_before_restart", "fetch_before_http_code")) return;
    if (!restart()) return;
    if (!fetch("fetch_after_restart", "fetch_after_http_code")) return;
    finish("complete", "pass", "");
  }

  void emit(const std::string& stage, nlohmann::json fields) {
    fields["stage"] = stage;
    fields["trace_id"] = trace_id_;
    auto printed = print_smoke_line(ev_, "trace-persistence", item_, fields, artifact_ ? &*artifact_ : nullptr);
    if (!printed.evidence_file.empty() &&
        std::find(out_.evidence.begin(), out_.evidence.end(), printed.evidence_file) == out_.evidence.end())
      out_.evidence.push_back(printed.evidence_file);
    if (!printed.artifact_error.empty() && artifact_error_.empty()) artifact_error_ = printed.artifact_error;
    printed_.push_back(std::move(printed.line));
  }
  // The last line carries the verdict; the judgement reads only that line.
  bool finish(const std::string& stage, const std::string& result, const std::string& why) {
    final_["stage"] = stage;
    final_["result"] = result;
    if (!why.empty()) final_["error"] = why;
    emit(stage, final_);
    out_.judgement = artifact_error_.empty() ? judge_trace_persistence(final_) : Judgement::cannot_judge(artifact_error_);
    return false;
  }
  SmokeResult error(const std::string& why) {
    out_.judgement = Judgement::cannot_judge(why);
    return std::move(out_);
  }
  bool fail_stage(const std::string& stage, const std::string& why) {
    emit(stage, {{"result", "error"}, {"error", why}});
    out_.judgement = Judgement::cannot_judge("stage " + stage + ": " + why);
    return false;
  }

  bool credentials() {
    const std::string secret_name = cfg_.value("LANGFUSE_SECRET_NAME");
    KubeError kerr;
    const auto secret =
        kubectl_.get_json({"get", "secret", secret_name, "-n", cfg_.value("LANGFUSE_NAMESPACE"), "-o", "json"}, &kerr);
    if (!secret) {
      if (kerr.kind == ErrorKind::not_found) {
        emit("credentials", {{"result", "error"}, {"error", secret.error().message}});
        return finish("credentials", "fail", "secret " + secret_name + " not found");
      }
      return fail_stage("credentials", secret.error().message);
    }
    const auto data = field(*secret, "data", nlohmann::json::object());
    std::string keys[2];
    for (int i = 0; i < 2; ++i) {
      const auto decoded = data.contains(kKeyNames[i]) && data[kKeyNames[i]].is_string()
                               ? base64_decode(data[kKeyNames[i]].get<std::string>())
                               : std::nullopt;
      if (decoded && !decoded->empty()) {
        keys[i] = *decoded;
        SecretRegistry::process().add(keys[i], kKeyNames[i]);
      }
    }
    for (int i = 0; i < 2; ++i)
      if (keys[i].empty()) return finish("credentials", "fail", std::string(kKeyNames[i]) + " missing in " + secret_name);
    emit("credentials", {{"result", "ok"}, {"secret_name", secret_name}});
    const std::string basic = base64_encode(keys[0] + ":" + keys[1]);
    SecretRegistry::process().add(basic, "LangFuse basic credentials");
    auth_ = "Basic " + basic;
    return true;
  }

  bool ingest() {
    const std::string event_id = guid_v4();
    const auto batch = fill_template("langfuse/trace-batch.json", {{"event_id", event_id},
                                                                   {"trace_id", trace_id_},
                                                                   {"now", utc_iso(clock_.utc_now())},
                                                                   {"run_id", ev_.run().run_id}});
    if (!batch) return fail_stage("ingest", batch.error().message);
    HttpRequest req = configured_request(cfg_, "POST", base_ + "/api/public/ingestion");
    req.headers = {{"Authorization", auth_}, {"Content-Type", "application/json"}};
    req.body = batch->dump();
    const auto ing = http_.send(req);
    if (!ing) return fail_stage("ingest", ing.error().what());
    std::string why;
    const bool accepted =
        ingestion_accepted(ing->status, nlohmann::json::parse(ing->body, nullptr, false), event_id, &why);
    final_["ingest_http_code"] = ing->status;
    final_["ingest_accepted"] = accepted;
    emit("ingest", {{"ingest_http_code", ing->status}, {"ingest_accepted", accepted}, {"event_id", event_id}});
    return accepted || finish("ingest", "fail", why);
  }

  // LangFuse ingests asynchronously: the trace is polled until it answers 200.
  bool fetch(const std::string& stage, const std::string& field) {
    const auto visible = std::chrono::seconds(cfg_.integer("LANGFUSE_TRACE_VISIBLE_TIMEOUT_S"));
    long last = 0;
    std::string last_error;
    const auto polled = poll_until(clock_, visible, std::chrono::seconds(1), [&](int, auto) {
      HttpRequest get = configured_request(cfg_, "GET", base_ + "/api/public/traces/" + trace_id_);
      get.headers = {{"Authorization", auth_}};
      get.max_attempts = 1;
      get.total_timeout = std::min<std::chrono::milliseconds>(get.total_timeout, std::chrono::seconds(10));
      const auto r = http_.send(get);
      if (!r) {
        last_error = r.error().message;  // e.g. refused while the pods are replaced
        return false;
      }
      last = r->status;
      return last == 200;
    });
    final_[field] = last;
    emit(stage, {{field, last}, {"polls", polled.attempts}, {"elapsed_ms", polled.elapsed.count()}, {"last_error", last_error}});
    if (polled.outcome == PollOutcome::done) return true;
    return finish(stage, "fail",
                  "trace not readable within " + std::to_string(visible.count()) + " s" +
                      (last_error.empty() ? "" : " (" + last_error + ")"));
  }

  // The runbook's disruptive step.
  bool restart() {
    const std::string ns = cfg_.value("LANGFUSE_NAMESPACE");
    const std::string deployment = "deployment/" + cfg_.value("LANGFUSE_DEPLOYMENT");
    const auto restarted = kubectl_.run({"rollout", "restart", deployment, "-n", ns});
    if (!restarted.succeeded()) return fail_stage("restart", restarted.describe());
    const long rollout_s = cfg_.integer("LANGFUSE_ROLLOUT_TIMEOUT_S");
    const auto status = kubectl_.run({"rollout", "status", deployment, "-n", ns, "--timeout=" + std::to_string(rollout_s) + "s"},
                                     std::nullopt, std::chrono::seconds(rollout_s + 30));
    emit("restart", {{"rollout_restart", trim(restarted.redacted_out())},
                     {"rollout_status_exit", status.exit_code},
                     {"rollout_status", truncate_utf8(trim(status.redacted_out() + status.redacted_err()), 2000)}});
    if (!status.succeeded()) return finish("restart", "fail", "rollout status: " + status.describe());
    // The restart replaced the pods a port-forward was bound to.
    const auto reopened = endpoint_->reopen();
    if (!reopened) return fail_stage("restart", reopened.error().message);
    base_ = endpoint_->base_url();
    record_endpoint("after_restart");
    return true;
  }

  void record_endpoint(const std::string& when) {
    nlohmann::json fields = endpoint_->describe();
    fields["when"] = when;
    if (auto written = ev_.append("langfuse-endpoint.jsonl", item_, fields); written) {
      if (std::find(out_.evidence.begin(), out_.evidence.end(), written.value()) == out_.evidence.end())
        out_.evidence.push_back(written.value());
    }
  }

  const Config& cfg_;
  const Evidence& ev_;
  std::string item_;
  Clock& clock_;
  const Kubectl kubectl_;
  const HttpClient http_;
  const std::string trace_id_;
  std::string base_, auth_, artifact_error_;
  std::optional<ArtifactFile> artifact_;
  std::optional<LangfuseEndpoint> endpoint_;
  std::vector<nlohmann::json> printed_;  // every line this run printed, in order
  nlohmann::json final_;
  SmokeResult out_;
};

}  // namespace

SmokeResult run_trace_persistence(const Config& cfg, const Evidence& ev, const std::string& dod_item, Clock& clock) {
  return TraceSmoke(cfg, ev, dod_item, clock).run();
}

}  // namespace infra_dod
