#pragma once
// labels/dod.json in memory: the DoD items, their runbook words, labels, gates and the gtest
// cases that give their evidence. CMake reads the same file to register the CTest tests.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/config.h"
#include "runtime/result.h"

namespace infra_dod {

inline const std::vector<std::string>& mode_labels() {
  static const std::vector<std::string> modes = {"automatic", "smoke", "manual", "rollback"};
  return modes;
}

struct Gate {
  std::map<std::string, std::string> flags;  // variable -> value that opens the gate
  std::vector<std::string> requires_vars;     // variables that must be set
  std::string confirm_variable;               // must equal the value of confirm_equals
  std::string confirm_equals;
  // The case still runs while only its flags are unset, to check the closed gate itself (DEV-012's
  // gate mode); it then reports `skipped` with the gate's reason unless that check fails.
  bool checked_when_closed = false;
  bool empty() const { return flags.empty() && requires_vars.empty() && confirm_variable.empty(); }
  bool operator==(const Gate&) const = default;
};

struct DodItem {
  std::string id;
  std::string table;
  std::string ticket;
  std::string item;
  std::string runbook_evidence;
  std::string mode;
  std::vector<std::string> labels;  // extra labels; the mode is added for CTest
  bool release_blocking = false;
  bool runs_last = false;
  // A smoke that also judges the run's inventory snapshot: its cases require the inventory fixture.
  bool needs_inventory = false;
  // An Alert/Event checklist row: the event type whose ADR-0024 send can stand as its evidence.
  std::string send_event_type;
  Gate gate;
  int timeout = 0;
  std::vector<std::string> tests;
  std::string suite;  // the suites/ file that defines the tests: the file its ticket names
  // Rows whose evidence this row's cell also lists (never their status): the smokes carry the
  // guardrail's raw-marker scan, as the runbook's staging evidence set does.
  std::vector<std::string> evidence_also;
};

struct DodTable {
  std::string id;
  std::string title;
};

class Registry {
 public:
  static Result<Registry> load(const std::filesystem::path& file);
  static Result<Registry> parse(const std::string& text, const std::string& origin);
  // INFRA_DOD_REGISTRY, else the source tree's labels/dod.json.
  static std::filesystem::path default_path();

  const std::vector<DodItem>& items() const { return items_; }
  const std::vector<DodTable>& tables() const { return tables_; }
  const DodItem* find(const std::string& id) const;
  std::vector<const DodItem*> items_for_test(const std::string& test) const;
  // Every test name, in first-mention order.
  std::vector<std::string> tests() const;
  // The CTest labels of a test: the union over the items that name it (mode first).
  std::vector<std::string> ctest_labels(const std::string& test) const;
  int timeout_for(const std::string& test) const;
  // Problems that make the registry unusable or ambiguous; empty when it is sound.
  std::vector<std::string> problems() const;

 private:
  std::vector<DodTable> tables_;
  std::vector<DodItem> items_;
};

// Why a gated item does not run now, in words an operator can act on; nothing when it is open.
std::optional<std::string> gate_closed_reason(const Gate& gate, const Config& cfg);

}  // namespace infra_dod
