#include "smokes/ui_smoke.h"

#include <algorithm>

#include "rules/ui_smoke.h"
#include "runtime/crypto.h"
#include "runtime/secrets.h"

namespace infra_dod {

SmokeResult run_ui_smoke(const Config& cfg, const Evidence& ev, const std::string& dod_item) {
  SmokeResult out;
  out.headline = "LangFuse UI smoke";
  const auto endpoint = LangfuseEndpoint::open(cfg);
  if (!endpoint) {
    out.judgement = Judgement::cannot_judge(endpoint.error().message);
    return out;
  }
  if (auto written = ev.append("langfuse-endpoint.jsonl", dod_item, endpoint->describe()); written)
    out.evidence.push_back(written.value());
  // Refused before the request: an artifact the smoke could only damage.
  const auto artifact = ArtifactFile::open(cfg, "LANGFUSE_SMOKE_ARTIFACT_FILE");
  if (!artifact) {
    out.judgement = Judgement::cannot_judge(artifact.error().message);
    return out;
  }
  const ArtifactFile* file = artifact->has_value() ? &**artifact : nullptr;
  const std::string url = endpoint->base_url() + "/";
  const auto r = HttpClient().send(configured_request(cfg, "GET", url));
  if (!r) {
    out.judgement = Judgement::cannot_judge("GET " + url + ": " + r.error().what());
    return out;
  }
  const nlohmann::json fields = {{"namespace", cfg.value("LANGFUSE_NAMESPACE")},
                                 {"url", url},
                                 {"http_code", r->status},
                                 {"response_sha256", sha256_hex(r->body)},
                                 {"response_summary", sanitized_summary(SecretRegistry::process().mask(r->body))},
                                 // That the page set a cookie, never the cookie.
                                 {"set_cookie_seen", r->header("set-cookie").has_value()},
                                 {"result", (r->status == 200 || r->status == 302) ? "pass" : "fail"}};
  const auto printed = print_smoke_line(ev, "ui-smoke", dod_item, fields, file);
  if (!printed.evidence_file.empty()) out.evidence.push_back(printed.evidence_file);
  if (!printed.artifact_error.empty()) {
    out.judgement = Judgement::cannot_judge(printed.artifact_error);
    return out;
  }
  out.judgement = judge_with_artifact(judge_ui_answer(r->status, url), file, ev, dod_item, {printed.line},
                                      {"http_code"}, out);
  return out;
}

}  // namespace infra_dod
