#include "dod/dod_case.h"

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "dod/case_recorder.h"
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
  config_->register_secrets(SecretRegistry::process());
  auto reg = Registry::load(Registry::default_path());
  if (!reg) return record_error(reg.error().message);
  registry_ = reg.value();
  for (const auto* i : registry_->items_for_test(test_name())) items_.push_back(i);
  if (items_.empty()) return record_error(test_name() + " is not named by any item of labels/dod.json");
  std::vector<std::string> ids;
  for (const auto* i : items_) ids.push_back(i->id);
  CaseRecorder::current().set_items(ids);
  auto ev = Evidence::for_current_run(*config_);
  if (!ev) return record_error(ev.error().message);
  evidence_.emplace(ev.value());
  CaseRecorder::current().set_run_id(evidence_->run().run_id);
  if (auto reason = gate_closed_reason(item().gate, *config_)) {
    Gate without_flags = item().gate;
    without_flags.flags.clear();
    if (item().gate.checked_when_closed && !gate_closed_reason(without_flags, *config_)) {
      closed_gate_ = *reason;
      return;
    }
    CaseRecorder::current().set_kind(CaseOutcome::gate_closed, *reason);
    GTEST_SKIP() << *reason;
  }
}

void DodCase::skip_for_closed_gate() {
  const std::string reason = closed_gate_.value_or("gate closed");
  CaseRecorder::current().set_kind(CaseOutcome::gate_closed, reason);
  GTEST_SKIP() << reason;
}

void DodCase::record_error(const std::string& message) {
  CaseRecorder::current().set_kind(CaseOutcome::error, message);
  // Fatal, so a failed SetUp never runs the body.
  FAIL() << SecretRegistry::process().mask(message);
}

void DodCase::record_evidence(const std::filesystem::path& file) {
  std::error_code ec;
  auto rel = std::filesystem::relative(file, evidence().dir(), ec);
  // A file outside the evidence folder (an artifact the operator named) is shown where it is.
  const bool outside = ec || rel.empty() || *rel.begin() == "..";
  const std::string shown = (outside ? std::filesystem::absolute(file, ec) : rel).string();
  CaseRecorder::current().add_evidence(shown);
}

void DodCase::console_verdict(const std::string& check, bool ok, const std::string& reason) {
  std::string line = ok ? "PASS: " + check : "FAIL: " + check + (reason.empty() ? "" : ": " + reason);
  line = SecretRegistry::process().mask(line);
  CaseRecorder::current().add_console(line);
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

void DodCase::expect_attested() {
  const auto environment = config().value("INFRA_DOD_ENVIRONMENT");
  const auto dir = config().value("INFRA_DOD_ATTESTATIONS");
  const auto file = attestation_path(dir, environment, item().id);
  auto rec = load_attestation(file);
  if (!rec) {
    if (rec.error().kind != ErrorKind::not_found) return record_error(rec.error().message);
    const std::string why = "manual: no attestation for " + item().id + " in " + environment +
                            " (record one with: infra-dod attest " + item().id + " --verdict pass --evidence <link>)";
    CaseRecorder::current().set_kind(CaseOutcome::manual_pending, why);
    GTEST_SKIP() << why;
  }
  const auto& a = rec.value();
  if (auto f = evidence().append("attestations", item().id, to_json(a))) record_evidence(f.value());
  CaseRecorder::current().add_evidence(file.string());
  if (auto problem = attestation_problem(a, item().id, environment, std::chrono::system_clock::now())) {
    ADD_FAILURE() << "attestation for " << item().id << " is not valid: " << *problem << " (" << file.string() << ")";
    return;
  }
  if (a.verdict == "pass")
    CaseRecorder::current().set_kind(CaseOutcome::manual_attested, "attested by " + a.operator_name + " at " + a.utc +
                                                                       "; evidence (" + a.evidence_source + "): " + a.evidence);
  EXPECT_EQ(a.verdict, "pass") << "attestation for " << item().id << " by " << a.operator_name << " at " << a.utc
                               << " records a failure; evidence: " << a.evidence;
}

const nlohmann::json* DodCase::snapshot() {
  if (snapshot_) return &*snapshot_;
  std::filesystem::path file = config().value("INFRA_DOD_INVENTORY");
  if (file.empty()) file = evidence().dir() / "inventory.json";
  std::ifstream in(file);
  if (!in) {
    record_error("no inventory snapshot at " + file.string() +
                 ": the inventory fixture (dod.inventory) did not run or failed; select the case with -L automatic, "
                 "or set INFRA_DOD_INVENTORY to a saved snapshot");
    return nullptr;
  }
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("entries")) {
    record_error(file.string() + " is not an inventory snapshot");
    return nullptr;
  }
  snapshot_ = std::move(j);
  return &*snapshot_;
}

void DodCase::assert_judgement(const Judgement& j, const std::string& headline) {
  nlohmann::json findings = nlohmann::json::array();
  for (const auto& f : j.findings) {
    const std::string where = f.resource.empty() ? "" : " (" + f.resource + ")";
    console_verdict(f.check, f.ok,
                    f.ok ? "" : f.judged ? "expected " + f.expected + ", found " + f.found + where
                                         : "could not judge: " + f.found + where);
    findings.push_back({{"check", f.check}, {"ok", f.ok}, {"judged", f.judged}, {"expected", f.expected},
                        {"found", f.found}, {"resource", f.resource}});
  }
  CaseRecorder::current().set_findings(findings);
  const std::string outcome = to_string(j.outcome);
  if (!headline.empty()) console_verdict(headline, j.outcome == Outcome::pass, j.outcome == Outcome::error ? j.error : j.failure_summary());
  auto file = evidence().append("judgements", item().id,
                                {{"outcome", outcome}, {"findings", findings}, {"error", j.error},
                                 {"inventory", snapshot_ ? snapshot_->value("collected_utc", "") : ""}});
  std::string where;
  if (file) {
    record_evidence(file.value());
    where = " (evidence: " + file.value().string() + ")";
  }
  // A case shared by several rows is named by its test, so no row's reason names another row.
  const std::string subject = items_.size() == 1 ? item().id : test_name();
  if (j.outcome == Outcome::error) return record_error("could not judge " + subject + ": " + j.error + where);
  if (j.outcome == Outcome::fail) FAIL() << SecretRegistry::process().mask(j.failure_summary()) << where;
}

void DodCase::assert_smoke(const SmokeResult& r) {
  for (const auto& f : r.evidence) record_evidence(f);
  if (r.declined) {
    for (const auto& c : r.judgement.findings) console_verdict(c.check, c.ok, c.ok ? "" : c.found);
    CaseRecorder::current().set_kind(CaseOutcome::gate_closed, *r.declined);
    GTEST_SKIP() << SecretRegistry::process().mask(*r.declined);
  }
  assert_judgement(r.judgement, r.headline);
}

}  // namespace infra_dod
