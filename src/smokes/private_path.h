#pragma once
// The private-path-only checklist's I/O (DEV-045). Each returns a SmokeResult a suite asserts;
// the verdicts are the pure rules in rules/private_path.h, over what these saw and the run's
// inventory snapshot.
#include <nlohmann/json.hpp>
#include <string>

#include "runtime/config.h"
#include "runtime/evidence.h"
#include "smokes/smoke_result.h"

namespace infra_dod {

// PRIVATE-PATH-POSTGRES: picks a Running pod of the LangFuse Deployment (its selector from the
// snapshot), runs the TCP probe (fixtures/probes/tcp_probe.js) in it with the image's own node
// through `kubectl exec`, and judges the address and connection it reports.
SmokeResult run_postgres_private_path(const Config& cfg, const Evidence& ev, const std::string& dod_item,
                                      const nlohmann::json& snapshot);

// PRIVATE-PATH-NO-PUBLIC: resolves each service's public name from the runner through
// INFRA_DOD_DNS_SERVER (the system resolver when unset) and judges the answers with the
// services' public network access.
SmokeResult run_no_public_fallback(const Config& cfg, const Evidence& ev, const std::string& dod_item,
                                   const nlohmann::json& snapshot);

}  // namespace infra_dod
