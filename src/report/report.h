#pragma once
// The DoD table: ctest's JUnit (was the case run, how long) + each case's result record (its
// outcome kind, reason, console lines and evidence) + labels/dod.json, joined on the test name,
// rendered as Markdown (for the ticket) and JSON (for machines), in the runbook's order and
// words. outcome.cpp classifies one test, table.cpp aggregates rows, markdown.cpp and
// json_render.cpp render.
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "registry/registry.h"
#include "report/junit.h"
#include "runtime/case_record.h"

namespace infra_dod {

enum class Status { pass, fail, error, skipped, manual_pending, manual_attested, not_run };
std::string to_string(Status s);
std::optional<Status> status_from_string(const std::string& s);

struct TestOutcome {
  std::string test;
  Status status = Status::not_run;
  std::string reason;
  std::vector<std::string> evidence;
  std::vector<std::string> console;
  bool selected = false;  // ctest ran it in this run (it is in the JUnit and not disabled)
};

Status status_of(CaseOutcome o);
// One test's outcome from what ctest recorded and the case's result record. `record` is null
// when the case left none (a timeout, a crash); `timeout_s` is the registered CTest timeout.
TestOutcome judge_test(const std::string& test, const CtestCase* ctest, const CaseRecord* record, int timeout_s,
                       const std::string& mode);

struct ReportRow {
  const DodItem* item = nullptr;
  Status status = Status::not_run;
  std::string reason;
  std::vector<TestOutcome> tests;
  std::vector<std::string> evidence;
  // Selected in this run yet without a verdict (its case is not implemented): on a
  // release-blocking row this blocks the release like a failure.
  bool selected_without_verdict = false;
};

struct Report {
  std::vector<ReportRow> rows;  // registry order
  std::string run_id;
  std::string evidence_dir;
  std::string environment;
  std::string generated_utc;
  // What a reviewer needs to trust the run without rerunning it, in order: environment, tenant,
  // subscription, identity, kube context and API server, operator, start and end, run id,
  // harness version, selection. Filled by the caller; the renderers print it as given.
  std::vector<std::pair<std::string, std::string>> header;
  // Evidence cells become links under this URL instead of paths relative to the evidence folder.
  std::string evidence_base_url;
  // Release-blocking rows that are fail or error, or were selected and ended without a verdict.
  std::vector<std::string> blocking() const;
  // Release-blocking rows with no evidence yet and not selected to get any (not-run, skipped,
  // manual-pending): not a failure, but not done either.
  std::vector<std::string> unevidenced() const;
  // The runbook's PASS:/FAIL: lines every case printed, in registry order.
  std::vector<std::string> console_lines() const;
};

struct ReportInputs {
  std::vector<std::filesystem::path> junit_files;
  std::filesystem::path results_dir;  // <run>/results
  std::string run_id;
  std::string evidence_dir;
  std::string environment;
  std::string generated_utc;
};

Result<Report> build_report(const Registry& registry, const ReportInputs& inputs);
Report build_report(const Registry& registry, const std::map<std::string, TestOutcome>& outcomes);
std::string render_markdown(const Report& report, const Registry& registry);
// Text as one Markdown table cell: secrets masked, `|` escaped, line breaks as <br>.
std::string markdown_cell(const std::string& text);
// An evidence path as the table shows it: relative to the evidence folder (a file outside it,
// such as an artifact, as ../..), so no runner path reaches the ticket.
std::string evidence_relative(const std::string& path, const std::string& evidence_dir);
// A reason with the evidence folder's absolute path cut out ("(evidence: judgements.jsonl)").
std::string without_evidence_dir(std::string text, const std::string& evidence_dir);
nlohmann::json render_json(const Report& report);
// JUnit for CI servers (valid against Jenkins xunit's junit-10.xsd): one suite per DoD case with
// its rows, tickets and labels as properties, skip reasons in <skipped message>.
std::string render_junit(const Report& report, const Registry& registry);

}  // namespace infra_dod
