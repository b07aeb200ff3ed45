#include "dod/dod_case.h"

#include <cstdio>

#include "registry/attestation.h"
#include "runtime/secrets.h"
#include "runtime/text.h"

namespace infra_dod {

std::string DodCase::test_name() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::string(info->test_suite_name()) + "." + info->name();
}

void DodCase::SetUp() {
  auto cfg = Config::load_from_process();
  if (!cfg) return record_error(cfg.error().message);
  config_ = cfg.value();
  auto reg = Registry::load(Registry::default_path());
  if (!reg) return record_error(reg.error().message);
  registry_ = reg.value();
  for (const auto* i : registry_->items_for_test(test_name())) items_.push_back(i);
  if (items_.empty()) return record_error(test_name() + " is not named by any item of labels/dod.json");
  std::string ids;
  for (const auto* i : items_) ids += (ids.empty() ? "" : ",") + i->id;
  RecordProperty("dod_items", ids);
  auto ev = Evidence::for_current_run(*config_);
  if (!ev) return record_error(ev.error().message);
  evidence_.emplace(ev.value());
  if (auto reason = gate_closed_reason(item().gate, *config_)) GTEST_SKIP() << *reason;
}

void DodCase::record_error(const std::string& message) {
  RecordProperty("dod_outcome", "error");
  // Fatal, so a failed SetUp never runs the body.
  FAIL() << SecretRegistry::process().mask(message);
}

void DodCase::record_evidence(const std::filesystem::path& file) {
  std::error_code ec;
  auto rel = std::filesystem::relative(file, evidence().dir(), ec);
  RecordProperty("evidence", (ec || rel.empty() ? file : rel).string());
}

void DodCase::console_verdict(const std::string& check, bool ok, const std::string& reason) {
  std::string line = ok ? "PASS: " + check : "FAIL: " + check + (reason.empty() ? "" : ": " + reason);
  line = SecretRegistry::process().mask(line);
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

void DodCase::expect_attested() {
  const auto environment = config().get_or("INFRA_DOD_ENVIRONMENT", "dev");
  const auto dir = config().get_or("INFRA_DOD_ATTESTATIONS", "attestations");
  const auto file = attestation_path(dir, environment, item().id);
  auto rec = load_attestation(file);
  if (!rec) {
    if (rec.error().kind != ErrorKind::not_found) return record_error(rec.error().message);
    GTEST_SKIP() << "manual: no attestation for " << item().id << " in " << environment
                 << " (record one with: infra-dod attest " << item().id << " --verdict pass --evidence <link>)";
  }
  const auto& a = rec.value();
  RecordProperty("evidence", file.string());
  evidence().append("attestations", item().id, to_json(a));
  if (auto problem = attestation_problem(a, item().id, environment, std::chrono::system_clock::now())) {
    ADD_FAILURE() << "attestation for " << item().id << " is not valid: " << *problem << " (" << file.string() << ")";
    return;
  }
  EXPECT_EQ(a.verdict, "pass") << "attestation for " << item().id << " by " << a.operator_name << " at " << a.utc
                               << " records a failure; evidence: " << a.evidence;
}

}  // namespace infra_dod
