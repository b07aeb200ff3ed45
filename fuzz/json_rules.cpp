// Whatever JSON ARM, Kubernetes, Databricks, Azure Monitor or az answer, as it reaches the rules
// and the collector's own readers: a snapshot for the snapshot rules, and the same document as
// each single object a rule reads (a run, a deployment, an alerts list, a probe record).
#include <chrono>

#include "fuzz_input.h"
#include "inventory/plan.h"
#include "inventory/strip.h"
#include "rules/alerting.h"
#include "rules/arm_id.h"
#include "rules/artifact_parity.h"
#include "rules/azure_rules.h"
#include "rules/databricks_rules.h"
#include "rules/kube_rules.h"
#include "rules/private_path.h"
#include "rules/rollback.h"
#include "rules/secret_contract.h"
#include "rules/trace_smoke.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace infra_dod;
  auto doc = nlohmann::json::parse(fuzz::as_text(data, size), nullptr, false);
  if (doc.is_discarded()) return 0;
  const auto now = std::chrono::system_clock::now();

  // The snapshot rules.
  (void)judge_postgres(doc);
  (void)judge_key_vault_secrets(doc, now);
  (void)judge_private_dns(doc);
  (void)judge_deployment(doc);
  (void)judge_acr_images(doc);
  (void)judge_internal_only(doc);
  (void)judge_rollback_possible(doc);
  (void)judge_alert_routing(doc, {"routing-change", "db-failover"});
  (void)judge_postgres_private_path(doc, doc, "langfuse-web-0");
  std::vector<std::string> blocked;
  const auto lookups = public_names(doc, blocked);
  (void)judge_no_public_fallback(doc, lookups);
  (void)private_endpoint_ips(doc, "/subscriptions/s/resourceGroups/r/providers/Microsoft.DBforPostgreSQL/flexibleServers/p", nullptr);

  // One object at a time.
  (void)is_rolled_out(doc, nullptr);
  (void)deployment_revision(doc);
  (void)owned_revisions(doc, doc);
  (void)plan_rollout_undo(doc, doc);
  (void)undo_target(doc, doc);
  (void)first_image(doc);
  (void)judge_workload_rollback(doc);
  (void)judge_removal(doc);
  (void)judge_absence(doc);
  (void)run_is_terminal(doc);
  (void)run_state_text(doc);
  (void)serverless_shape_problems(doc);
  (void)judge_watchdog_run(doc, doc);
  (void)judge_databricks_probe(doc, doc);
  (void)judge_pragmatic(doc, &doc, "", "/Volumes/main/default/smoke");
  const auto triage = triage_strict_run(doc, doc, std::nullopt, true);
  (void)judge_strict(doc, triage, "/Volumes/main/default/checkpoints");
  (void)judge_trace_persistence(doc);
  (void)open_incidents(doc, {"/subscriptions/s"}, {"Sev0", "Sev1"});
  (void)rule_alert_ids(doc, "/subscriptions/s/rule", now - std::chrono::hours(1), now);
  (void)routes_for_event(doc, doc, "routing-change");
  std::string policy_error;
  (void)alert_policy_from_json(doc, policy_error);
  (void)provider_api_version(doc, "vaults");
  (void)zone_group_requests(doc);
  (void)differing_fields(doc, doc);
  strip_secret_material(doc);
  (void)doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}
