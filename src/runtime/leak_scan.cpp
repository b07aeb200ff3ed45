#include "runtime/leak_scan.h"

#include "runtime/run.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>

namespace infra_dod {
namespace fs = std::filesystem;

namespace {

std::size_t line_of(const std::string& text, std::size_t offset) {
  return static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<long>(std::min(offset, text.size())), '\n')) + 1;
}

// find_raw_markers' marker ("set-cookie", "bearer", "\"password\"", "access_token") in the
// runbook's three words.
std::string runbook_marker(const std::string& marker) {
  if (marker == "set-cookie" || marker == "cookie") return marker;
  return "token";
}

// An artifact file that exists and is not already under the evidence folder.
std::optional<fs::path> artifact_outside(const std::optional<std::string>& value, const fs::path& evidence_dir) {
  std::error_code ec;
  if (!value || !fs::is_regular_file(*value, ec)) return std::nullopt;
  const auto file = fs::weakly_canonical(*value, ec);
  const auto rel = file.lexically_relative(fs::weakly_canonical(evidence_dir, ec));
  if (!rel.empty() && *rel.begin() != "..") return std::nullopt;
  return file;
}

}  // namespace

std::vector<ScanTarget> guardrail_targets(const Config& cfg, const fs::path& evidence_dir) {
  std::vector<ScanTarget> targets = {{"evidence", evidence_dir}};
  if (auto run = current_run(cfg, SystemClock::instance())) {
    targets.push_back({"case-results", run->results_dir()});
    targets.push_back({"gtest-xml", run->gtest_xml_dir()});
  }
  for (const char* variable : {"LANGFUSE_SMOKE_ARTIFACT_FILE", "LANGFUSE_TRACE_SMOKE_ARTIFACT_FILE"})
    if (auto file = artifact_outside(cfg.get(variable), evidence_dir)) targets.push_back({"artifact", *file});
  return targets;
}

std::vector<MarkerScan> scan_markers(const std::vector<ScanTarget>& targets,
                                     const std::vector<SecretFingerprint>& fingerprints) {
  std::vector<std::string> names;
  for (const auto& f : fingerprints)
    if (std::find(names.begin(), names.end(), f.name) == names.end()) names.push_back(f.name);
  std::vector<MarkerScan> out;
  for (const auto& t : targets) {
    const auto leaks = scan_for_leaks({t.path}, fingerprints);
    auto record = [&](const std::string& marker, bool registered) {
      MarkerScan m{t.kind, t.path, marker, registered, 0, {}};
      for (const auto& l : leaks) {
        if (l.marker != marker || l.registered != registered) continue;
        ++m.count;
        std::error_code ec;
        auto rel = fs::relative(l.file, t.path, ec);
        const fs::path shown = ec || rel.empty() || rel == "." ? l.file.filename() : rel;
        if (std::find(m.files.begin(), m.files.end(), shown) == m.files.end()) m.files.push_back(shown);
      }
      out.push_back(std::move(m));
    };
    for (const auto& marker : kRunbookRawMarkers) record(marker, false);
    for (const auto& name : names) record(name, true);
  }
  return out;
}

nlohmann::json to_json(const MarkerScan& m) {
  nlohmann::json line = {{"target_kind", m.target_kind}, {"target", m.target.string()}, {"marker", m.marker},
                         {"marker_kind", m.registered ? "registered-secret" : "raw-marker"},
                         {"result", m.count == 0 ? "NOT_FOUND" : "FOUND"}};
  if (m.count == 0) return line;
  nlohmann::json files = nlohmann::json::array();
  for (const auto& f : m.files) files.push_back(f.string());
  line["count"] = m.count;
  line["files"] = files;
  return line;
}

std::vector<Leak> scan_text_for_leaks(const std::string& text, const fs::path& origin,
                                      const std::vector<SecretFingerprint>& fingerprints) {
  std::vector<Leak> leaks;
  for (const auto& f : SecretRegistry::scan(text, fingerprints))
    leaks.push_back({origin, line_of(text, f.offset), "registered secret " + f.name + " (" + f.form + ")", f.name, true});
  for (const auto& m : find_raw_markers(text))
    leaks.push_back({origin, line_of(text, m.offset), "raw " + m.marker + " value", runbook_marker(m.marker), false});
  return leaks;
}

std::vector<Leak> scan_for_leaks(const std::vector<fs::path>& roots, const std::vector<SecretFingerprint>& fingerprints) {
  std::vector<Leak> leaks;
  auto scan_file = [&](const fs::path& p) {
    // The fingerprints are salted hashes, not values; they are the scanner's input.
    if (p.filename() == "secret-fingerprints.jsonl") return;
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    for (auto& l : scan_text_for_leaks(ss.str(), p, fingerprints)) leaks.push_back(std::move(l));
  };
  for (const auto& root : roots) {
    std::error_code ec;
    if (fs::is_regular_file(root, ec)) {
      scan_file(root);
      continue;
    }
    if (!fs::is_directory(root, ec)) continue;
    for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
      if (it->is_regular_file()) scan_file(it->path());
  }
  return leaks;
}

}  // namespace infra_dod
