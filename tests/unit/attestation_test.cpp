#include "registry/attestation.h"

#include <gtest/gtest.h>

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
