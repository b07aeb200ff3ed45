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

TEST_F(GuardrailScan, EveryTargetGetsARecordPerRunbookMarkerAndPerSecretName) {
  write("clean.jsonl", "{\"http_code\":200}\n");
  const auto scans = scan_markers({{"evidence", dir}}, fps);
  std::vector<std::string> markers;
  for (const auto& m : scans) {
    markers.push_back(m.marker);
    EXPECT_EQ(m.count, 0u) << m.marker;
    EXPECT_EQ(to_json(m)["result"], "NOT_FOUND");
  }
  EXPECT_EQ(markers, (std::vector<std::string>{"token", "cookie", "set-cookie", "LANGFUSE_SECRET_KEY"}));
}

TEST_F(GuardrailScan, ARawSetCookieIsCountedWithItsFileAndNeverItsValue) {
  write("nested/ui.log", "HTTP/1.1 200 OK\nSet-Cookie: next-auth.session-token=abcdef123456; Path=/\n");
  write("trace.log", "Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.payload\n");
  const auto scans = scan_markers({{"evidence", dir}}, fps);
  for (const auto& m : scans) {
    const auto j = to_json(m);
    EXPECT_EQ(j.dump().find("abcdef123456"), std::string::npos);
    if (m.marker == "set-cookie") {
      EXPECT_EQ(j["result"], "FOUND");
      EXPECT_EQ(j["count"], 1);
      EXPECT_EQ(j["files"], nlohmann::json::array({"nested/ui.log"}));
    } else if (m.marker == "token") {
      EXPECT_EQ(j["result"], "FOUND") << "a Bearer credential is a raw token marker";
    } else {
      EXPECT_EQ(j["result"], "NOT_FOUND") << m.marker;
    }
  }
}

TEST_F(GuardrailScan, ARegisteredSecretIsCountedUnderItsNameInTheTargetThatHoldsIt) {
  const fs::path artifact = dir.parent_path() / ("artifact-" + random_hex(4) + ".jsonl");
  std::ofstream(artifact) << "{\"note\":\"guardrail-secret-5555\"}\n";
  const auto scans = scan_markers({{"evidence", dir}, {"artifact", artifact}}, fps);
  fs::remove(artifact);
  for (const auto& m : scans) {
    if (m.marker != "LANGFUSE_SECRET_KEY") continue;
    EXPECT_TRUE(m.registered);
    EXPECT_EQ(m.count, m.target_kind == "artifact" ? 1u : 0u) << m.target_kind;
  }
}

}  // namespace
}  // namespace infra_dod
