#pragma once
// ADR-0024: the real alert send, with every guardrail the runbook sets, judged by the pure rules
// in rules/alerting.h.
//
//   1. The event type's route: the enabled alert rule whose query names ALERT_SMOKE_EVENT_TYPE,
//      from the run's inventory (an error, before anything is sent, when there is none).
//   2. The guardrails, in the runbook's order; the first unmet one declines the send (the row is
//      skipped, naming it): the local alerting smoke (`pytest tests/smoke/test_alerting_smoke.py
//      -rA` in AGENT_REPO_DIR) passes; ALERT_SMOKE_TRIGGER is one of labels/alerting.json's
//      triggers, and a weekly canary is due (alert-canary-ledger.jsonl in the evidence root);
//      the DCR and workspace variables are set; the clock is inside the send window (weekdays
//      09:00-18:00 KST, a fixed offset); no Sev0/Sev1 alert is open on the rule's scopes unless
//      INCIDENT_COMMANDER_REQUESTED=1; and no event of this type was sent in this run
//      (alert-send-ledger.jsonl in the run's evidence folder, written before the send).
//   3. The send: PYTHON runs fixtures/probes/emit_alert.py on stdin in the checkout (the
//      runbook's example), the arguments in INFRA_DOD_ALERT_CALL and a Logs Ingestion token
//      (MONITOR_TOKEN_RESOURCE) in AZURE_MONITOR_ACCESS_TOKEN, never on a command line.
//   4. Log Analytics is polled on the clock until the row (its detail carries the run id) is
//      queryable, for ALERT_LOG_TIMEOUT_S; a table that does not exist yet is polled again.
//   5. The rule's alerts are counted in the AlertsManagement list (every page, a custom time range
//      from the send, no monitorCondition filter) until one appears or ALERT_FIRE_TIMEOUT_S, then
//      for ALERT_SETTLE_S more: exactly one passes.
// Action-group delivery cannot be observed from here; the evidence says so, and the checklist
// rows' attestations carry it. Evidence: adr0024-alert-send.jsonl.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "rules/alerting.h"
#include "runtime/clock.h"
#include "runtime/config.h"
#include "runtime/evidence.h"
#include "smokes/smoke_result.h"

namespace infra_dod {

inline constexpr char kAlertSendEvidence[] = "adr0024-alert-send.jsonl";

// labels/alerting.json read and checked; nothing, with `error` saying why, otherwise.
std::optional<AlertPolicy> load_alert_policy(const std::filesystem::path& labels_dir, std::string& error);
// The Alert/Event checklist row of an event type: TRIAGE_READY -> ALERT-TRIAGE-READY.
std::string checklist_row(const std::string& event_type);

SmokeResult run_alert_send(const Config& cfg, const Evidence& ev, const std::string& dod_item,
                           const nlohmann::json& snapshot, const std::filesystem::path& labels_dir, Clock& clock);

}  // namespace infra_dod
