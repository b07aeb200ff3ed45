#include "runtime/leak_scan.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace infra_dod {
namespace fs = std::filesystem;

namespace {

std::size_t line_of(const std::string& text, std::size_t offset) {
  return static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<long>(std::min(offset, text.size())), '\n')) + 1;
}

}  // namespace

std::vector<Leak> scan_text_for_leaks(const std::string& text, const fs::path& origin,
                                      const std::vector<SecretFingerprint>& fingerprints) {
  std::vector<Leak> leaks;
  for (const auto& f : SecretRegistry::scan(text, fingerprints))
    leaks.push_back({origin, line_of(text, f.offset), "registered secret " + f.name + " (" + f.form + ")"});
  for (const auto& m : find_raw_markers(text))
    leaks.push_back({origin, line_of(text, m.offset), "raw " + m.marker + " value"});
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
