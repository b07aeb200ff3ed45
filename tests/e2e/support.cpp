#include "e2e/support.h"

#include <fstream>
#include <sstream>

#include "runtime/crypto.h"
#include "runtime/text.h"

namespace infra_dod::e2e {
namespace fs = std::filesystem;

fs::path source_dir() { return INFRA_DOD_SOURCE_DIR; }
fs::path build_dir() { return INFRA_DOD_BUILD_DIR; }

fs::path fresh_dir(const std::string& prefix) {
  const auto d = fs::temp_directory_path() / ("infra-dod-" + prefix + "-" + random_hex(4));
  fs::create_directories(d);
  return d;
}

std::string slurp(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

ProcessResult run(std::vector<std::string> argv, std::map<std::string, std::optional<std::string>> env,
                  std::chrono::seconds deadline) {
  ProcessSpec spec;
  spec.argv = std::move(argv);
  spec.env = std::move(env);
  spec.deadline = deadline;
  return run_process(spec);
}

std::set<std::string> listed_tests(const std::vector<std::string>& selection) {
  std::vector<std::string> argv = {INFRA_DOD_CTEST, "--test-dir", build_dir().string(), "-N"};
  argv.insert(argv.end(), selection.begin(), selection.end());
  const auto r = run(argv);
  std::set<std::string> out;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    const auto colon = line.find(": ");
    if (line.find("Test") != std::string::npos && line.find('#') != std::string::npos && colon != std::string::npos)
      out.insert(trim(line.substr(colon + 2)));
  }
  return out;
}

std::vector<std::vector<std::string>> table_rows(const std::string& md, const std::string& heading) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(md);
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    if (starts_with(line, "## ")) {
      inside = starts_with(line.substr(3), heading);
      continue;
    }
    if (!inside || !starts_with(line, "| ") || starts_with(line, "| #") || starts_with(line, "|---")) continue;
    std::vector<std::string> cells;
    std::string cell;
    for (std::size_t i = 1; i < line.size(); ++i) {
      if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '|') {
        cell += '|';
        ++i;
      } else if (line[i] == '|') {
        cells.push_back(trim(cell));
        cell.clear();
      } else {
        cell += line[i];
      }
    }
    rows.push_back(cells);
  }
  return rows;
}

nlohmann::json read_json(const std::filesystem::path& file) {
  std::ifstream in(file);
  return nlohmann::json::parse(in, nullptr, false);
}

bool process_running(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string s;
  if (!std::getline(stat, s)) return false;
  const auto close = s.rfind(')');
  return close != std::string::npos && s.size() > close + 2 && s[close + 2] != 'Z' && s[close + 2] != 'X';
}

}  // namespace infra_dod::e2e
