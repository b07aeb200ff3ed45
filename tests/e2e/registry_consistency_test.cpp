// The registry (labels/dod.json), the CTest tests CMake registered from it and the gtest cases
// compiled into dod_cases must agree: a row without a case, a case without a row, a filter that
// matches nothing, or a label that drifted all fail here.
#include <gtest/gtest.h>

#include <algorithm>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "e2e/support.h"
#include "registry/registry.h"
#include "runtime/case_record.h"
#include "runtime/text.h"

namespace infra_dod::e2e {
namespace {

Registry registry() {
  auto r = Registry::load(source_dir() / "labels/dod.json");
  if (!r) throw std::runtime_error(r.error().message);
  return r.value();
}

std::set<std::string> compiled_cases() {
  const auto r = run({INFRA_DOD_CASES, "--gtest_list_tests"});
  std::set<std::string> out;
  std::istringstream in(r.out);
  std::string line, suite;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line[0] != ' ') {
      suite = trim(line);
      if (!suite.empty() && suite.back() == '.') suite.pop_back();
    } else {
      out.insert(suite + "." + trim(line.substr(0, line.find('#'))));
    }
  }
  return out;
}

std::set<std::string> registry_tests(const Registry& reg, const std::string& mode = "") {
  std::set<std::string> out;
  for (const auto& i : reg.items())
    if (mode.empty() || i.mode == mode) out.insert(i.tests.begin(), i.tests.end());
  return out;
}

std::set<std::string> fixture_tests(const Registry& reg) {
  std::set<std::string> out = {"dod.run_start"};
  for (const auto& i : reg.items())
    if (i.runs_last) out.insert(i.tests.begin(), i.tests.end());
  return out;
}

TEST(RegistryConsistency, EveryRegistryCaseIsCompiledAndEveryCompiledCaseHasARow) {
  const auto reg = registry();
  const auto compiled = compiled_cases();
  ASSERT_FALSE(compiled.empty());
  for (const auto& t : registry_tests(reg)) EXPECT_TRUE(compiled.count(t)) << "row names a case that is not compiled: " << t;
  for (const auto& c : compiled) EXPECT_TRUE(registry_tests(reg).count(c)) << "compiled case has no row: " << c;
}

// The cases a suite file defines, as "Fixture.Name", read from its TEST_F lines.
std::set<std::string> cases_defined_in(const std::filesystem::path& file) {
  std::ifstream in(file);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  static const std::regex kTestF(R"(TEST_F\(\s*(\w+)\s*,\s*(\w+)\s*\))");
  std::set<std::string> out;
  for (std::sregex_iterator m(text.begin(), text.end(), kTestF), end; m != end; ++m)
    out.insert((*m)[1].str() + "." + (*m)[2].str());
  return out;
}

// A row from labels/dod.json reaches its case in the file it names, and a ticket's rows live in
// the ticket's file: DEV-045 -> suites/dev045.cpp. Runbook sections without a ticket id name
// their own file (suites/rollback.cpp, suites/guardrail.cpp).
TEST(RegistryConsistency, EveryRowsCasesAreDefinedInTheSuiteFileItsTicketNames) {
  static const std::regex kTicketId(R"(^(DEV|ADR)-(\d+)$)");
  const auto reg = registry();
  for (const auto& i : reg.items()) {
    ASSERT_FALSE(i.suite.empty()) << i.id << " names no suite file";
    const auto file = source_dir() / i.suite;
    ASSERT_TRUE(std::filesystem::is_regular_file(file)) << i.id << " names " << i.suite << ", which does not exist";
    std::smatch m;
    if (std::regex_match(i.ticket, m, kTicketId)) {
      EXPECT_EQ(i.suite, "suites/" + to_lower(m[1].str()) + m[2].str() + ".cpp") << i.id << " of " << i.ticket;
    }
    const auto defined = cases_defined_in(file);
    for (const auto& test : i.tests)
      EXPECT_TRUE(defined.count(test)) << i.id << " names " << test << ", which " << i.suite << " does not define";
  }
}

TEST(RegistryConsistency, EveryRegistryCaseIsOneCtestTestWithItsLabelsAndTimeout) {
  const auto reg = registry();
  const auto r = run({INFRA_DOD_CTEST, "--test-dir", build_dir().string(), "--show-only=json-v1"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const auto doc = nlohmann::json::parse(r.out);
  std::map<std::string, nlohmann::json> props;
  for (const auto& t : doc["tests"]) {
    nlohmann::json p = nlohmann::json::object();
    for (const auto& kv : t.value("properties", nlohmann::json::array())) p[kv["name"].get<std::string>()] = kv["value"];
    props[t["name"]] = p;
  }
  for (const auto& test : registry_tests(reg)) {
    ASSERT_TRUE(props.count(test)) << "no CTest test for " << test;
    const auto& p = props[test];
    auto want = reg.ctest_labels(test);
    auto have = p.value("LABELS", std::vector<std::string>{});
    std::sort(want.begin(), want.end());
    std::sort(have.begin(), have.end());
    EXPECT_EQ(have, want) << test;
    EXPECT_EQ(p.value("TIMEOUT", 0.0), static_cast<double>(reg.timeout_for(test))) << test;
    EXPECT_EQ(p.value("SKIP_RETURN_CODE", 0), 77) << test;
    // A restart while the inventory is collected would change what the automatic rows judge.
    if (std::find(want.begin(), want.end(), "disruptive") != want.end()) {
      const auto depends = p.value("DEPENDS", std::vector<std::string>{});
      EXPECT_NE(std::find(depends.begin(), depends.end(), "dod.inventory"), depends.end())
          << test << " is disruptive but may run while the inventory is collected";
    }
  }
}

TEST(RegistryConsistency, ModeSelectionsListExactlyTheRegistrysCasesPlusTheRunFixtures) {
  const auto reg = registry();
  for (const std::string mode : {"automatic", "smoke", "manual"}) {
    auto want = registry_tests(reg, mode);
    for (const auto& f : fixture_tests(reg)) want.insert(f);
    const bool inventory = std::any_of(reg.items().begin(), reg.items().end(), [&](const DodItem& i) {
      return i.mode == mode && (mode == "automatic" || i.needs_inventory) && !i.runs_last;
    });
    if (inventory) want.insert("dod.inventory");
    EXPECT_EQ(listed_tests({"-L", "^" + mode + "$"}), want) << mode;
  }
}

TEST(RegistryConsistency, NoDestructiveCaseIsSelectedByAutomaticOrSmoke) {
  const auto reg = registry();
  for (const std::string mode : {"automatic", "smoke"}) {
    for (const auto& t : listed_tests({"-L", "^" + mode + "$"})) {
      const auto labels = reg.ctest_labels(t);
      EXPECT_EQ(std::find(labels.begin(), labels.end(), "destructive"), labels.end()) << t << " under -L " << mode;
    }
  }
  // Whatever the environment holds: labels are fixed when CMake registers the cases, and the
  // rollback flags only open gates of cases that were selected.
  const auto opened = run({INFRA_DOD_CTEST, "--test-dir", build_dir().string(), "-N", "-L", "^(automatic|smoke)$"},
                          {{"RUN_ROLLBACK", "1"}, {"RUN_ROLLBACK_REMOVAL", "1"}, {"INFRA_DOD_CONFIRM_NAMESPACE", "default"}});
  ASSERT_EQ(opened.exit_code, 0) << opened.describe();
  ASSERT_FALSE(registry_tests(reg, "rollback").empty());
  for (const auto& t : registry_tests(reg, "rollback"))
    EXPECT_EQ(opened.out.find(t), std::string::npos) << t << " is listed by -L '^(automatic|smoke)$'";
  // Unanchored, as people type it, the selection is the same.
  EXPECT_EQ(listed_tests({"-L", "smoke"}), listed_tests({"-L", "^smoke$"}));
  EXPECT_EQ(listed_tests({"-L", "automatic"}), listed_tests({"-L", "^automatic$"}));
}

TEST(RegistryConsistency, AFilterThatMatchesNothingFailsInsteadOfPassing) {
  const auto tmp = fresh_dir("stale");
  const auto r = run({INFRA_DOD_CASES, "--gtest_filter=Stale.EntryThatWasRenamed"}, {{"INFRA_DOD_RUN_DIR", (tmp / "run").string()}});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_NE(r.err.find("no compiled case matches Stale.EntryThatWasRenamed"), std::string::npos) << r.err;
  // The report learns it from the record's kind, not from this text.
  const auto record = read_case_record(tmp / "run" / "results", "Stale.EntryThatWasRenamed");
  ASSERT_TRUE(record) << record.error().message;
  EXPECT_EQ(record->outcome, CaseOutcome::error);
  std::filesystem::remove_all(tmp);
}

}  // namespace
}  // namespace infra_dod::e2e
