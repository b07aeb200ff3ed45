// The DoD table's rows: each registry item, the outcomes of the tests that give its evidence,
// the worst of them as the row's status, and the release-blocking views.
#include <algorithm>
#include <set>

#include "report/report.h"

namespace infra_dod {

namespace {

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

}  // namespace

std::vector<std::string> Report::blocking() const {
  std::vector<std::string> out;
  for (const auto& r : rows)
    if (r.item->release_blocking &&
        (r.status == Status::fail || r.status == Status::error || r.selected_without_verdict))
      out.push_back(r.item->id);
  return out;
}

std::vector<std::string> Report::unevidenced() const {
  std::vector<std::string> out;
  for (const auto& r : rows)
    if (r.item->release_blocking && !r.selected_without_verdict &&
        (r.status == Status::not_run || r.status == Status::skipped || r.status == Status::manual_pending))
      out.push_back(r.item->id);
  return out;
}

std::vector<std::string> Report::console_lines() const {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& r : rows)
    for (const auto& t : r.tests)
      if (seen.insert(t.test).second) out.insert(out.end(), t.console.begin(), t.console.end());
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
      for (const auto& e : o.evidence)
        if (std::find(row.evidence.begin(), row.evidence.end(), e) == row.evidence.end()) row.evidence.push_back(e);
      row.tests.push_back(o);
    }
    row.status = worst;
    for (const auto& o : row.tests) {
      if (o.status == worst && !o.reason.empty()) {
        if (!row.reason.empty()) row.reason += "; ";
        row.reason += (row.tests.size() > 1 ? o.test + ": " : std::string()) + o.reason;
      }
    }
    row.selected_without_verdict =
        row.status == Status::not_run &&
        std::any_of(row.tests.begin(), row.tests.end(), [](const TestOutcome& o) { return o.selected; });
    if (row.selected_without_verdict && item.release_blocking)
      row.reason += std::string(row.reason.empty() ? "" : "; ") +
                    "selected in this run without a verdict: a release-blocking row blocks the release until it has one";
    rep.rows.push_back(std::move(row));
  }
  for (auto& row : rep.rows)
    for (const auto& id : row.item->evidence_also)
      for (const auto& other : rep.rows)
        if (other.item->id == id)
          for (const auto& e : other.evidence)
            if (std::find(row.evidence.begin(), row.evidence.end(), e) == row.evidence.end()) row.evidence.push_back(e);
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
    std::optional<CaseRecord> rec;
    if (ct && !in.results_dir.empty()) {
      auto r = read_case_record(in.results_dir, test);
      if (r) rec = r.value();
      else if (r.error().kind != ErrorKind::not_found) return r.error();
    }
    outcomes[test] = judge_test(test, ct, rec ? &*rec : nullptr, registry.timeout_for(test),
                                items.empty() ? "" : items.front()->mode);
  }
  Report rep = build_report(registry, outcomes);
  rep.run_id = in.run_id;
  rep.evidence_dir = in.evidence_dir;
  rep.environment = in.environment;
  rep.generated_utc = in.generated_utc;
  return rep;
}

}  // namespace infra_dod
