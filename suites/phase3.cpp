// Phase 3 smokes and the rollback procedures. Each is gated by labels/dod.json; the gate is
// applied by DodCase::SetUp before any of these bodies runs.
#include "dod/dod_case.h"
#include "rules/ui_smoke.h"
#include "runtime/evidence.h"
#include "runtime/http.h"
#include "runtime/secrets.h"
#include "runtime/text.h"

namespace infra_dod {

class UiSmoke : public DodCase {};
class TracePersistence : public DodCase {};
class PrivatePath : public DodCase {};
class DEV013 : public DodCase {};
class DEV019 : public DodCase {};
class ADR0015 : public DodCase {};
class ADR0024 : public DodCase {};
class DEV012 : public DodCase {};
class Rollback : public DodCase {};

// The runbook's smoke_langfuse_internal_ui.sh: one GET of the UI root, one JSON line.
TEST_F(UiSmoke, InternalUiAnswers) {
  const auto base = config().require("LANGFUSE_BASE_URL");
  if (!base)
    return record_error(base.error().message +
                        " (the in-VNet LangFuse URL; starting a port-forward by itself is not implemented yet)");
  std::string url = base.value();
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/";
  HttpRequest req;
  req.url = url;
  req.connect_timeout = std::chrono::seconds(config().integer("INFRA_DOD_HTTP_CONNECT_TIMEOUT_S"));
  req.total_timeout = std::chrono::seconds(config().integer("INFRA_DOD_HTTP_TIMEOUT_S"));
  req.max_attempts = static_cast<int>(config().integer("INFRA_DOD_HTTP_MAX_ATTEMPTS"));
  const auto r = HttpClient().send(req);
  if (!r) return record_error("GET " + url + ": " + r.error().what());
  const nlohmann::json line = {{"namespace", config().get_or("LANGFUSE_NAMESPACE", "default")},
                               {"url", url},
                               {"http_code", r->status},
                               {"response_sha256", sha256_hex(r->body)},
                               {"response_summary", sanitized_summary(r->body)},
                               {"result", (r->status == 200 || r->status == 302) ? "pass" : "fail"}};
  auto file = evidence().append("ui-smoke", item().id, line);
  if (file) record_evidence(file.value());
  // The runbook's optional artifact: the same line, appended.
  if (auto artifact = config().get("LANGFUSE_SMOKE_ARTIFACT_FILE")) {
    nlohmann::json stamped = evidence().stamp(item().id);
    stamped.update(line);
    if (auto a = append_line(*artifact, SecretRegistry::process().mask(stamped.dump())); !a)
      return record_error("cannot append to LANGFUSE_SMOKE_ARTIFACT_FILE: " + a.error().message);
  }
  assert_judgement(judge_ui_answer(r->status, url), "LangFuse UI smoke");
}
TEST_F(TracePersistence, TraceSurvivesRestart) { DOD_NOT_IMPLEMENTED(); }
TEST_F(PrivatePath, DatabricksReachesLangfusePrivately) { DOD_NOT_IMPLEMENTED(); }
TEST_F(PrivatePath, LangfuseReachesPostgresPrivately) { DOD_NOT_IMPLEMENTED(); }
TEST_F(PrivatePath, NoPublicFallbackAnswers) { DOD_NOT_IMPLEMENTED(); }
TEST_F(DEV013, PragmaticVolumeIsReachable) { DOD_NOT_IMPLEMENTED(); }
TEST_F(DEV013, StrictRuntimeSmokeSucceeds) { DOD_NOT_IMPLEMENTED(); }
TEST_F(DEV019, ServerlessWatchdogRunSucceeds) { DOD_NOT_IMPLEMENTED(); }
TEST_F(ADR0015, SecretResolutionFollowsContract) { DOD_NOT_IMPLEMENTED(); }
TEST_F(ADR0024, RealAlertFiresExactlyOnce) { DOD_NOT_IMPLEMENTED(); }
TEST_F(DEV012, FingerprintSmokeUsesPolicyInput) { DOD_NOT_IMPLEMENTED(); }
TEST_F(Rollback, WorkloadRollsBackToPreviousRevision) { DOD_NOT_IMPLEMENTED(); }
TEST_F(Rollback, LangfuseRemovalLeavesNothingBehind) { DOD_NOT_IMPLEMENTED(); }
TEST_F(Rollback, RemovedAzureResourcesAreAbsent) { DOD_NOT_IMPLEMENTED(); }

}  // namespace infra_dod
