#pragma once
// A scenario is data: fixtures/sandbox/<name>/scenario.json, plus optional per-service files
// (<service>.json patches the scenario's "<service>" section), (optionally "extends" another
// scenario and applies itself as an RFC 7386 merge patch over it; maps keyed by id make single
// resources patchable, null deletes) and expected.json (the DoD status each row must get; its
// optional "labels" and "default_status" judge a scenario under another selection, such as the
// rollbacks, naming only the rows it runs; "passes", "files", "reasons", "evidence", "requests"
// and "report_exit" say what one run of it must also show, and are not inherited).
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "runtime/result.h"

namespace infra_dod::sandbox {

// <root>/<name>/scenario.json with every "extends" resolved.
Result<nlohmann::json> load_scenario(const std::filesystem::path& root, const std::string& name);

struct Expected {
  std::map<std::string, std::string> rows;  // DoD item id -> status
  std::map<std::string, std::string> env;   // extra variables the run sets (opt-in gates)
  std::string labels;          // the ctest label selection the scenario is judged under (empty: the main job's)
  std::string default_status;  // the status of every row not named (empty: every row must be named)
  std::optional<int> report_exit;  // the exit status the report must give, when named
  // Files the run's --out folder holds before the first pass ("{out}" in env values names that
  // folder): copied from the scenario's folder with the given mode, and checked after the run
  // to still begin with what they held (no line an earlier run wrote is lost).
  struct SeedFile {
    std::filesystem::path relative;  // under --out
    std::filesystem::path from;      // absolute, in the scenario's folder
    std::optional<unsigned> mode;
  };
  std::vector<SeedFile> files;
  // Evidence lines that must exist: in `file` of the run's evidence folder, a line with every
  // field of `fields` equal; `pass` limits it to one pass (1-based), 0 to every pass.
  struct EvidenceLine {
    std::string file;
    nlohmann::json fields;
    int pass = 0;
  };
  std::vector<EvidenceLine> evidence;
  std::map<std::string, std::string> reasons;  // DoD item id -> words its reason must contain
  // "<service> <METHOD> <target prefix>" -> how many such requests the emulators saw over every
  // pass (from the sandbox's requests-log.jsonl once it stopped); checked only when the run
  // started the sandbox itself.
  std::map<std::string, int> requests;
  int passes = 1;  // how often --check-expected runs the selection on the same sandbox and files
};
Result<Expected> load_expected(const std::filesystem::path& root, const std::string& name);

// The scenario folders under root, sorted.
std::vector<std::string> list_scenarios(const std::filesystem::path& root);

}  // namespace infra_dod::sandbox
