#include "scenario.h"

#include <algorithm>
#include <fstream>
#include <set>

namespace infra_dod::sandbox {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

Result<json> read_json(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return Error{ErrorKind::config, "cannot read " + file.string()};
  json j = json::parse(in, nullptr, false);
  if (j.is_discarded()) return Error{ErrorKind::config, file.string() + " is not valid JSON"};
  return j;
}

Result<json> load(const fs::path& root, const std::string& name, std::set<std::string>& seen) {
  if (!seen.insert(name).second) return Error{ErrorKind::config, "scenario " + name + " extends itself"};
  auto j = read_json(root / name / "scenario.json");
  if (!j) return j.error();
  json doc = j.value();
  if (!doc.is_object()) return Error{ErrorKind::config, name + "/scenario.json is not an object"};
  // Per-service files (<service>.json) patch the section of that name.
  std::error_code ec;
  std::vector<fs::path> parts;
  for (const auto& f : fs::directory_iterator(root / name, ec)) parts.push_back(f.path());
  std::sort(parts.begin(), parts.end());
  for (const auto& f : parts) {
    const std::string stem = f.stem().string();
    if (f.extension() != ".json" || stem == "scenario" || stem == "expected") continue;
    auto part = read_json(f);
    if (!part) return part.error();
    // Kept as a patch (nulls included) until it is applied over the base scenario.
    if (!doc.contains(stem)) {
      doc[stem] = part.value();
    } else {
      doc[stem].merge_patch(part.value());
    }
  }
  if (doc.contains("extends")) {
    const std::string base_name = doc["extends"].get<std::string>();
    auto base = load(root, base_name, seen);
    if (!base) return base.error();
    json merged = base.value();
    doc.erase("extends");
    merged.merge_patch(doc);
    doc = merged;
  }
  doc["name"] = name;
  return doc;
}

}  // namespace

Result<json> load_scenario(const fs::path& root, const std::string& name) {
  std::set<std::string> seen;
  return load(root, name, seen);
}

Result<Expected> load_expected(const fs::path& root, const std::string& name) {
  auto j = read_json(root / name / "expected.json");
  if (!j) return j.error();
  Expected e;
  // A fault scenario's expected.json "extends" another and names only the rows it flips.
  if (j.value().contains("extends")) {
    const std::string base_name = j.value()["extends"].get<std::string>();
    if (base_name == name) return Error{ErrorKind::config, name + "/expected.json extends itself"};
    auto base = load_expected(root, base_name);
    if (!base) return base.error();
    e = base.value();
    // Rows, variables and the selection carry over; what one run of this scenario must show
    // (its passes, seeded files, reasons, evidence lines and the report's exit) belongs to its
    // own file.
    e.passes = 1;
    e.report_exit.reset();
    e.files.clear();
    e.reasons.clear();
    e.evidence.clear();
    e.requests.clear();
  }
  try {
    const json rows = j.value().value("rows", json::object());
    for (auto& [k, v] : rows.items()) e.rows[k] = v.get<std::string>();
    const json env = j.value().value("env", json::object());
    for (auto& [k, v] : env.items()) e.env[k] = v.get<std::string>();
    e.labels = j.value().value("labels", e.labels);
    e.default_status = j.value().value("default_status", e.default_status);
    if (j.value().contains("report_exit")) e.report_exit = j.value()["report_exit"].get<int>();
    e.passes = j.value().value("passes", e.passes);
    const json reasons = j.value().value("reasons", json::object());
    for (auto& [k, v] : reasons.items()) e.reasons[k] = v.get<std::string>();
    const json files = j.value().value("files", json::object());
    for (auto& [rel, f] : files.items()) {
      Expected::SeedFile seed{rel, root / name / f.at("from").get<std::string>(), std::nullopt};
      if (f.contains("mode")) seed.mode = static_cast<unsigned>(std::stoul(f["mode"].get<std::string>(), nullptr, 8));
      if (rel.empty() || seed.relative.is_absolute() || *seed.relative.begin() == "..")
        return Error{ErrorKind::config, name + "/expected.json: files: " + rel + " must lie under --out"};
      e.files.push_back(std::move(seed));
    }
    const json requests = j.value().value("requests", json::object());
    for (auto& [k, v] : requests.items()) {
      if (std::count(k.begin(), k.end(), ' ') < 2)
        return Error{ErrorKind::config, name + "/expected.json: requests: '" + k + "' is not '<service> <METHOD> <target prefix>'"};
      e.requests[k] = v.get<int>();
    }
    const json evidence = j.value().value("evidence", json::array());
    for (const auto& l : evidence)
      e.evidence.push_back({l.at("file").get<std::string>(), l.at("fields"), l.value("pass", 0)});
  } catch (const std::exception& ex) {
    return Error{ErrorKind::config, name + "/expected.json: " + ex.what()};
  }
  return e;
}

std::vector<std::string> list_scenarios(const fs::path& root) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& d : fs::directory_iterator(root, ec))
    if (d.is_directory() && fs::exists(d.path() / "scenario.json")) out.push_back(d.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace infra_dod::sandbox
