#include "smokes/ui_smoke.h"

#include "rules/ui_smoke.h"
#include "runtime/crypto.h"
#include "runtime/secrets.h"

namespace infra_dod {

SmokeResult run_ui_smoke(const Config& cfg, const Evidence& ev, const std::string& dod_item) {
  SmokeResult out;
  out.headline = "LangFuse UI smoke";
  const auto base = langfuse_base_url(cfg);
  if (!base) {
    out.judgement = Judgement::cannot_judge(base.error().message);
    return out;
  }
  const std::string url = base.value() + "/";
  const auto r = HttpClient().send(configured_request(cfg, "GET", url));
  if (!r) {
    out.judgement = Judgement::cannot_judge("GET " + url + ": " + r.error().what());
    return out;
  }
  const nlohmann::json line = {{"namespace", cfg.value("LANGFUSE_NAMESPACE")},
                               {"url", url},
                               {"http_code", r->status},
                               {"response_sha256", sha256_hex(r->body)},
                               {"response_summary", sanitized_summary(SecretRegistry::process().mask(r->body))},
                               {"result", (r->status == 200 || r->status == 302) ? "pass" : "fail"}};
  if (auto file = ev.append("ui-smoke", dod_item, line)) out.evidence.push_back(file.value());
  if (auto a = append_artifact(cfg, "LANGFUSE_SMOKE_ARTIFACT_FILE", ev, dod_item, line); !a) {
    out.judgement = Judgement::cannot_judge(a.error().message);
    return out;
  }
  out.judgement = judge_ui_answer(r->status, url);
  return out;
}

}  // namespace infra_dod
