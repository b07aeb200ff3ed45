#pragma once
// A scenario is data: fixtures/sandbox/<name>/scenario.json, plus optional per-service files
// (<service>.json patches the scenario's "<service>" section), (optionally "extends" another
// scenario and applies itself as an RFC 7386 merge patch over it; maps keyed by id make single
// resources patchable, null deletes) and expected.json (the DoD status each row must get).
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "runtime/result.h"

namespace infra_dod::sandbox {

// <root>/<name>/scenario.json with every "extends" resolved.
Result<nlohmann::json> load_scenario(const std::filesystem::path& root, const std::string& name);

struct Expected {
  std::map<std::string, std::string> rows;  // DoD item id -> status
  std::map<std::string, std::string> env;   // extra variables the run sets (opt-in gates)
};
Result<Expected> load_expected(const std::filesystem::path& root, const std::string& name);

// The scenario folders under root, sorted.
std::vector<std::string> list_scenarios(const std::filesystem::path& root);

}  // namespace infra_dod::sandbox
