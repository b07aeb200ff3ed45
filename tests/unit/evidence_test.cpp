#include "runtime/evidence.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "runtime/secrets.h"
#include "runtime/crypto.h"
#include "runtime/text.h"

namespace infra_dod {
namespace {

namespace fs = std::filesystem;

class EvidenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root = fs::temp_directory_path() / ("ev-" + random_hex(4));
    auto run = start_run(root, {}, clock);
    ASSERT_TRUE(run) << run.error().message;
    info = run.value();
  }
  void TearDown() override { fs::remove_all(root); }
  std::vector<nlohmann::json> lines(const fs::path& f) {
    std::vector<nlohmann::json> out;
    std::ifstream in(f);
    std::string l;
    while (std::getline(in, l)) {
      auto j = nlohmann::json::parse(l, nullptr, false);
      EXPECT_FALSE(j.is_discarded()) << "torn or merged line: " << l.substr(0, 80);
      out.push_back(j);
    }
    return out;
  }
  FakeClock clock;
  fs::path root;
  RunInfo info;
};

TEST_F(EvidenceTest, EveryLineCarriesTheStampFields) {
  Evidence ev(info, "sandbox", "alice", clock);
  auto f = ev.append("checks", "DEV043-DEPLOYMENT", {{"http_code", 200}});
  ASSERT_TRUE(f);
  const auto l = lines(f.value());
  ASSERT_EQ(l.size(), 1u);
  for (const char* k : {"utc", "run_id", "dod_item", "environment", "operator"}) EXPECT_TRUE(l[0].contains(k)) << k;
  EXPECT_EQ(l[0]["run_id"], info.run_id);
  EXPECT_EQ(l[0]["dod_item"], "DEV043-DEPLOYMENT");
  EXPECT_EQ(l[0]["http_code"], 200);
  EXPECT_EQ(l[0]["utc"], utc_iso(clock.utc_now()));
}

TEST_F(EvidenceTest, RunFolderIsNamedByUtcAndRunIdAndRecorded) {
  EXPECT_EQ(info.dir.filename().string(), utc_compact(clock.utc_now()) + "-" + info.run_id);
  auto cfg = Config::from_values({{"INFRA_DOD_RUN_DIR", root.string()}});
  auto again = current_run(cfg, clock);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->run_id, info.run_id);
  EXPECT_EQ(again->dir, info.dir);
}

TEST_F(EvidenceTest, TwoRunFoldersNeverShareARun) {
  auto other = start_run(root / "other", {}, clock);
  ASSERT_TRUE(other);
  EXPECT_NE(other->run_id, info.run_id);
  EXPECT_NE(other->results_dir(), info.results_dir());
  EXPECT_EQ(load_run(root / "other")->run_id, other->run_id);
}

TEST_F(EvidenceTest, WithoutARunDirTheRunIsKeyedByTheParentProcess) {
  const auto folder = run_folder({{"INFRA_DOD_RUNS_ROOT", root.string()}});
  ASSERT_TRUE(folder);
  EXPECT_EQ(folder->parent_path(), fs::absolute(root));
  EXPECT_EQ(folder->filename().string(), parent_process_key());
  EXPECT_EQ(parent_process_key().rfind("ctest-" + std::to_string(getppid()) + "-", 0), 0u);
  EXPECT_FALSE(run_folder({})) << "no run folder at all is an error, not a guess";
}

TEST_F(EvidenceTest, RegisteredSecretsNeverReachTheFilePlainOrBase64) {
  SecretRegistry::process().add("ev-secret-value-9876", "TEST");
  Evidence ev(info, "sandbox", "alice", clock);
  auto f = ev.append("x", "ITEM", {{"plain", "ev-secret-value-9876"}, {"b64", base64_encode("ev-secret-value-9876")}});
  ASSERT_TRUE(f);
  std::ifstream in(f.value());
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.find("ev-secret-value-9876"), std::string::npos);
  EXPECT_EQ(text.find(base64_encode("ev-secret-value-9876")), std::string::npos);
  auto w = ev.write_file("raw.txt", "token=ev-secret-value-9876");
  ASSERT_TRUE(w);
  std::ifstream in2(w.value());
  const std::string text2((std::istreambuf_iterator<char>(in2)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text2, "token=***");
}

// Masking happens on the values, before JSON encoding: a secret with a quote or a backslash
// would otherwise be written escaped and slip past both the mask and the guardrail's scan, and
// one with invalid UTF-8 would lose a byte to the replacement character and show the rest.
TEST_F(EvidenceTest, SecretsThatJsonMustEscapeAreMaskedBeforeEncoding) {
  const std::string quoted = "q\"uote\\back-secret";
  const std::string broken = std::string("bad-utf8-\xff-secret-tail");
  SecretRegistry::process().add(quoted, "QUOTED");
  SecretRegistry::process().add(broken, "BROKEN");
  Evidence ev(info, "sandbox", "alice", clock);
  auto f = ev.append("esc", "ITEM", {{"a", "x " + quoted + " y"}, {"b", broken}, {"nested", {{"c", quoted}}}});
  ASSERT_TRUE(f);
  std::ifstream in(f.value());
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.find("uote"), std::string::npos) << text;
  EXPECT_EQ(text.find("secret-tail"), std::string::npos) << text;
  EXPECT_FALSE(SecretRegistry::process().contains_registered(text)) << text;
  const auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j["a"], "x *** y");
  EXPECT_EQ(j["nested"]["c"], "***");
}

// The salted fingerprints stay in the run's own folder, out of the evidence folder a ticket gets.
TEST_F(EvidenceTest, SecretFingerprintsAreNotWrittenIntoTheEvidenceFolder) {
  const Environ env = {{"INFRA_DOD_RUN_DIR", root.string()}};
  auto cfg = Config::load(env);
  ASSERT_TRUE(cfg) << cfg.error().message;
  auto ev = Evidence::for_current_run(cfg.value(), clock);
  ASSERT_TRUE(ev) << ev.error().message;
  SecretRegistry::process().add("fingerprinted-secret-1234", "FP");
  EXPECT_FALSE(fs::exists(ev->dir() / "secret-fingerprints.jsonl"));
  EXPECT_TRUE(fs::exists(ev->run().folder / "secret-fingerprints.jsonl"));
}

TEST_F(EvidenceTest, ConcurrentAppendsFromEightProcessesGiveOnlyWholeLines) {
  const fs::path file = info.dir / "concurrent.jsonl";
  constexpr int kProcs = 8, kLines = 100;
  std::vector<pid_t> kids;
  for (int p = 0; p < kProcs; ++p) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      for (int i = 0; i < kLines; ++i) {
        // Lines of very different sizes, some far beyond PIPE_BUF, interleave worst.
        const std::string pad(static_cast<std::size_t>((i * 977 + p * 131) % 70000), static_cast<char>('a' + p));
        nlohmann::json j = {{"proc", p}, {"i", i}, {"pad", pad}};
        if (!append_line(file, j.dump())) ::_exit(1);
      }
      ::_exit(0);
    }
    kids.push_back(pid);
  }
  for (pid_t k : kids) {
    int status = 0;
    ::waitpid(k, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  const auto l = lines(file);
  EXPECT_EQ(l.size(), static_cast<std::size_t>(kProcs * kLines));
}

}  // namespace
}  // namespace infra_dod
