// The DoD table as JSON, for machines (and for `infra-dod run --check-expected`).
#include "report/report.h"
#include "runtime/secrets.h"

namespace infra_dod {

nlohmann::json render_json(const Report& rep) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : rep.rows) {
    nlohmann::json tests = nlohmann::json::array();
    for (const auto& t : r.tests)
      tests.push_back({{"name", t.test}, {"status", to_string(t.status)}, {"reason", SecretRegistry::process().mask(t.reason)}});
    nlohmann::json evidence = nlohmann::json::array();
    for (const auto& e : r.evidence) evidence.push_back(evidence_relative(e, rep.evidence_dir));
    rows.push_back({{"id", r.item->id},
                    {"table", r.item->table},
                    {"ticket", r.item->ticket},
                    {"item", r.item->item},
                    {"mode", r.item->mode},
                    {"release_blocking", r.item->release_blocking},
                    {"status", to_string(r.status)},
                    {"evidence_source", r.item->runbook_evidence},
                    {"reason", SecretRegistry::process().mask(without_evidence_dir(r.reason, rep.evidence_dir))},
                    {"tests", tests},
                    {"evidence", evidence}});
  }
  nlohmann::json header = nlohmann::json::array();
  for (const auto& [field, value] : rep.header) header.push_back({{"field", field}, {"value", value}});
  return {{"run_id", rep.run_id},
          {"header", header},
          {"environment", rep.environment},
          {"evidence_dir", std::filesystem::path(rep.evidence_dir).filename().string()},
          {"generated_utc", rep.generated_utc},
          {"release_blockers", rep.blocking()},
          {"release_blocking_without_evidence", rep.unevidenced()},
          {"rows", rows}};
}

}  // namespace infra_dod
