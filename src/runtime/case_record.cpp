#include "runtime/case_record.h"

#include <fstream>

#include "runtime/secrets.h"
#include "runtime/json_field.h"

namespace infra_dod {
namespace fs = std::filesystem;

namespace {
constexpr CaseOutcome kOutcomes[] = {CaseOutcome::pass,           CaseOutcome::fail,           CaseOutcome::error,
                                     CaseOutcome::not_implemented, CaseOutcome::gate_closed,
                                     CaseOutcome::manual_pending,  CaseOutcome::manual_attested};
}

std::string to_string(CaseOutcome o) {
  switch (o) {
    case CaseOutcome::pass: return "pass";
    case CaseOutcome::fail: return "fail";
    case CaseOutcome::error: return "error";
    case CaseOutcome::not_implemented: return "not-implemented";
    case CaseOutcome::gate_closed: return "gate-closed";
    case CaseOutcome::manual_pending: return "manual-pending";
    case CaseOutcome::manual_attested: return "manual-attested";
  }
  return "error";
}

std::optional<CaseOutcome> case_outcome_from_string(const std::string& s) {
  for (auto o : kOutcomes)
    if (to_string(o) == s) return o;
  return std::nullopt;
}

nlohmann::json to_json(const CaseRecord& r) {
  return {{"schema", kCaseRecordSchema}, {"test", r.test},         {"dod_items", r.dod_items},
          {"run_id", r.run_id},          {"outcome", to_string(r.outcome)}, {"reason", r.reason},
          {"findings", r.findings},      {"console", r.console},   {"evidence", r.evidence},
          {"started_utc", r.started_utc}, {"finished_utc", r.finished_utc}};
}

Result<CaseRecord> case_record_from_json(const nlohmann::json& j, const std::string& origin) {
  auto bad = [&](const std::string& why) { return Error{ErrorKind::config, origin + ": not a result record: " + why}; };
  if (!j.is_object()) return bad("not a JSON object");
  if (field(j, "schema", "") != kCaseRecordSchema) return bad(std::string("schema is not ") + kCaseRecordSchema);
  auto text = [&](const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string(); };
  auto strings = [&](const char* k) {
    std::vector<std::string> out;
    if (j.contains(k) && j[k].is_array())
      for (const auto& v : j[k])
        if (v.is_string()) out.push_back(v.get<std::string>());
    return out;
  };
  CaseRecord r;
  r.test = text("test");
  if (r.test.empty()) return bad("no test name");
  const auto outcome = case_outcome_from_string(text("outcome"));
  if (!outcome) return bad("unknown outcome '" + text("outcome") + "'");
  r.outcome = *outcome;
  r.dod_items = strings("dod_items");
  r.run_id = text("run_id");
  r.reason = text("reason");
  if (j.contains("findings") && j["findings"].is_array()) r.findings = j["findings"];
  r.console = strings("console");
  r.evidence = strings("evidence");
  r.started_utc = text("started_utc");
  r.finished_utc = text("finished_utc");
  return r;
}

fs::path case_record_path(const fs::path& results_dir, const std::string& test) { return results_dir / (test + ".json"); }

Result<fs::path> write_case_record(const fs::path& results_dir, const CaseRecord& r) {
  std::error_code ec;
  fs::create_directories(results_dir, ec);
  const fs::path file = case_record_path(results_dir, r.test);
  const fs::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << SecretRegistry::process().mask(to_json(r).dump(2, ' ', false, nlohmann::json::error_handler_t::replace))
        << "\n";
    if (!out) return Error{ErrorKind::internal, "cannot write " + tmp.string()};
  }
  fs::rename(tmp, file, ec);
  if (ec) return Error{ErrorKind::internal, "cannot write " + file.string() + ": " + ec.message()};
  return file;
}

Result<CaseRecord> read_case_record(const fs::path& results_dir, const std::string& test) {
  const fs::path file = case_record_path(results_dir, test);
  std::ifstream in(file);
  if (!in) return Error{ErrorKind::not_found, "no result record at " + file.string()};
  const auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded()) return Error{ErrorKind::config, file.string() + " is not JSON"};
  return case_record_from_json(j, file.string());
}

}  // namespace infra_dod
