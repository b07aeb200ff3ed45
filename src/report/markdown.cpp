// The DoD table as Markdown, for the ticket comment.
#include "report/report.h"
#include "runtime/secrets.h"

namespace infra_dod {

namespace {

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
  md += blocking.empty() ? "- Release blockers (fail, error, or selected without a verdict): none\n"
                         : "- Release blockers (fail, error, or selected without a verdict): " +
                               std::to_string(blocking.size()) + ": " + ids(blocking) + "\n";
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

}  // namespace infra_dod
