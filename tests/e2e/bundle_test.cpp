// `infra-dod bundle` packs a run's output folder with a SHA-256 manifest; `--verify` catches a
// changed, an added and a missing file; a folder holding a secret is never packed.
#include <gtest/gtest.h>

#include <fstream>

#include "e2e/support.h"

namespace infra_dod::e2e {
namespace {

namespace fs = std::filesystem;

fs::path a_run_folder(const fs::path& tmp) {
  const fs::path out = tmp / "out";
  fs::create_directories(out / "evidence/20261207T000000Z-abcd1234");
  std::ofstream(out / "dod-table.md") << "# Definition of Done\n| # | Id |\n";
  std::ofstream(out / "evidence/20261207T000000Z-abcd1234/judgements.jsonl") << "{\"outcome\":\"pass\"}\n";
  fs::create_directory_symlink(out / "evidence/20261207T000000Z-abcd1234", out / "evidence-dir");
  return out;
}

TEST(Bundle, PacksEveryFileWithAManifestThatVerifies) {
  const auto tmp = fresh_dir("bundle");
  const auto out = a_run_folder(tmp);
  auto b = run({INFRA_DOD_CLI, "bundle", out.string(), "--output", (tmp / "b.tar.gz").string()});
  ASSERT_EQ(b.exit_code, 0) << b.describe();
  EXPECT_NE(b.out.find("bundled 2 file(s)"), std::string::npos) << b.out;
  const std::string manifest = slurp(out / "MANIFEST.sha256");
  EXPECT_NE(manifest.find("  dod-table.md\n"), std::string::npos) << manifest;
  EXPECT_NE(manifest.find("  evidence/20261207T000000Z-abcd1234/judgements.jsonl\n"), std::string::npos);
  // sha256sum reads the manifest as it is.
  auto sums = run({"sh", "-c", "cd '" + out.string() + "' && sha256sum -c MANIFEST.sha256"});
  EXPECT_EQ(sums.exit_code, 0) << sums.out << sums.err;
  auto v = run({INFRA_DOD_CLI, "bundle", "--verify", (tmp / "b.tar.gz").string()});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("2 file(s) checked against MANIFEST.sha256, 0 problem(s)"), std::string::npos) << v.out;
  fs::remove_all(tmp);
}

TEST(Bundle, VerifyNamesAChangedAnAddedAndAMissingFile) {
  const auto tmp = fresh_dir("bundle-tamper");
  const auto out = a_run_folder(tmp);
  ASSERT_EQ(run({INFRA_DOD_CLI, "bundle", out.string(), "--output", (tmp / "b.tar.gz").string()}).exit_code, 0);
  // Tamper: unpack, change one file, add one, drop one, repack.
  fs::create_directories(tmp / "x");
  ASSERT_EQ(run({"tar", "-xzf", (tmp / "b.tar.gz").string(), "-C", (tmp / "x").string()}).exit_code, 0);
  std::ofstream(tmp / "x/out/dod-table.md", std::ios::app) << "| 1 | DEV043-DEPLOYMENT | **pass** |\n";
  std::ofstream(tmp / "x/out/extra.txt") << "added later\n";
  fs::remove(tmp / "x/out/evidence/20261207T000000Z-abcd1234/judgements.jsonl");
  ASSERT_EQ(run({"tar", "-czf", (tmp / "t.tar.gz").string(), "-C", (tmp / "x").string(), "out"}).exit_code, 0);
  auto v = run({INFRA_DOD_CLI, "bundle", "--verify", (tmp / "t.tar.gz").string()});
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_NE(v.out.find("CHANGED: dod-table.md"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("NOT IN MANIFEST: extra.txt"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("MISSING: evidence/20261207T000000Z-abcd1234/judgements.jsonl"), std::string::npos) << v.out;
  fs::remove_all(tmp);
}

TEST(Bundle, AFolderHoldingARawTokenIsNotPacked) {
  const auto tmp = fresh_dir("bundle-leak");
  const auto out = a_run_folder(tmp);
  std::ofstream(out / "evidence/20261207T000000Z-abcd1234/leak.txt")
      << "Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJvaWQiOiJ4In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ\n";
  auto b = run({INFRA_DOD_CLI, "bundle", out.string(), "--output", (tmp / "b.tar.gz").string()});
  EXPECT_EQ(b.exit_code, 1) << b.describe();
  EXPECT_NE(b.err.find("nothing packed"), std::string::npos) << b.err;
  EXPECT_FALSE(fs::exists(tmp / "b.tar.gz"));
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace infra_dod::e2e
