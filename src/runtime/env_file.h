#pragma once
// The operator's env file (the runbook's `ai_agent_infra_dev.env`) read as data. It is never
// handed to a shell: no expansion, no command substitution, and anything a shell would have
// expanded is an error that names the line, rather than a value silently different from bash's.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/result.h"

namespace infra_dod {

struct EnvFileEntry {
  std::string name;
  std::string value;
  int line = 0;
};

Result<std::vector<EnvFileEntry>> parse_env_file(std::string_view text, std::string_view origin);
Result<std::vector<EnvFileEntry>> read_env_file(const std::filesystem::path& file);

}  // namespace infra_dod
