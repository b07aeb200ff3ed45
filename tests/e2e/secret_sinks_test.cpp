// A registered secret never appears, plain or base64, in evidence lines, the JUnit file or the
// DoD table, even from a case that tries its worst (tests/probe/sink_probe.cpp).
#include <gtest/gtest.h>

#include "e2e/support.h"
#include "runtime/text.h"

namespace infra_dod::e2e {
namespace {

namespace fs = std::filesystem;

constexpr const char* kToken = "dapi-selftest-9f8e7d6c5b4a3210";

std::vector<fs::path> files_under(const fs::path& root) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file()) out.push_back(e.path());
  return out;
}

TEST(SecretSinks, ARegisteredSecretNeverReachesEvidenceJunitOrReport) {
  const auto tmp = fresh_dir("sinks");
  const std::map<std::string, std::optional<std::string>> env = {
      {"DATABRICKS_TOKEN", kToken},
      {"INFRA_DOD_SINK_PROBE", "1"},
      {"INFRA_DOD_REGISTRY", (source_dir() / "fixtures/selftest/probe-dod.json").string()},
      {"INFRA_DOD_RUN_DIR", (tmp / "run").string()},
      {"EVIDENCE_DIR", (tmp / "evidence").string()}, {"INFRA_DOD_RUN_DIR", (tmp / "run").string()}};
  auto start = run({INFRA_DOD_CLI, "run-start"}, env);
  ASSERT_EQ(start.exit_code, 0) << start.describe();
  fs::remove_all(INFRA_DOD_PROBE_XML);
  auto ct = run({INFRA_DOD_CTEST, "--test-dir", build_dir().string(), "-R", "^SinkProbe\\.", "--output-junit",
                 (tmp / "junit.xml").string(), "--output-on-failure"},
                env);
  EXPECT_NE(ct.exit_code, 0) << "the probe records an error, so ctest must report a failure";
  EXPECT_EQ(ct.out.find(kToken), std::string::npos) << "ctest console output carries the token";
  auto rep = run({INFRA_DOD_CLI, "report", "--junit", (tmp / "junit.xml").string(), "--run-dir", (tmp / "run").string(), "--md", (tmp / "dod.md").string(), "--json",
                  (tmp / "dod.json").string(), "--quiet"},
                 env);
  EXPECT_EQ(rep.exit_code, 1) << "the probe's row is a release-blocking error; a leak would exit 3: " << rep.describe();
  EXPECT_NE(slurp(tmp / "dod.md").find("**error**"), std::string::npos);

  std::vector<fs::path> sinks = files_under(tmp);
  for (const auto& f : files_under(INFRA_DOD_PROBE_XML)) sinks.push_back(f);
  ASSERT_GE(sinks.size(), 7u);  // run.json, junit, md, json, probe.jsonl, probe-raw.txt, result record, gtest xml, ...
  bool saw_probe_evidence = false;
  for (const auto& f : sinks) {
    const std::string text = slurp(f);
    if (f.filename() == "probe.jsonl") saw_probe_evidence = text.find("***") != std::string::npos;
    EXPECT_EQ(text.find(kToken), std::string::npos) << f;
    EXPECT_EQ(text.find(base64_encode(kToken)), std::string::npos) << f;
    EXPECT_EQ(text.find(base64_encode(kToken, false, false)), std::string::npos) << f;
  }
  EXPECT_TRUE(saw_probe_evidence) << "the probe wrote no masked evidence: it did not run";
  fs::remove_all(tmp);
}

TEST(SecretSinks, ARawLeakTurnsTheGuardrailRedAndTheReportRefusesToWrite) {
  const auto tmp = fresh_dir("rawleak");
  const std::map<std::string, std::optional<std::string>> env = {
      {"DATABRICKS_TOKEN", kToken}, {"INFRA_DOD_SINK_PROBE", "raw"}, {"EVIDENCE_DIR", (tmp / "evidence").string()}, {"INFRA_DOD_RUN_DIR", (tmp / "run").string()}};
  auto ct = run({INFRA_DOD_CTEST, "--test-dir", build_dir().string(), "-R",
                 "^(SinkProbe\\.WritesARegisteredSecretRaw|Guardrail\\.NoSecretInEvidence)$", "--output-junit",
                 (tmp / "junit.xml").string()},
                env);
  EXPECT_NE(ct.exit_code, 0) << ct.out;
  const std::string console = ct.out;
  const auto at = console.find("Guardrail.NoSecretInEvidence ...");
  ASSERT_NE(at, std::string::npos) << console;
  EXPECT_NE(console.substr(at, 120).find("Failed"), std::string::npos) << "the guardrail must go red: " << console;
  auto rep = run({INFRA_DOD_CLI, "report", "--junit", (tmp / "junit.xml").string(), "--run-dir", (tmp / "run").string(), "--md",
                  (tmp / "dod.md").string(), "--quiet"},
                 env);
  EXPECT_EQ(rep.exit_code, 3) << rep.describe();
  EXPECT_FALSE(fs::exists(tmp / "dod.md")) << "a leaking table must not be written";
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace infra_dod::e2e
