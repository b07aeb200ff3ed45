#pragma once
// Shared by the end-to-end selftests: they drive the real binaries (ctest, infra-dod,
// dod_cases) and read what those wrote.
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <sys/types.h>

#include "runtime/process.h"

namespace infra_dod::e2e {

std::filesystem::path source_dir();
std::filesystem::path build_dir();
std::filesystem::path fresh_dir(const std::string& prefix);
std::string slurp(const std::filesystem::path& file);
ProcessResult run(std::vector<std::string> argv, std::map<std::string, std::optional<std::string>> env = {},
                  std::chrono::seconds deadline = std::chrono::seconds(300));
// A JSON file, or a discarded value when it is missing or not JSON.
nlohmann::json read_json(const std::filesystem::path& file);
// Whether the process runs (a zombie or a missing pid does not).
bool process_running(pid_t pid);
// The CTest test names a `ctest -N` selection lists.
std::set<std::string> listed_tests(const std::vector<std::string>& selection);

// The Markdown table rows (cells split) under the heading that starts with `heading`.
std::vector<std::vector<std::string>> table_rows(const std::string& markdown, const std::string& heading);

}  // namespace infra_dod::e2e
