// The smokes' artifact file as the smokes use it: refused before a run when it could only be
// damaged, appended to with the printed line, and checked for the append and its parity.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "runtime/crypto.h"
#include "smokes/langfuse.h"

namespace infra_dod {
namespace {

namespace fs = std::filesystem;

constexpr const char* kVariable = "LANGFUSE_SMOKE_ARTIFACT_FILE";
constexpr const char* kEarlierRun = "{\"run_id\":\"staging-1\",\"http_code\":200}\n";

class ArtifactFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root = fs::temp_directory_path() / ("af-" + random_hex(4));
    fs::create_directories(root);
    auto run = start_run(root / "evidence", {}, clock);
    ASSERT_TRUE(run) << run.error().message;
    info = run.value();
    artifact = root / "langfuse-ui-smoke.jsonl";
  }
  void TearDown() override { fs::remove_all(root); }
  Config config() const { return Config::from_values({{kVariable, artifact.string()}}); }
  void write(const std::string& text) const { std::ofstream(artifact, std::ios::binary) << text; }
  std::string text() const {
    std::ifstream in(artifact, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  FakeClock clock;
  fs::path root, artifact;
  RunInfo info;
};

TEST_F(ArtifactFileTest, AnUnsetVariableMeansNoArtifact) {
  const auto a = ArtifactFile::open(Config::from_values({}), kVariable);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_FALSE(a->has_value());
}

TEST_F(ArtifactFileTest, AnEarlierRunsLinesAreCountedAndKeptAndTheParityPasses) {
  write(kEarlierRun);
  const auto a = ArtifactFile::open(config(), kVariable);
  ASSERT_TRUE(a && a->has_value());
  EXPECT_EQ((*a)->lines_before(), 1u);
  Evidence ev(info, "sandbox", "alice", clock);
  const auto printed = print_smoke_line(ev, "ui-smoke", "UI-SMOKE", {{"http_code", 200}}, &**a);
  ASSERT_TRUE(printed.artifact_error.empty()) << printed.artifact_error;
  const auto parity = (*a)->check({printed.line}, {"http_code"});
  EXPECT_EQ(parity.record["result"], "pass") << parity.record.dump();
  EXPECT_EQ(parity.record["artifact_line_count"], 2);
  EXPECT_EQ(text().rfind(kEarlierRun, 0), 0u) << "the earlier line is still first";
}

TEST_F(ArtifactFileTest, ALineCorruptedBetweenWriteAndCheckFailsNamingTheField) {
  const auto a = ArtifactFile::open(config(), kVariable);
  ASSERT_TRUE(a && a->has_value());
  Evidence ev(info, "sandbox", "alice", clock);
  const auto printed = print_smoke_line(ev, "ui-smoke", "UI-SMOKE", {{"http_code", 200}}, &**a);
  std::string t = text();
  t.replace(t.find("\"http_code\":200"), 15, "\"http_code\":500");
  write(t);
  const auto parity = (*a)->check({printed.line}, {"http_code"});
  EXPECT_EQ(parity.record["result"], "fail");
  EXPECT_EQ(parity.record["differing_fields"], nlohmann::json::array({"http_code"}));
  const auto j = with_parity(Judgement{Outcome::pass, {{"http_code 200 or 302", true, "", "", ""}}, ""}, parity);
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_NE(j.failure_summary().find("http_code (artifact 500, stdout 200)"), std::string::npos) << j.failure_summary();
}

TEST_F(ArtifactFileTest, AReadOnlyFileIsRefusedAndLeftAsItWas) {
  write(kEarlierRun);
  ::chmod(artifact.c_str(), 0444);
  const auto a = ArtifactFile::open(config(), kVariable);
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().message.find("is not writable (mode 0444)"), std::string::npos) << a.error().message;
  EXPECT_NE(a.error().message.find(artifact.string()), std::string::npos);
  EXPECT_EQ(text(), kEarlierRun);
}

TEST_F(ArtifactFileTest, AFileThatIsNotJsonLinesIsRefusedNamingTheLine) {
  write(std::string(kEarlierRun) + "$ bash smoke.sh\n");
  const auto a = ArtifactFile::open(config(), kVariable);
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().message.find("line 2 is not a JSON object"), std::string::npos) << a.error().message;
}

TEST_F(ArtifactFileTest, ALastLineWithoutNewlineIsRefusedRatherThanJoined) {
  write("{\"http_code\":200}");
  const auto a = ArtifactFile::open(config(), kVariable);
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().message.find("no final newline"), std::string::npos) << a.error().message;
  EXPECT_EQ(text(), "{\"http_code\":200}");
}

TEST_F(ArtifactFileTest, AMissingFolderIsRefusedBeforeTheRun) {
  artifact = root / "no-such-folder" / "x.jsonl";
  const auto a = ArtifactFile::open(config(), kVariable);
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().message.find("cannot be created"), std::string::npos) << a.error().message;
}

TEST_F(ArtifactFileTest, ThePrintedLineIsWhatTheEvidenceAndTheArtifactHold) {
  const auto a = ArtifactFile::open(config(), kVariable);
  ASSERT_TRUE(a && a->has_value());
  Evidence ev(info, "sandbox", "alice", clock);
  testing::internal::CaptureStdout();
  const auto printed = print_smoke_line(ev, "ui-smoke", "UI-SMOKE", {{"http_code", 302}}, &**a);
  const std::string out = testing::internal::GetCapturedStdout();
  EXPECT_EQ(out, text());
  std::ifstream in(printed.evidence_file);
  std::string evidence_line;
  std::getline(in, evidence_line);
  EXPECT_EQ(nlohmann::json::parse(evidence_line), printed.line);
  EXPECT_EQ(printed.line["http_code"], 302);
  EXPECT_EQ(printed.line["dod_item"], "UI-SMOKE");
}

}  // namespace
}  // namespace infra_dod
