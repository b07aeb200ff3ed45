#include "runtime/secrets.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "runtime/crypto.h"
#include "runtime/text.h"

namespace infra_dod {
namespace {

constexpr const char* kSecret = "sk-lf-0123456789abcdef";

class Secrets : public ::testing::Test {
 protected:
  SecretRegistry reg;
};

TEST_F(Secrets, RegisteredValueIsMaskedPlain) {
  reg.add(kSecret, "LANGFUSE_SECRET_KEY");
  EXPECT_EQ(reg.mask(std::string("key=") + kSecret + " end"), "key=*** end");
}

TEST_F(Secrets, RegisteredValueIsMaskedInBase64Forms) {
  reg.add(kSecret, "LANGFUSE_SECRET_KEY");
  const std::string b64 = base64_encode(kSecret);
  EXPECT_EQ(reg.mask("data: " + b64), "data: ***");
  EXPECT_FALSE(reg.contains_registered(reg.mask(base64_encode(kSecret, true, false))));
}

TEST_F(Secrets, ValueInsideALongerBase64BlobIsFoundAtEveryAlignment) {
  reg.add(kSecret, "K");
  for (const std::string prefix : {"", "a", "ab", "abc", "pk:"}) {
    const std::string blob = base64_encode(prefix + kSecret + ":tail");
    EXPECT_TRUE(reg.contains_registered(blob)) << "prefix '" << prefix << "': " << blob;
  }
}

// Policy for short values: masked exactly where they appear verbatim (or JSON-escaped), never
// silently dropped; their encoded forms are too short to mask without hitting unrelated text.
TEST_F(Secrets, ShortValuesAreMaskedExactlyAndOnlyExactly) {
  reg.add("abc", "TOO_SHORT");
  EXPECT_EQ(reg.size(), 1u);
  EXPECT_EQ(reg.mask("pw=abc;"), "pw=***;");
  // "abc" in base64 is "YWJj": an unrelated "YWJjZGVm" (base64 of "abcdef") must stay.
  EXPECT_EQ(reg.mask("blob YWJjZGVm"), "blob YWJjZGVm");
}

TEST_F(Secrets, FragmentsOfShortEncodedFormsNeverMaskUnrelatedText) {
  reg.add("s3cr", "FOUR");
  for (const auto& [form, kind] : SecretRegistry::forms_of("s3cr"))
    EXPECT_TRUE(kind == "plain" || kind == "json-escaped") << kind << " form " << form << " of a 4-character value";
}

TEST_F(Secrets, JsonEscapedPercentEncodedAndHexFormsAreMasked) {
  const std::string value = "pa\"ss\\w%rd 9 \xc3\xa9!";  // a quote, a backslash, %, a space, non-ASCII
  reg.add(value, "ODD");
  const std::string escaped = nlohmann::json(value).dump();  // "pa\"ss\\w%rd 9 é!" with quotes
  EXPECT_EQ(reg.mask("v=" + escaped), "v=\"***\"");
  EXPECT_EQ(reg.mask("v=" + nlohmann::json(value).dump(-1, ' ', true)), "v=\"***\"");  // \u00e9
  EXPECT_EQ(reg.mask("q=" + percent_encode(value) + "&x"), "q=***&x");
  EXPECT_EQ(reg.mask("q=" + to_lower(percent_encode(value)) + "&x"), "q=***&x");
  std::string hex;
  for (unsigned char c : value) {
    static const char* d = "0123456789abcdef";
    hex += d[c >> 4];
    hex += d[c & 15];
  }
  EXPECT_EQ(reg.mask("h=" + hex), "h=***");
  std::string upper = hex;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(reg.mask("h=" + upper), "h=***");
}

TEST_F(Secrets, RawMarkersAreMaskedWithoutRegistration) {
  EXPECT_EQ(mask_markers("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload"), "Authorization: Bearer ***");
  EXPECT_EQ(mask_markers(R"({"accessToken": "eyJ0eXAi", "expiresOn": "x"})"),
            R"({"accessToken": "***", "expiresOn": "x"})");
  EXPECT_EQ(mask_markers("Set-Cookie: session=abc123; HttpOnly\nnext"), "Set-Cookie: ***\nnext");
  EXPECT_EQ(mask_markers("Cookie: a=b"), "Cookie: ***");
  EXPECT_EQ(mask_markers("GET /x?access_token=abcdef&y=1"), "GET /x?access_token=***&y=1");
  EXPECT_EQ(mask_markers("Basic cGstbGY6c2stbGY="), "Basic ***");
}

// Defect 14: credentials in common shapes reached output unmasked when nobody registered them.
TEST_F(Secrets, UnregisteredCredentialsInCommonShapesAreMasked) {
  EXPECT_EQ(mask_markers("postgres://langfuse:S3cr3t-pw@pg.example:5432/langfuse"),
            "postgres://langfuse:***@pg.example:5432/langfuse");
  EXPECT_EQ(mask_markers("DATABASE_URL=postgresql://u:p%40ss@h/db?sslmode=require"),
            "DATABASE_URL=postgresql://u:***@h/db?sslmode=require");
  EXPECT_EQ(mask_markers("GET https://user:hunter22@host.example/x"), "GET https://user:***@host.example/x");
  EXPECT_EQ(mask_markers("x-api-key: 0123456789abcdef\nnext"), "x-api-key: ***\nnext");
  EXPECT_EQ(mask_markers("api-key: 0123456789abcdef"), "api-key: ***");
  EXPECT_EQ(mask_markers("DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=Zm9vYmFy==;EndpointSuffix=core"),
            "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=***;EndpointSuffix=core");
  EXPECT_EQ(mask_markers("Server=db;User Id=sa;Password=Pa55word;"), "Server=db;User Id=sa;Password=***;");
}

TEST_F(Secrets, UrlsAndTextWithoutCredentialsAreLeftAlone) {
  for (const char* plain : {"https://host.example:8443/path?q=1", "postgres://pg.example/db", "mailto:a@b.example",
                            "ssh://git@github.example/repo"})
    EXPECT_EQ(mask_markers(plain), plain) << plain;
  EXPECT_TRUE(find_raw_markers("https://host.example:8443/a@b").empty());
}

TEST_F(Secrets, MaskedMarkersAreNotReportedAsRaw) {
  EXPECT_TRUE(find_raw_markers(mask_markers("Authorization: Bearer abcdefghijkl")).empty());
  EXPECT_EQ(find_raw_markers("Authorization: Bearer abcdefghijkl").size(), 1u);
  EXPECT_TRUE(find_raw_markers("the token was refreshed").empty());
}

TEST_F(Secrets, FingerprintsFindAValueAnotherProcessRegistered) {
  const auto dir = std::filesystem::temp_directory_path() / ("fp-" + random_hex(4));
  std::filesystem::create_directories(dir);
  const auto file = dir / "secret-fingerprints.jsonl";
  reg.persist_to(file);
  reg.add(kSecret, "DATABRICKS_TOKEN");
  std::ifstream in(file);
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content.find(kSecret), std::string::npos) << "fingerprints must never hold the value";

  const auto fps = SecretRegistry::load_fingerprints(file);
  ASSERT_FALSE(fps.empty());
  const std::string text = std::string("line one\nvalue=") + kSecret + "\n" + base64_encode(kSecret);
  const auto found = SecretRegistry::scan(text, fps);
  ASSERT_GE(found.size(), 2u);
  EXPECT_EQ(found[0].name, "DATABRICKS_TOKEN");
  EXPECT_TRUE(SecretRegistry::scan("nothing to see", fps).empty());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace infra_dod
