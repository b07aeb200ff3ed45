#include "dod/case_recorder.h"

#include <algorithm>
#include <cstdio>

#include "runtime/run.h"
#include "runtime/secrets.h"
#include "runtime/text.h"

namespace infra_dod {

namespace {
std::string now_utc() { return utc_iso(std::chrono::system_clock::now()); }
}  // namespace

CaseRecorder& CaseRecorder::current() {
  static CaseRecorder recorder;
  return recorder;
}

void CaseRecorder::begin(const std::string& test, const std::string& started_utc) {
  record_ = CaseRecord{};
  record_.test = test;
  record_.started_utc = started_utc;
  kind_.reset();
  kind_reason_.clear();
}

void CaseRecorder::set_kind(CaseOutcome kind, const std::string& reason) {
  if (kind_ == CaseOutcome::error) return;
  kind_ = kind;
  kind_reason_ = SecretRegistry::process().mask(reason);
}

void CaseRecorder::add_evidence(const std::string& file) {
  if (std::find(record_.evidence.begin(), record_.evidence.end(), file) == record_.evidence.end())
    record_.evidence.push_back(file);
}

CaseRecord CaseRecorder::finish(const ::testing::TestResult& result, const std::string& finished_utc) const {
  CaseRecord r = record_;
  r.finished_utc = finished_utc;
  std::string first_failure, skip_message;
  for (int i = 0; i < result.total_part_count(); ++i) {
    const auto& part = result.GetTestPartResult(i);
    if (part.failed() && first_failure.empty()) first_failure = part.summary();
    if (part.skipped() && skip_message.empty()) skip_message = part.message();
  }
  if (kind_ == CaseOutcome::error) {
    r.outcome = CaseOutcome::error;
    r.reason = kind_reason_;
  } else if (result.Failed()) {
    r.outcome = CaseOutcome::fail;
    r.reason = trim(first_failure);
  } else if (result.Skipped()) {
    if (kind_ == CaseOutcome::gate_closed || kind_ == CaseOutcome::not_implemented || kind_ == CaseOutcome::manual_pending) {
      r.outcome = *kind_;
      r.reason = kind_reason_;
    } else {
      r.outcome = CaseOutcome::error;
      r.reason = "the case skipped without recording why: " + trim(skip_message);
    }
  } else {
    r.outcome = kind_ == CaseOutcome::manual_attested ? CaseOutcome::manual_attested : CaseOutcome::pass;
    r.reason = kind_ == CaseOutcome::manual_attested ? kind_reason_ : std::string();
  }
  r.reason = SecretRegistry::process().mask(r.reason);
  return r;
}

Result<std::filesystem::path> CaseRecorder::write(const CaseRecord& r) const {
  auto folder = run_folder(process_environ());
  if (!folder) return folder.error();
  return write_case_record(*folder / "results", r);
}

void RecordWriter::OnTestStart(const ::testing::TestInfo& info) {
  CaseRecorder::current().begin(std::string(info.test_suite_name()) + "." + info.name(), now_utc());
}

void RecordWriter::OnTestEnd(const ::testing::TestInfo& info) {
  auto& rec = CaseRecorder::current();
  const auto r = rec.finish(*info.result(), now_utc());
  if (auto w = rec.write(r); !w)
    std::fprintf(stderr, "infra-dod: the result record of %s was not written: %s\n", r.test.c_str(),
                 w.error().message.c_str());
}

void write_error_record(const std::string& test, const std::string& reason) {
  auto& rec = CaseRecorder::current();
  rec.set_kind(CaseOutcome::error, reason);
  CaseRecord r = rec.finish(::testing::TestResult(), now_utc());
  if (r.test.empty()) r.test = test;
  if (auto w = rec.write(r); !w)
    std::fprintf(stderr, "infra-dod: the result record of %s was not written: %s\n", test.c_str(),
                 w.error().message.c_str());
}

}  // namespace infra_dod
