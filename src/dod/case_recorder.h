#pragma once
// Collects what one DoD case did (its rows, explicit outcome kind, findings, console lines,
// evidence files) and writes its result record when gtest reports the case ended. One case runs
// per process at a time, so the recorder is per process. The outcome kind is decided here, from
// gtest's own result and the kind the case set, never from message text.
#include <gtest/gtest.h>

#include <optional>

#include "runtime/case_record.h"

namespace infra_dod {

class CaseRecorder {
 public:
  static CaseRecorder& current();

  void begin(const std::string& test, const std::string& started_utc);
  void set_items(std::vector<std::string> ids) { record_.dod_items = std::move(ids); }
  void set_run_id(std::string id) { record_.run_id = std::move(id); }
  // The kinds gtest cannot tell: error (could not judge), not-implemented, gate-closed and the
  // manual kinds. The first error wins; an error is never downgraded.
  void set_kind(CaseOutcome kind, const std::string& reason);
  void set_findings(nlohmann::json findings) { record_.findings = std::move(findings); }
  void add_console(const std::string& line) { record_.console.push_back(line); }
  void add_evidence(const std::string& file);

  // The record as it stands once gtest's result is known.
  CaseRecord finish(const ::testing::TestResult& result, const std::string& finished_utc) const;
  // Written into the results folder of this process's run; an error when there is no run.
  Result<std::filesystem::path> write(const CaseRecord& r) const;

 private:
  CaseRecord record_;
  std::optional<CaseOutcome> kind_;
  std::string kind_reason_;
};

// Writes each case's record at the end of the case; added to gtest's listeners by the DoD main.
class RecordWriter : public ::testing::EmptyTestEventListener {
  void OnTestStart(const ::testing::TestInfo& info) override;
  void OnTestEnd(const ::testing::TestInfo& info) override;
};

// For the DoD main: the record of a case that could not start or ended by an exception.
void write_error_record(const std::string& test, const std::string& reason);

}  // namespace infra_dod
