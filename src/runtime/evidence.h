#pragma once
// The run's evidence folder: JSON lines, each written whole with one append (safe under
// `ctest -j`), every line stamped with utc, run_id, dod_item, environment and operator, and
// masked by the SecretRegistry before it reaches the disk.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "runtime/clock.h"
#include "runtime/config.h"
#include "runtime/result.h"
#include "runtime/run.h"

namespace infra_dod {

class Evidence {
 public:
  Evidence(RunInfo run, std::string environment, std::string operator_name, Clock& clock = SystemClock::instance());
  static Result<Evidence> for_current_run(const Config& cfg, Clock& clock = SystemClock::instance());

  // Appends one line to <dir>/<file> (".jsonl" added when missing); the stamp fields are
  // added unless the caller set them. Returns the file written.
  Result<std::filesystem::path> append(const std::string& file, const std::string& dod_item, nlohmann::json fields) const;
  // Writes (replaces) a whole file, masked.
  Result<std::filesystem::path> write_file(const std::string& name, const std::string& content) const;
  const RunInfo& run() const { return run_; }
  const std::filesystem::path& dir() const { return run_.dir; }
  nlohmann::json stamp(const std::string& dod_item) const;

 private:
  RunInfo run_;
  std::string environment_;
  std::string operator_;
  Clock& clock_;
};

// Where the run's secret fingerprints go: its own folder, not the evidence folder.
std::filesystem::path fingerprint_file(const RunInfo& run);

// One whole line with one write(2) on an O_APPEND descriptor.
Result<std::filesystem::path> append_line(const std::filesystem::path& file, const std::string& line);
std::string operator_name(const Config& cfg);

}  // namespace infra_dod
