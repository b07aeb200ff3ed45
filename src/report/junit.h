#pragma once
// Readers for the two result files a run leaves: ctest's --output-junit file (status per CTest
// test) and the per-case gtest XML (skip reasons, failure messages, recorded properties).
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

struct GtestCase {
  std::string name;     // Suite.Name
  std::string result;   // completed | skipped | suppressed
  bool failed = false;
  std::string failure;  // first failure message, source location dropped
  std::string skipped;  // skip message, source location dropped
  std::map<std::string, std::string> properties;
};

Result<std::vector<CtestCase>> read_ctest_junit(const std::filesystem::path& file);
Result<std::vector<CtestCase>> parse_ctest_junit(const std::string& xml, const std::string& origin);
// Every testcase in a gtest XML file.
Result<std::vector<GtestCase>> read_gtest_xml(const std::filesystem::path& file);
Result<std::vector<GtestCase>> parse_gtest_xml(const std::string& xml, const std::string& origin);

}  // namespace infra_dod
