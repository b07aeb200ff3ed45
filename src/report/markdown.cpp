// The DoD table as Markdown, for the ticket comment.
#include "report/report.h"
#include "runtime/secrets.h"

namespace infra_dod {

std::string markdown_cell(const std::string& s) {
  std::string out;
  for (char c : SecretRegistry::process().mask(s)) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += "<br>";
    else if (c != '\r') out += c;
  }
  return out;
}

std::string evidence_relative(const std::string& path, const std::string& evidence_dir) {
  const std::filesystem::path p(path);
  if (!p.is_absolute() || evidence_dir.empty()) return path;
  const auto rel = p.lexically_relative(evidence_dir);
  return rel.empty() ? path : rel.string();
}

std::string without_evidence_dir(std::string text, const std::string& evidence_dir) {
  if (evidence_dir.empty()) return text;
  const std::string prefixes[] = {evidence_dir + "/", evidence_dir};
  for (const auto& prefix : prefixes)
    for (auto at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at))
      text.replace(at, prefix.size(), prefix.back() == '/' ? "" : ".");
  return text;
}

std::string render_markdown(const Report& rep, const Registry& registry) {
  std::string md = "# Definition of Done: AI Agent Infra Dev Runbook\n\n";
  if (rep.header.empty()) {
    if (!rep.environment.empty()) md += "- Environment: `" + markdown_cell(rep.environment) + "`\n";
    if (!rep.run_id.empty()) md += "- Run: `" + markdown_cell(rep.run_id) + "`\n";
  }
  for (const auto& [field, value] : rep.header) md += "- " + field + ": " + (value.empty() ? "-" : "`" + markdown_cell(value) + "`") + "\n";
  // The folder's own name: the table is attached beside it, and a runner's path means nothing
  // to a reviewer. Evidence cells below are relative to it.
  if (!rep.evidence_dir.empty())
    md += "- Evidence folder: `" + markdown_cell(std::filesystem::path(rep.evidence_dir).filename().string()) + "`" +
          (rep.evidence_base_url.empty() ? " (evidence paths below are relative to it)" : " (" + rep.evidence_base_url + ")") +
          "\n";
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
    md += "| # | Id | Plan DoD item | Evidence source | Status | Reason | Evidence | Tests |\n"
          "|---|---|---|---|---|---|---|---|\n";
    int n = 0;
    for (const auto& r : rep.rows) {
      if (r.item->table != table.id) continue;
      std::string tests;
      for (const auto& t : r.tests) tests += (tests.empty() ? "" : "<br>") + ("`" + t.test + "`");
      std::string ev;
      for (const auto& e : r.evidence) {
        const std::string rel = evidence_relative(e, rep.evidence_dir);
        ev += (ev.empty() ? "" : "<br>") +
              (rep.evidence_base_url.empty() ? "`" + markdown_cell(rel) + "`"
                                             : "[" + markdown_cell(rel) + "](" + rep.evidence_base_url + "/" + markdown_cell(rel) + ")");
      }
      std::string item = r.item->item;
      if (table.id != "dod" && !r.item->ticket.empty()) item = r.item->ticket + ": " + item;
      md += "| " + std::to_string(++n) + " | " + r.item->id + " | " + markdown_cell(item) + " | " +
            (r.item->runbook_evidence.empty() ? "-" : markdown_cell(r.item->runbook_evidence)) + " | **" + to_string(r.status) +
            "** | " + markdown_cell(without_evidence_dir(r.reason, rep.evidence_dir)) + " | " + ev + " | " + tests + " |\n";
    }
  }
  return md;
}

}  // namespace infra_dod
