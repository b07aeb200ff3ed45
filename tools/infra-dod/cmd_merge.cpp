// `infra-dod merge`: the DoD tables of several runs (dev, staging, regions) side by side, one
// status column per environment, in the runbook's order.
#include <cstdio>
#include <fstream>
#include <map>

#include "commands.h"
#include "registry/registry.h"
#include "report/report.h"

namespace infra_dod::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kHelp = R"(usage: infra-dod merge OUT [OUT...] [--md FILE] [--json FILE]

Joins the DoD tables (dod-table.json) of several `infra-dod run` output folders, one per
environment, into one table with a status column per environment, in the runbook's order. A
column is named by the run's environment (and its folder, when two runs share an environment).
Prints the Markdown; --md and --json also write it.
Exit: 0; 1 when a release-blocking row is fail or error in any environment; 2 bad input.
)";

}  // namespace

int cmd_merge(const Args& in) {
  Args args = in;
  if (take_flag(args, "--help")) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  const std::string md_out = take_option(args, "--md");
  const std::string json_out = take_option(args, "--json");
  if (args.empty()) {
    std::fputs("infra-dod merge: name at least one `infra-dod run` output folder (see --help)\n", stderr);
    return 2;
  }
  struct Column {
    std::string name;
    json table;
  };
  std::vector<Column> columns;
  std::map<std::string, int> env_count;
  for (const auto& dir : args) {
    std::ifstream table_file(fs::path(dir) / "dod-table.json");
    const json t = json::parse(table_file, nullptr, false);
    if (t.is_discarded() || !t.is_object() || !t.contains("rows") || !t["rows"].is_array()) {
      std::fprintf(stderr, "infra-dod merge: %s holds no dod-table.json (the output folder of `infra-dod run`)\n",
                   dir.c_str());
      return 2;
    }
    const std::string env = t.value("environment", "");
    columns.push_back({env.empty() ? fs::path(dir).filename().string() : env, t});
    env_count[columns.back().name]++;
  }
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (env_count[columns[i].name] > 1)
      columns[i].name += " (" + fs::path(args[i]).lexically_normal().filename().string() + ")";
  auto reg = Registry::load(Registry::default_path());
  if (!reg) {
    std::fprintf(stderr, "infra-dod merge: %s\n", reg.error().message.c_str());
    return 2;
  }
  std::string md = "# Definition of Done across environments\n\n";
  for (std::size_t i = 0; i < columns.size(); ++i)
    md += "- " + markdown_cell(columns[i].name) + ": run `" + columns[i].table.value("run_id", "") + "`, generated " +
          columns[i].table.value("generated_utc", "") + "\n";
  json merged = {{"environments", json::array()}, {"rows", json::array()}};
  for (const auto& c : columns) merged["environments"].push_back(c.name);
  int blockers = 0;
  for (const auto& table : reg->tables()) {
    md += "\n## " + table.title + "\n\n| Id | Plan DoD item |";
    std::string rule = "|---|---|";
    for (const auto& c : columns) {
      md += " " + markdown_cell(c.name) + " |";
      rule += "---|";
    }
    md += "\n" + rule + "\n";
    for (const auto& item : reg->items()) {
      if (item.table != table.id) continue;
      md += "| " + item.id + " | " + markdown_cell(item.item) + " |";
      json row = {{"id", item.id}, {"status", json::object()}, {"reason", json::object()}};
      for (const auto& c : columns) {
        std::string status = "absent", reason;
        for (const auto& r : c.table["rows"])
          if (r.value("id", "") == item.id) {
            status = r.value("status", "absent");
            reason = r.value("reason", "");
          }
        if (item.release_blocking && (status == "fail" || status == "error")) ++blockers;
        md += " **" + status + "** |";
        row["status"][c.name] = status;
        row["reason"][c.name] = reason;
      }
      md += "\n";
      merged["rows"].push_back(row);
    }
  }
  std::fputs(md.c_str(), stdout);
  if (!md_out.empty()) std::ofstream(md_out) << md;
  if (!json_out.empty()) std::ofstream(json_out) << merged.dump(2) << "\n";
  return blockers ? 1 : 0;
}

}  // namespace infra_dod::cli
