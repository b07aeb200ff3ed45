#include "registry/attestation.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "runtime/crypto.h"
#include "runtime/process.h"

namespace infra_dod {
namespace {

const auto kNow = std::chrono::system_clock::from_time_t(1'800'000'000);  // 2027-01-15T08:00:00Z

AttestationRecord valid() {
  return {"DEV045-NSG", "alice", "2027-01-14T10:00:00Z", "dev", "pass", "https://tickets.example/DEV-045#nsg", "", ""};
}

TEST(Attestation, AValidRecordAttests) { EXPECT_FALSE(attestation_problem(valid(), "DEV045-NSG", "dev", kNow)); }

TEST(Attestation, AnExpiredRecordDoesNot) {
  auto a = valid();
  a.expires = "2027-01-01";
  auto p = attestation_problem(a, "DEV045-NSG", "dev", kNow);
  ASSERT_TRUE(p);
  EXPECT_NE(p->find("expired"), std::string::npos);
}

TEST(Attestation, ARecordForAnotherEnvironmentOrItemDoesNot) {
  EXPECT_TRUE(attestation_problem(valid(), "DEV045-NSG", "staging", kNow));
  EXPECT_TRUE(attestation_problem(valid(), "DEV045-ROLLBACK-PLAN", "dev", kNow));
}

TEST(Attestation, MissingOperatorEvidenceOrTimeIsInvalid) {
  auto a = valid();
  a.operator_name.clear();
  EXPECT_TRUE(attestation_problem(a, "DEV045-NSG", "dev", kNow));
  a = valid();
  a.evidence.clear();
  EXPECT_TRUE(attestation_problem(a, "DEV045-NSG", "dev", kNow));
  a = valid();
  a.utc = "yesterday";
  EXPECT_TRUE(attestation_problem(a, "DEV045-NSG", "dev", kNow));
  a = valid();
  a.utc = "2027-02-01T00:00:00Z";
  EXPECT_TRUE(attestation_problem(a, "DEV045-NSG", "dev", kNow));
}

TEST(Attestation, ADateAloneExpiresAtTheEndOfThatDay) {
  auto a = valid();
  a.expires = "2027-01-15";
  EXPECT_FALSE(attestation_problem(a, "DEV045-NSG", "dev", kNow));
}

}  // namespace
}  // namespace infra_dod

namespace infra_dod {
namespace {

TEST(AttestationEnvironment, NamesOnlyAFolderUnderTheAttestations) {
  for (const char* ok : {"dev", "staging", "prod-eu.2", "sandbox_1"}) EXPECT_FALSE(environment_name_problem(ok)) << ok;
  for (const char* bad : {"", ".", "..", "../../etc", "dev/x", "/abs", "a b"}) EXPECT_TRUE(environment_name_problem(bad)) << bad;
}

// Defect 6: the record was truncated before it was serialized, so a note that is not UTF-8
// threw and left a 0-byte file; and --environment with a path escaped INFRA_DOD_ATTESTATIONS.
class AttestCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() / ("infra-dod-attest-" + random_hex(4));
    std::filesystem::create_directories(dir / "attestations");
  }
  void TearDown() override { std::filesystem::remove_all(dir); }
  ProcessResult attest(std::vector<std::string> extra) {
    ProcessSpec spec;
    spec.argv = {INFRA_DOD_CLI, "attest", "DEV045-NSG", "--verdict", "pass", "--evidence", "https://tickets.example/1"};
    spec.argv.insert(spec.argv.end(), extra.begin(), extra.end());
    spec.env = {{"INFRA_DOD_ATTESTATIONS", (dir / "attestations").string()}, {"INFRA_DOD_ENV_FILE", std::nullopt},
                {"INFRA_DOD_ENVIRONMENT", "dev"}};
    return run_process(spec);
  }
  std::filesystem::path dir;
};

TEST_F(AttestCommand, AReAttestationWithANonUtf8NoteKeepsAWholeRecord) {
  ASSERT_EQ(attest({}).exit_code, 0);
  const auto r = attest({"--note", std::string("checked by caf\xe9 team")});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  std::ifstream in(dir / "attestations/dev/DEV045-NSG.json");
  const auto j = nlohmann::json::parse(in, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << "the record is no longer JSON";
  EXPECT_EQ(j.value("verdict", ""), "pass");
  EXPECT_FALSE(std::filesystem::exists(dir / "attestations/dev/DEV045-NSG.json.tmp"));
}

TEST_F(AttestCommand, AnEnvironmentThatIsAPathIsRefused) {
  const auto r = attest({"--environment", "../../escaped"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("environment name"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "escaped"));
}

}  // namespace
}  // namespace infra_dod
