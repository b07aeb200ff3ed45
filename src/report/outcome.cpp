// How one test ended, from two facts: whether ctest ran it (and for how long), and the outcome
// kind its result record states. No message text is matched.
#include "report/report.h"

namespace infra_dod {

std::string to_string(Status s) {
  switch (s) {
    case Status::pass: return "pass";
    case Status::fail: return "fail";
    case Status::error: return "error";
    case Status::skipped: return "skipped";
    case Status::manual_pending: return "manual-pending";
    case Status::manual_attested: return "manual-attested";
    case Status::not_run: return "not-run";
  }
  return "not-run";
}

std::optional<Status> status_from_string(const std::string& s) {
  for (Status st : {Status::pass, Status::fail, Status::error, Status::skipped, Status::manual_pending,
                    Status::manual_attested, Status::not_run})
    if (to_string(st) == s) return st;
  return std::nullopt;
}

Status status_of(CaseOutcome o) {
  switch (o) {
    case CaseOutcome::pass: return Status::pass;
    case CaseOutcome::fail: return Status::fail;
    case CaseOutcome::error: return Status::error;
    case CaseOutcome::not_implemented: return Status::not_run;
    case CaseOutcome::gate_closed: return Status::skipped;
    case CaseOutcome::manual_pending: return Status::manual_pending;
    case CaseOutcome::manual_attested: return Status::manual_attested;
  }
  return Status::error;
}

namespace {

bool skips(CaseOutcome o) {
  return o == CaseOutcome::not_implemented || o == CaseOutcome::gate_closed || o == CaseOutcome::manual_pending;
}
bool passes(CaseOutcome o) { return o == CaseOutcome::pass || o == CaseOutcome::manual_attested; }

// What ctest's status should be for the record's outcome: exit 0, SKIP_RETURN_CODE, or a failure.
bool agrees(const std::string& ctest_status, CaseOutcome o) {
  if (ctest_status == "run") return passes(o);
  if (ctest_status == "notrun") return skips(o);
  return !passes(o) && !skips(o);
}

}  // namespace

TestOutcome judge_test(const std::string& test, const CtestCase* ct, const CaseRecord* rec, int timeout_s,
                       const std::string& mode) {
  TestOutcome o;
  o.test = test;
  if (rec) {
    o.evidence = rec->evidence;
    o.console = rec->console;
  }
  if (!ct) {
    o.status = Status::not_run;
    o.reason = "not selected in this run";
  } else if (ct->status == "disabled") {
    o.status = Status::not_run;
    o.reason = "disabled";
  } else if (rec) {
    o.selected = true;
    o.status = status_of(rec->outcome);
    o.reason = rec->reason;
    if (!agrees(ct->status, rec->outcome)) {
      o.status = Status::error;
      o.reason = "ctest's status (" + ct->status + ") disagrees with the case's result record (" +
                 to_string(rec->outcome) + (rec->reason.empty() ? "" : ": " + rec->reason) +
                 "): the process ended differently than the case did";
    }
  } else if (ct->status == "notrun") {
    o.selected = true;
    o.status = Status::error;
    o.reason = "ctest did not run it (a setup step of the run failed, or a dependency): " + ct->skipped_message;
  } else if (ct->status == "run") {
    o.status = Status::error;
    o.reason = "the case exited 0 without writing its result record";
  } else if (timeout_s > 0 && ct->time >= 0.95 * timeout_s) {
    o.status = Status::error;
    o.reason = "timeout: ctest killed the case after " + std::to_string(static_cast<int>(ct->time)) + " s (limit " +
               std::to_string(timeout_s) + " s)";
  } else {
    o.status = Status::error;
    o.reason = "the case ended without writing its result record (crash or abort)";
  }
  // A case cited by a manual row and by another mode's row counts for the manual row only as
  // an attestation.
  if (mode == "manual") {
    if (o.status == Status::pass) o.status = Status::manual_attested;
    else if (o.status == Status::skipped || o.status == Status::not_run) o.status = Status::manual_pending;
  }
  return o;
}

}  // namespace infra_dod
