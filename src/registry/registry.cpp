#include "registry/registry.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace infra_dod {
namespace fs = std::filesystem;
using nlohmann::json;

fs::path Registry::default_path() {
  if (const char* p = std::getenv("INFRA_DOD_REGISTRY"); p && *p) return p;
  return INFRA_DOD_DEFAULT_REGISTRY;
}

Result<Registry> Registry::load(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return Error{ErrorKind::config, "cannot read the DoD registry " + file.string()};
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), file.string());
}

Result<Registry> Registry::parse(const std::string& text, const std::string& origin) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Error{ErrorKind::config, origin + ": not valid JSON"};
  Registry reg;
  try {
    std::map<std::string, int> default_timeouts;
    if (j.contains("defaults") && j["defaults"].contains("timeout"))
      for (auto& [mode, t] : j["defaults"]["timeout"].items()) default_timeouts[mode] = t.get<int>();
    for (const auto& t : j.at("tables")) reg.tables_.push_back({t.at("id"), t.at("title")});
    for (const auto& it : j.at("items")) {
      DodItem item;
      item.id = it.at("id");
      item.table = it.at("table");
      item.ticket = it.value("ticket", "");
      item.item = it.at("item");
      item.runbook_evidence = it.value("runbook_evidence", "");
      item.mode = it.at("mode");
      item.labels = it.value("labels", std::vector<std::string>{});
      item.release_blocking = it.value("release_blocking", false);
      item.runs_last = it.value("runs_last", false);
      item.needs_inventory = it.value("needs_inventory", false);
      item.send_event_type = it.value("send_event_type", "");
      item.tests = it.at("tests").get<std::vector<std::string>>();
      item.suite = it.value("suite", "");
      item.evidence_also = it.value("evidence_also", std::vector<std::string>{});
      item.timeout = it.value("timeout", default_timeouts.count(item.mode) ? default_timeouts[item.mode] : 60);
      if (it.contains("gate")) {
        const auto& g = it["gate"];
        if (g.contains("flags"))
          for (auto& [k, v] : g["flags"].items()) item.gate.flags[k] = v.get<std::string>();
        item.gate.requires_vars = g.value("requires", std::vector<std::string>{});
        item.gate.checked_when_closed = g.value("checked_when_closed", false);
        if (g.contains("confirm")) {
          item.gate.confirm_variable = g["confirm"].at("variable");
          item.gate.confirm_equals = g["confirm"].at("equals");
        }
      }
      reg.items_.push_back(std::move(item));
    }
  } catch (const json::exception& e) {
    return Error{ErrorKind::config, origin + ": " + e.what()};
  }
  return reg;
}

const DodItem* Registry::find(const std::string& id) const {
  for (const auto& i : items_)
    if (i.id == id) return &i;
  return nullptr;
}

std::vector<const DodItem*> Registry::items_for_test(const std::string& test) const {
  std::vector<const DodItem*> out;
  for (const auto& i : items_)
    if (std::find(i.tests.begin(), i.tests.end(), test) != i.tests.end()) out.push_back(&i);
  return out;
}

std::vector<std::string> Registry::tests() const {
  std::vector<std::string> out;
  for (const auto& i : items_)
    for (const auto& t : i.tests)
      if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  return out;
}

std::vector<std::string> Registry::ctest_labels(const std::string& test) const {
  std::vector<std::string> out;
  auto add = [&](const std::string& l) {
    if (std::find(out.begin(), out.end(), l) == out.end()) out.push_back(l);
  };
  for (const auto* i : items_for_test(test)) {
    add(i->mode);
    for (const auto& l : i->labels) add(l);
  }
  return out;
}

int Registry::timeout_for(const std::string& test) const {
  int t = 0;
  for (const auto* i : items_for_test(test)) t = std::max(t, i->timeout);
  return t;
}

std::vector<std::string> Registry::problems() const {
  std::vector<std::string> p;
  std::set<std::string> ids;
  std::set<std::string> tables;
  for (const auto& t : tables_) tables.insert(t.id);
  for (const auto& i : items_) {
    if (!ids.insert(i.id).second) p.push_back("duplicate item id " + i.id);
    if (!tables.count(i.table)) p.push_back(i.id + ": unknown table '" + i.table + "'");
    if (std::find(mode_labels().begin(), mode_labels().end(), i.mode) == mode_labels().end())
      p.push_back(i.id + ": mode '" + i.mode + "' is not one of automatic, smoke, manual, rollback");
    for (const auto& l : i.labels) {
      for (const auto& m : mode_labels())
        if (l.find(m) != std::string::npos)
          p.push_back(i.id + ": label '" + l + "' contains the mode label '" + m + "'; an unanchored -L " + m +
                      " would select it");
    }
    if (i.tests.empty()) p.push_back(i.id + ": names no test case");
    for (const auto& other : i.evidence_also)
      if (!find(other) || other == i.id) p.push_back(i.id + ": evidence_also names '" + other + "', which is not another row");
    const bool destructive = std::find(i.labels.begin(), i.labels.end(), "destructive") != i.labels.end();
    if (destructive && (i.mode == "automatic" || i.mode == "smoke"))
      p.push_back(i.id + ": a destructive item must not be automatic or smoke");
    if (destructive && i.gate.flags.empty()) p.push_back(i.id + ": a destructive item needs an opt-in flag");
    const bool opt_in = std::find(i.labels.begin(), i.labels.end(), "opt-in") != i.labels.end();
    if (opt_in && i.gate.empty()) p.push_back(i.id + ": labelled opt-in but has no gate");
    for (const auto& v : i.gate.requires_vars)
      if (!find_variable(v)) p.push_back(i.id + ": gate requires " + v + ", which is not in the variable catalogue");
    for (const auto& [v, val] : i.gate.flags)
      if (!find_variable(v)) p.push_back(i.id + ": gate flag " + v + " is not in the variable catalogue");
  }
  for (const auto& t : tests()) {
    const auto users = items_for_test(t);
    for (const auto* u : users) {
      if (!(u->gate == users.front()->gate))
        p.push_back(t + ": items " + users.front()->id + " and " + u->id + " share the case but not the gate");
      if (u->mode != users.front()->mode)
        p.push_back(t + ": items " + users.front()->id + " and " + u->id + " share the case but not the mode");
    }
  }
  return p;
}

std::optional<std::string> gate_closed_reason(const Gate& gate, const Config& cfg) {
  std::vector<std::string> missing;
  for (const auto& [var, want] : gate.flags)
    if (cfg.value(var) != want) missing.push_back("set " + var + "=" + want);
  if (!missing.empty()) {
    std::string s = "opt-in: ";
    for (std::size_t i = 0; i < missing.size(); ++i) s += (i ? " and " : "") + missing[i];
    return s + " to run";
  }
  for (const auto& var : gate.requires_vars)
    if (!cfg.get(var)) missing.push_back(var);
  if (!missing.empty()) {
    std::string s = "missing variable";
    s += missing.size() > 1 ? "s " : " ";
    for (std::size_t i = 0; i < missing.size(); ++i) s += (i ? ", " : "") + missing[i];
    return s;
  }
  if (!gate.confirm_variable.empty()) {
    const std::string target = cfg.value(gate.confirm_equals);
    if (cfg.value(gate.confirm_variable) != target)
      return "confirmation: set " + gate.confirm_variable + "=" + target + " (the " + gate.confirm_equals +
             " this acts on) to confirm the target";
  }
  return std::nullopt;
}

}  // namespace infra_dod
