// `infra-dod list` and `infra-dod explain`: the registry read for a person. Which rows exist,
// how each is selected and gated (and whether this configuration opens the gate), which cases
// give its evidence, what judges it, and which sandbox scenarios make it fail.
#include <cstdio>

#include "commands.h"
#include "registry/registry.h"
#include "rules/snapshot_reader.h"
#include "scenario.h"
#include "sandbox_control.h"

namespace infra_dod::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kListHelp = R"(usage: infra-dod list [--select automatic|smoke|manual|rollback,...] [--json]

Every DoD item of labels/dod.json: its id, mode, labels, gate (the opt-in flags and required
variables, each marked set or unset in the effective configuration) and the cases that give its
evidence. --select keeps the items of those modes.
)";

constexpr const char* kExplainHelp = R"(usage: infra-dod explain ITEM [--json]

One DoD item: the runbook's words (its ticket, item and evidence source), its mode, labels and
gate, the suite file and cases that judge it, and the sandbox scenarios that make it fail (those
whose expected.json gives the row another status than healthy's).
)";

json gate_json(const Gate& g, const Config& cfg) {
  json flags = json::array();
  for (const auto& [var, want] : g.flags)
    flags.push_back({{"variable", var}, {"opens_at", want}, {"set", cfg.value(var) == want}});
  json requires_vars = json::array();
  for (const auto& var : g.requires_vars) requires_vars.push_back({{"variable", var}, {"set", cfg.get(var).has_value()}});
  json j = {{"flags", flags}, {"requires", requires_vars}, {"open", !gate_closed_reason(g, cfg).has_value()}};
  if (auto why = gate_closed_reason(g, cfg)) j["closed_because"] = *why;
  if (!g.confirm_variable.empty()) j["confirm"] = {{"variable", g.confirm_variable}, {"equals", g.confirm_equals}};
  if (g.checked_when_closed) j["checked_when_closed"] = true;
  return j;
}

std::string gate_text(const Gate& g, const Config& cfg) {
  if (g.empty()) return "-";
  std::string s;
  for (const auto& [var, want] : g.flags)
    s += (s.empty() ? "" : " ") + var + "=" + want + (cfg.value(var) == want ? " (set)" : " (unset)");
  for (const auto& var : g.requires_vars) s += (s.empty() ? "" : " ") + var + (cfg.get(var) ? " (set)" : " (unset)");
  if (!g.confirm_variable.empty()) s += (s.empty() ? "" : " ") + g.confirm_variable + "==" + g.confirm_equals;
  return s;
}

json item_json(const DodItem& i, const Config& cfg) {
  return {{"id", i.id},       {"ticket", i.ticket},   {"mode", i.mode},  {"labels", i.labels},
          {"gate", gate_json(i.gate, cfg)}, {"tests", i.tests}, {"suite", i.suite},
          {"release_blocking", i.release_blocking}};
}

// Scenarios whose expected status for `id` differs from healthy's, with that status.
std::vector<std::pair<std::string, std::string>> failing_scenarios(const std::string& id) {
  std::vector<std::pair<std::string, std::string>> out;
  const fs::path root = default_scenarios_dir();
  const auto healthy = sandbox::load_expected(root, "healthy");
  const std::string base = healthy && healthy->rows.count(id) ? healthy->rows.at(id) : "";
  for (const auto& name : sandbox::list_scenarios(root)) {
    const auto e = sandbox::load_expected(root, name);
    if (!e) continue;
    const auto it = e->rows.find(id);
    if (it != e->rows.end() && it->second != base) out.emplace_back(name, it->second);
  }
  return out;
}

}  // namespace

int cmd_list(const Args& in) {
  Args args = in;
  if (take_flag(args, "--help")) {
    std::fputs(kListHelp, stdout);
    return 0;
  }
  const bool as_json = take_flag(args, "--json");
  const std::string select = take_option(args, "--select");
  if (reject_leftovers("list", args)) return 2;
  auto cfg = load_config("list");
  if (!cfg) return 2;
  auto reg = Registry::load(Registry::default_path());
  if (!reg) {
    std::fprintf(stderr, "infra-dod list: %s\n", reg.error().message.c_str());
    return 2;
  }
  std::vector<std::string> modes;
  if (!select.empty()) {
    const auto parsed = parse_modes(select);
    if (!parsed) {
      std::fprintf(stderr, "infra-dod list: --select %s: use automatic, smoke, manual or rollback, comma-separated\n",
                   select.c_str());
      return 2;
    }
    modes = *parsed;
  }
  json all = json::array();
  for (const auto& i : reg->items()) {
    if (!modes.empty() && std::find(modes.begin(), modes.end(), i.mode) == modes.end()) continue;
    if (as_json) {
      all.push_back(item_json(i, cfg.value()));
      continue;
    }
    std::printf("%-26s %-9s %-30s gate: %s\n%28s cases: %s\n", i.id.c_str(), i.mode.c_str(),
                i.labels.empty() ? "-" : rules::join(i.labels, ",").c_str(), gate_text(i.gate, cfg.value()).c_str(), "",
                rules::join(i.tests).c_str());
  }
  if (as_json) std::printf("%s\n", all.dump(2).c_str());
  return 0;
}

int cmd_explain(const Args& in) {
  Args args = in;
  if (take_flag(args, "--help")) {
    std::fputs(kExplainHelp, stdout);
    return 0;
  }
  const bool as_json = take_flag(args, "--json");
  if (args.size() != 1) {
    std::fputs("infra-dod explain: name exactly one DoD item (infra-dod list shows them)\n", stderr);
    return 2;
  }
  auto cfg = load_config("explain");
  if (!cfg) return 2;
  auto reg = Registry::load(Registry::default_path());
  if (!reg) {
    std::fprintf(stderr, "infra-dod explain: %s\n", reg.error().message.c_str());
    return 2;
  }
  const auto* i = reg->find(args.front());
  if (!i) {
    std::fprintf(stderr, "infra-dod explain: %s is not a DoD item (infra-dod list shows them)\n", args.front().c_str());
    return 2;
  }
  const auto failing = failing_scenarios(i->id);
  if (as_json) {
    json j = item_json(*i, cfg.value());
    j["item"] = i->item;
    j["evidence_source"] = i->runbook_evidence;
    j["table"] = i->table;
    json f = json::array();
    for (const auto& [name, status] : failing) f.push_back({{"scenario", name}, {"status", status}});
    j["failing_scenarios"] = f;
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  std::printf("%s (%s)\n\n  Plan DoD item:    %s\n", i->id.c_str(), i->ticket.c_str(), i->item.c_str());
  if (!i->runbook_evidence.empty()) std::printf("  Evidence source:  %s\n", i->runbook_evidence.c_str());
  std::printf("  Mode:             %s%s\n  Labels:           %s\n  Gate:             %s\n", i->mode.c_str(),
              i->release_blocking ? " (release-blocking)" : "", i->labels.empty() ? "-" : rules::join(i->labels).c_str(),
              gate_text(i->gate, cfg.value()).c_str());
  if (auto why = gate_closed_reason(i->gate, cfg.value())) std::printf("                    closed here: %s\n", why->c_str());
  std::printf("  Judged by:        %s: %s\n", i->suite.c_str(), rules::join(i->tests).c_str());
  std::printf("  Flipped by:       %s\n", failing.empty() ? "(no sandbox scenario changes it)" : "(sandbox scenarios, and the status each gives it)");
  for (const auto& [name, status] : failing)
    std::printf("    %-34s -> %s   (infra-dod run --scenario %s --check-expected)\n", name.c_str(), status.c_str(),
                name.c_str());
  return 0;
}

}  // namespace infra_dod::cli
