#pragma once
// The runbook's smoke_langfuse_internal_ui.sh: one GET of the LangFuse UI root, one JSON line
// (utc, namespace, http_code, response_sha256, sanitized response_summary), optionally appended
// to LANGFUSE_SMOKE_ARTIFACT_FILE and then checked for the append and its parity with stdout;
// judged by judge_ui_answer (200 or 302) and, with an artifact file, check_artifact_parity.
#include "smokes/langfuse.h"

namespace infra_dod {

SmokeResult run_ui_smoke(const Config& cfg, const Evidence& ev, const std::string& dod_item);

}  // namespace infra_dod
