#pragma once
// The result record: one JSON file per DoD case per run, <run>/results/<Suite.Name>.json,
// written by the DoD case base when the case ends and read by the report. It carries the
// outcome as a kind, never as text to be matched. JUnit still says whether CTest ran the case
// and how long it took (a case killed at its timeout leaves no record). The schema is
// documented in labels/README.md ("Result records").
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "runtime/result.h"

namespace infra_dod {

inline constexpr const char* kCaseRecordSchema = "infra-dod.case-result/1";

enum class CaseOutcome { pass, fail, error, not_implemented, gate_closed, manual_pending, manual_attested };
std::string to_string(CaseOutcome o);
std::optional<CaseOutcome> case_outcome_from_string(const std::string& s);

struct CaseRecord {
  std::string test;                    // Suite.Name
  std::vector<std::string> dod_items;  // the rows this case gives evidence for
  std::string run_id;
  CaseOutcome outcome = CaseOutcome::error;
  std::string reason;                  // why: the failure, the error, the gate; empty on a pass
  nlohmann::json findings = nlohmann::json::array();  // {check, ok, expected, found, resource}
  std::vector<std::string> console;    // the runbook's PASS:/FAIL: lines, as printed
  std::vector<std::string> evidence;   // files written, relative to the evidence folder
  std::string started_utc;
  std::string finished_utc;
};

nlohmann::json to_json(const CaseRecord& r);
Result<CaseRecord> case_record_from_json(const nlohmann::json& j, const std::string& origin);
std::filesystem::path case_record_path(const std::filesystem::path& results_dir, const std::string& test);
// Masked, written to a temporary file and renamed, so a reader never sees half a record.
Result<std::filesystem::path> write_case_record(const std::filesystem::path& results_dir, const CaseRecord& r);
// Not found is ErrorKind::not_found (the case left no record); anything else malformed is config.
Result<CaseRecord> read_case_record(const std::filesystem::path& results_dir, const std::string& test);

}  // namespace infra_dod
