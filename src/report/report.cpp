#include "report/report.h"

#include <algorithm>

#include "runtime/secrets.h"
#include "runtime/text.h"

namespace infra_dod {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kNotImplemented = "not implemented yet";

bool is_skip_message(const std::string& m) {
  return starts_with(m, "SKIP_RETURN_CODE") || starts_with(m, "SKIP_REGULAR_EXPRESSION");
}

int severity(Status s) {
  switch (s) {
    case Status::error: return 6;
    case Status::fail: return 5;
    case Status::not_run: return 4;
    case Status::skipped: return 3;
    case Status::manual_pending: return 2;
    case Status::manual_attested: return 1;
    case Status::pass: return 0;
  }
  return 0;
}

std::string cell(const std::string& s) {
  std::string out;
  for (char c : SecretRegistry::process().mask(s)) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += "<br>";
    else if (c != '\r') out += c;
  }
  return out;
}

}  // namespace

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

TestOutcome judge_test(const std::string& test, const CtestCase* ct, const GtestCase* gt, int timeout_s,
                       const std::string& mode) {
  TestOutcome o;
  o.test = test;
  if (gt) {
    if (auto it = gt->properties.find("evidence"); it != gt->properties.end()) o.evidence = it->second;
  }
  if (!ct) {
    o.status = Status::not_run;
    o.reason = "not selected in this run";
  } else if (ct->status == "run") {
    o.status = Status::pass;
  } else if (ct->status == "disabled") {
    o.status = Status::not_run;
    o.reason = "disabled";
  } else if (ct->status == "notrun") {
    if (is_skip_message(ct->skipped_message)) {
      o.status = Status::skipped;
      o.reason = gt && !gt->skipped.empty() ? gt->skipped : "skipped (the case left no reason)";
      if (starts_with(o.reason, kNotImplemented)) o.status = Status::not_run;
    } else {
      o.status = Status::error;
      o.reason = "ctest did not run it: " + ct->skipped_message;
      if (ct->skipped_message == "Fixture dependency failed") o.reason += " (the run's setup step failed)";
    }
  } else {  // fail
    if (!gt) {
      o.status = Status::error;
      if (timeout_s > 0 && ct->time >= 0.95 * timeout_s) {
        o.reason = "timeout: ctest killed the case after " + std::to_string(static_cast<int>(ct->time)) +
                   " s (limit " + std::to_string(timeout_s) + " s)";
      } else if (ct->output.find("no test matched the filter") != std::string::npos) {
        o.reason = "no compiled gtest case matches " + test + " (stale registry entry?)";
      } else {
        o.reason = "the case ended without writing its result (crash or abort)";
      }
    } else if (gt->properties.count("dod_outcome") && gt->properties.at("dod_outcome") == "error") {
      o.status = Status::error;
      o.reason = gt->failure;
    } else if (gt->failed) {
      o.status = Status::fail;
      o.reason = gt->failure;
    } else {
      o.status = Status::error;
      o.reason = "the case exited non-zero without a recorded failure";
    }
  }
  if (mode == "manual") {
    if (o.status == Status::pass) o.status = Status::manual_attested;
    else if (o.status == Status::skipped || o.status == Status::not_run) o.status = Status::manual_pending;
  }
  return o;
}

std::vector<std::string> Report::blocking() const {
  std::vector<std::string> out;
  for (const auto& r : rows)
    if (r.item->release_blocking && (r.status == Status::fail || r.status == Status::error)) out.push_back(r.item->id);
  return out;
}

std::vector<std::string> Report::unevidenced() const {
  std::vector<std::string> out;
  for (const auto& r : rows)
    if (r.item->release_blocking &&
        (r.status == Status::not_run || r.status == Status::skipped || r.status == Status::manual_pending))
      out.push_back(r.item->id);
  return out;
}

Report build_report(const Registry& registry, const std::map<std::string, TestOutcome>& outcomes) {
  Report rep;
  for (const auto& item : registry.items()) {
    ReportRow row;
    row.item = &item;
    Status worst = Status::pass;
    bool first = true;
    for (const auto& t : item.tests) {
      TestOutcome o;
      if (auto it = outcomes.find(t); it != outcomes.end()) {
        o = it->second;
      } else {
        o = judge_test(t, nullptr, nullptr, 0, item.mode);
      }
      // A case shared by items of different modes is judged once per mode.
      if (item.mode == "manual" && o.status == Status::pass) o.status = Status::manual_attested;
      if (first || severity(o.status) > severity(worst)) worst = o.status;
      first = false;
      if (!o.evidence.empty() &&
          std::find(row.evidence.begin(), row.evidence.end(), o.evidence) == row.evidence.end())
        row.evidence.push_back(o.evidence);
      row.tests.push_back(o);
    }
    row.status = worst;
    for (const auto& o : row.tests) {
      if (o.status == worst && !o.reason.empty()) {
        if (!row.reason.empty()) row.reason += "; ";
        row.reason += (row.tests.size() > 1 ? o.test + ": " : std::string()) + o.reason;
      }
    }
    rep.rows.push_back(std::move(row));
  }
  return rep;
}

Result<Report> build_report(const Registry& registry, const ReportInputs& in) {
  std::map<std::string, CtestCase> ctest;
  for (const auto& f : in.junit_files) {
    auto cases = read_ctest_junit(f);
    if (!cases) return cases.error();
    for (auto& c : cases.value()) ctest[c.name] = c;  // a later file (a re-run) wins
  }
  std::map<std::string, TestOutcome> outcomes;
  for (const auto& test : registry.tests()) {
    const auto items = registry.items_for_test(test);
    const CtestCase* ct = ctest.count(test) ? &ctest.at(test) : nullptr;
    std::optional<GtestCase> gt;
    const fs::path xml = in.gtest_xml_dir / (test + ".xml");
    // gtest XML older than this run's JUnit would be stale; the run-start fixture wipes the
    // folder, so whatever is there belongs to this run.
    if (ct && !in.gtest_xml_dir.empty() && fs::exists(xml)) {
      auto cases = read_gtest_xml(xml);
      if (cases)
        for (auto& c : cases.value())
          if (c.name == test) gt = c;
    }
    outcomes[test] = judge_test(test, ct, gt ? &*gt : nullptr, registry.timeout_for(test),
                                items.empty() ? "" : items.front()->mode);
  }
  Report rep = build_report(registry, outcomes);
  rep.run_id = in.run_id;
  rep.evidence_dir = in.evidence_dir;
  rep.environment = in.environment;
  rep.generated_utc = in.generated_utc;
  return rep;
}

std::string render_markdown(const Report& rep, const Registry& registry) {
  std::string md = "# Definition of Done: AI Agent Infra Dev Runbook\n\n";
  if (!rep.environment.empty()) md += "- Environment: `" + cell(rep.environment) + "`\n";
  if (!rep.run_id.empty()) md += "- Run: `" + cell(rep.run_id) + "`\n";
  if (!rep.evidence_dir.empty()) md += "- Evidence: `" + cell(rep.evidence_dir) + "`\n";
  if (!rep.generated_utc.empty()) md += "- Generated (UTC): " + rep.generated_utc + "\n";
  std::map<Status, int> counts;
  for (const auto& r : rep.rows) counts[r.status]++;
  md += "- Totals:";
  for (const auto& [s, n] : counts) md += " " + to_string(s) + " " + std::to_string(n) + ";";
  md.pop_back();
  md += "\n";
  const auto blocking = rep.blocking();
  auto ids = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& id : v) s += (s.empty() ? "" : ", ") + id;
    return s;
  };
  md += blocking.empty() ? "- Release blockers (fail or error): none\n"
                         : "- Release blockers (fail or error): " + std::to_string(blocking.size()) + ": " + ids(blocking) + "\n";
  const auto open = rep.unevidenced();
  md += open.empty() ? "- Release-blocking rows without evidence yet: none\n"
                     : "- Release-blocking rows without evidence yet: " + std::to_string(open.size()) + ": " + ids(open) + "\n";
  for (const auto& table : registry.tables()) {
    md += "\n## " + table.title + "\n\n";
    md += "| # | Id | DoD item | Status | Reason | Tests | Evidence |\n|---|---|---|---|---|---|---|\n";
    int n = 0;
    for (const auto& r : rep.rows) {
      if (r.item->table != table.id) continue;
      std::string tests;
      for (const auto& t : r.tests) tests += (tests.empty() ? "" : "<br>") + ("`" + t.test + "`");
      std::string ev;
      for (const auto& e : r.evidence) ev += (ev.empty() ? "" : "<br>") + ("`" + cell(e) + "`");
      std::string item = r.item->item;
      if (table.id != "dod" && !r.item->ticket.empty()) item = r.item->ticket + ": " + item;
      md += "| " + std::to_string(++n) + " | " + r.item->id + " | " + cell(item) + " | **" + to_string(r.status) +
            "** | " + cell(r.reason) + " | " + tests + " | " + ev + " |\n";
    }
  }
  return md;
}

nlohmann::json render_json(const Report& rep) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : rep.rows) {
    nlohmann::json tests = nlohmann::json::array();
    for (const auto& t : r.tests)
      tests.push_back({{"name", t.test}, {"status", to_string(t.status)}, {"reason", SecretRegistry::process().mask(t.reason)}});
    rows.push_back({{"id", r.item->id},
                    {"table", r.item->table},
                    {"ticket", r.item->ticket},
                    {"item", r.item->item},
                    {"mode", r.item->mode},
                    {"release_blocking", r.item->release_blocking},
                    {"status", to_string(r.status)},
                    {"reason", SecretRegistry::process().mask(r.reason)},
                    {"tests", tests},
                    {"evidence", r.evidence}});
  }
  return {{"run_id", rep.run_id},
          {"environment", rep.environment},
          {"evidence_dir", rep.evidence_dir},
          {"generated_utc", rep.generated_utc},
          {"release_blockers", rep.blocking()},
          {"release_blocking_without_evidence", rep.unevidenced()},
          {"rows", rows}};
}

}  // namespace infra_dod
