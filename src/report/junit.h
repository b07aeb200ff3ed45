#pragma once
// The reader of ctest's --output-junit file: whether CTest ran each test, its status and time.
// What a case concluded is in its result record (runtime/case_record.h), not here.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "runtime/result.h"

namespace infra_dod {

struct CtestCase {
  std::string name;
  std::string status;           // run | fail | notrun | disabled
  std::string skipped_message;  // ctest's own words: SKIP_RETURN_CODE=77, Fixture dependency failed, ...
  double time = 0;
  std::string output;           // system-out (stdout and stderr merged, maybe truncated)
};

Result<std::vector<CtestCase>> read_ctest_junit(const std::filesystem::path& file);
Result<std::vector<CtestCase>> parse_ctest_junit(const std::string& xml, const std::string& origin);
}  // namespace infra_dod
