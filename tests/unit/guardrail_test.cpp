#include "runtime/leak_scan.h"

#include <gtest/gtest.h>

#include <fstream>

#include "runtime/crypto.h"
#include "runtime/text.h"

namespace infra_dod {
namespace {

namespace fs = std::filesystem;

class GuardrailScan : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("gr-" + random_hex(4));
    fs::create_directories(dir / "nested");
    reg.persist_to(dir / "secret-fingerprints.jsonl");
    reg.add("guardrail-secret-5555", "LANGFUSE_SECRET_KEY");
    fps = SecretRegistry::load_fingerprints(dir / "secret-fingerprints.jsonl");
  }
  void TearDown() override { fs::remove_all(dir); }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir / name) << text; }
  SecretRegistry reg;
  fs::path dir;
  std::vector<SecretFingerprint> fps;
};

TEST_F(GuardrailScan, ACleanFolderHasNoFindings) {
  write("a.jsonl", "{\"http_code\":200,\"token\":\"***\"}\n");
  EXPECT_TRUE(scan_for_leaks({dir}, fps).empty());
}

TEST_F(GuardrailScan, FindsAPlantedPlainValueWithFileAndLine) {
  write("nested/b.log", "ok\nkey guardrail-secret-5555\n");
  const auto leaks = scan_for_leaks({dir}, fps);
  ASSERT_EQ(leaks.size(), 1u);
  EXPECT_EQ(leaks[0].file.filename(), "b.log");
  EXPECT_EQ(leaks[0].line, 2u);
  EXPECT_NE(leaks[0].what.find("LANGFUSE_SECRET_KEY"), std::string::npos);
}

TEST_F(GuardrailScan, FindsAPlantedBase64Value) {
  write("c.json", "{\"data\":\"" + base64_encode("guardrail-secret-5555") + "\"}");
  EXPECT_FALSE(scan_for_leaks({dir}, fps).empty());
}

TEST_F(GuardrailScan, FindsRawMarkersEvenWithoutRegistration) {
  write("d.txt", "Set-Cookie: session=0123456789\n");
  const auto leaks = scan_for_leaks({dir}, {});
  ASSERT_EQ(leaks.size(), 1u);
  EXPECT_NE(leaks[0].what.find("set-cookie"), std::string::npos);
}

}  // namespace
}  // namespace infra_dod
