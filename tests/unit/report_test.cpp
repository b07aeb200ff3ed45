#include "report/report.h"

#include <gtest/gtest.h>

namespace infra_dod {
namespace {

CtestCase ct(const std::string& status, const std::string& msg = "", double time = 0.1) {
  return {"A.B", status, msg, time, ""};
}

CaseRecord rec(CaseOutcome outcome, const std::string& reason = "") {
  CaseRecord r;
  r.test = "A.B";
  r.outcome = outcome;
  r.reason = reason;
  return r;
}

TEST(JudgeTest, APassingCaseIsPass) {
  const auto c = ct("run");
  const auto r = rec(CaseOutcome::pass);
  EXPECT_EQ(judge_test("A.B", &c, &r, 60, "automatic").status, Status::pass);
}

TEST(JudgeTest, AGatedSkipCarriesTheGatesReason) {
  const auto c = ct("notrun", "SKIP_RETURN_CODE=77");
  const auto g = rec(CaseOutcome::gate_closed, "opt-in: set RUN_DEV012_FINGERPRINT_SMOKE=1 to run");
  const auto o = judge_test("A.B", &c, &g, 60, "smoke");
  EXPECT_EQ(o.status, Status::skipped);
  EXPECT_EQ(o.reason, "opt-in: set RUN_DEV012_FINGERPRINT_SMOKE=1 to run");
}

TEST(JudgeTest, AnUnwrittenCheckIsNotRunNeverPass) {
  const auto c = ct("notrun", "SKIP_RETURN_CODE=77");
  const auto g = rec(CaseOutcome::not_implemented, "not implemented yet");
  EXPECT_EQ(judge_test("A.B", &c, &g, 60, "automatic").status, Status::not_run);
}

TEST(JudgeTest, AFailedSetupIsAnErrorNotASkip) {
  const auto c = ct("notrun", "Fixture dependency failed");
  const auto o = judge_test("A.B", &c, nullptr, 60, "automatic");
  EXPECT_EQ(o.status, Status::error);
  EXPECT_NE(o.reason.find("setup"), std::string::npos);
}

TEST(JudgeTest, ACtestTimeoutIsAnErrorThatSaysTimeout) {
  const auto c = ct("fail", "", 120.02);
  const auto o = judge_test("A.B", &c, nullptr, 120, "automatic");
  EXPECT_EQ(o.status, Status::error);
  EXPECT_EQ(o.reason.rfind("timeout", 0), 0u) << o.reason;
}

TEST(JudgeTest, ACrashWithoutResultIsAnError) {
  const auto c = ct("fail", "", 0.5);
  const auto o = judge_test("A.B", &c, nullptr, 120, "automatic");
  EXPECT_EQ(o.status, Status::error);
  EXPECT_NE(o.reason.find("crash"), std::string::npos);
}

TEST(JudgeTest, AFailedAssertionIsAFailWithItsMessage) {
  const auto c = ct("fail");
  const auto g = rec(CaseOutcome::fail, "expected state Ready, found Stopped (/subscriptions/x/.../nsc-pg-langfuse-dev)");
  const auto o = judge_test("A.B", &c, &g, 60, "automatic");
  EXPECT_EQ(o.status, Status::fail);
  EXPECT_NE(o.reason.find("expected state Ready"), std::string::npos);
}

TEST(JudgeTest, ACaseThatCouldNotJudgeIsAnError) {
  const auto c = ct("fail");
  const auto g = rec(CaseOutcome::error, "unreachable: connection refused");
  EXPECT_EQ(judge_test("A.B", &c, &g, 60, "automatic").status, Status::error);
}

TEST(JudgeTest, ManualRowsArePendingUntilAttested) {
  const auto skip = ct("notrun", "SKIP_RETURN_CODE=77");
  const auto g = rec(CaseOutcome::manual_pending, "manual: no attestation for DEV045-NSG in dev");
  EXPECT_EQ(judge_test("A.B", &skip, &g, 30, "manual").status, Status::manual_pending);
  const auto pass = ct("run");
  const auto attested = rec(CaseOutcome::manual_attested, "attested by alice");
  EXPECT_EQ(judge_test("A.B", &pass, &attested, 30, "manual").status, Status::manual_attested);
  EXPECT_EQ(judge_test("A.B", nullptr, nullptr, 30, "manual").status, Status::manual_pending);
}

TEST(JudgeTest, AnExitCodeThatContradictsTheRecordIsAnError) {
  const auto exit0 = ct("run");
  const auto failed = rec(CaseOutcome::fail, "expected x, found y");
  EXPECT_EQ(judge_test("A.B", &exit0, &failed, 60, "automatic").status, Status::error);
  const auto crashed = ct("fail", "", 0.5);
  const auto passed = rec(CaseOutcome::pass);
  EXPECT_EQ(judge_test("A.B", &crashed, &passed, 60, "automatic").status, Status::error);
}

TEST(JudgeTest, AnExitZeroWithoutARecordIsAnError) {
  const auto c = ct("run");
  EXPECT_EQ(judge_test("A.B", &c, nullptr, 60, "automatic").status, Status::error);
}

TEST(JudgeTest, TheRecordsConsoleLinesAndEvidenceTravelWithTheOutcome) {
  const auto c = ct("run");
  auto r = rec(CaseOutcome::pass);
  r.console = {"PASS: x"};
  r.evidence = {"judgements.jsonl"};
  const auto o = judge_test("A.B", &c, &r, 60, "automatic");
  EXPECT_EQ(o.console, std::vector<std::string>{"PASS: x"});
  EXPECT_EQ(o.evidence, std::vector<std::string>{"judgements.jsonl"});
}

TEST(CaseRecordFile, RoundTripsAndRefusesAnUnknownOutcome) {
  const auto dir = std::filesystem::temp_directory_path() / "infra-dod-record-test";
  auto r = rec(CaseOutcome::gate_closed, "opt-in: set RUN_ROLLBACK=1 to run");
  r.dod_items = {"ROLLBACK-WORKLOAD"};
  ASSERT_TRUE(write_case_record(dir, r));
  auto back = read_case_record(dir, "A.B");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->outcome, CaseOutcome::gate_closed);
  EXPECT_EQ(back->dod_items, r.dod_items);
  EXPECT_EQ(read_case_record(dir, "No.Such").error().kind, ErrorKind::not_found);
  auto j = to_json(r);
  j["outcome"] = "passed-probably";
  EXPECT_FALSE(case_record_from_json(j, "inline"));
  std::filesystem::remove_all(dir);
}

TEST(JudgeTest, ACaseNotInTheJunitIsNotRun) {
  const auto o = judge_test("A.B", nullptr, nullptr, 60, "automatic");
  EXPECT_EQ(o.status, Status::not_run);
  EXPECT_EQ(o.reason, "not selected in this run");
}

TEST(BuildReport, EvidenceAlsoListsTheOtherRowsEvidenceButNotItsStatus) {
  auto reg = Registry::parse(R"({"tables":[{"id":"dod","title":"T"}],"items":[
      {"id":"SMOKE","table":"dod","item":"smoke","mode":"smoke","tests":["S.Ui"],"evidence_also":["GUARD"]},
      {"id":"GUARD","table":"dod","item":"guard","mode":"automatic","tests":["G.Scan"]}]})",
                             "inline");
  ASSERT_TRUE(reg);
  std::map<std::string, TestOutcome> out = {{"S.Ui", {"S.Ui", Status::pass, "", {"ui-smoke.jsonl"}, {}}},
                                            {"G.Scan", {"G.Scan", Status::fail, "leak", {"raw-marker-scan.jsonl"}, {}}}};
  const auto rep = build_report(reg.value(), out);
  EXPECT_EQ(rep.rows[0].status, Status::pass);
  EXPECT_EQ(rep.rows[0].evidence, (std::vector<std::string>{"ui-smoke.jsonl", "raw-marker-scan.jsonl"}));
  EXPECT_EQ(rep.rows[1].evidence, std::vector<std::string>{"raw-marker-scan.jsonl"});
}

TEST(BuildReport, ARowTakesTheWorstOfItsCasesAndBlocksReleaseOnFailOrError) {
  auto reg = Registry::parse(R"({"tables":[{"id":"dod","title":"T"}],"items":[
      {"id":"R1","table":"dod","item":"row one","mode":"smoke","release_blocking":true,"tests":["A.One","A.Two"]},
      {"id":"R2","table":"dod","item":"row two","mode":"smoke","release_blocking":false,"tests":["A.Three"]}]})",
                             "inline");
  ASSERT_TRUE(reg);
  std::map<std::string, TestOutcome> out = {{"A.One", {"A.One", Status::pass, "", {}, {}}},
                                            {"A.Two", {"A.Two", Status::fail, "boom", {"x.jsonl"}, {}}},
                                            {"A.Three", {"A.Three", Status::error, "refused", {}, {}}}};
  const auto rep = build_report(reg.value(), out);
  ASSERT_EQ(rep.rows.size(), 2u);
  EXPECT_EQ(rep.rows[0].status, Status::fail);
  EXPECT_EQ(rep.rows[0].reason, "A.Two: boom");
  EXPECT_EQ(rep.rows[0].evidence, std::vector<std::string>{"x.jsonl"});
  EXPECT_EQ(rep.blocking(), std::vector<std::string>{"R1"});
  const auto j = render_json(rep);
  EXPECT_EQ(j["rows"][1]["status"], "error");
  for (const char* k : {"id", "ticket", "item", "status", "reason", "tests", "evidence"}) EXPECT_TRUE(j["rows"][0].contains(k)) << k;
}

TEST(BuildReport, ASelectedReleaseBlockingRowWithoutAVerdictBlocksAndSaysWhy) {
  auto reg = Registry::parse(R"({"tables":[{"id":"dod","title":"T"}],"items":[
      {"id":"R1","table":"dod","item":"selected, not implemented","mode":"smoke","release_blocking":true,"tests":["A.One"]},
      {"id":"R2","table":"dod","item":"not selected","mode":"smoke","release_blocking":true,"tests":["A.Two"]},
      {"id":"R3","table":"dod","item":"gate closed","mode":"smoke","release_blocking":true,"tests":["A.Three"]},
      {"id":"R4","table":"dod","item":"not blocking","mode":"smoke","release_blocking":false,"tests":["A.Four"]}]})",
                             "inline");
  ASSERT_TRUE(reg);
  const auto skipped = ct("notrun", "SKIP_RETURN_CODE=77");
  const auto unwritten = rec(CaseOutcome::not_implemented, "not implemented yet");
  const auto gated = rec(CaseOutcome::gate_closed, "opt-in: set RUN_X=1 to run");
  std::map<std::string, TestOutcome> out = {{"A.One", judge_test("A.One", &skipped, &unwritten, 60, "smoke")},
                                            {"A.Two", judge_test("A.Two", nullptr, nullptr, 60, "smoke")},
                                            {"A.Three", judge_test("A.Three", &skipped, &gated, 60, "smoke")},
                                            {"A.Four", judge_test("A.Four", &skipped, &unwritten, 60, "smoke")}};
  const auto rep = build_report(reg.value(), out);
  EXPECT_EQ(rep.rows[0].status, Status::not_run);
  EXPECT_TRUE(rep.rows[0].selected_without_verdict);
  EXPECT_NE(rep.rows[0].reason.find("blocks the release"), std::string::npos) << rep.rows[0].reason;
  EXPECT_EQ(rep.blocking(), std::vector<std::string>{"R1"});
  EXPECT_EQ(rep.unevidenced(), (std::vector<std::string>{"R2", "R3"}));
  EXPECT_EQ(rep.rows[3].reason.find("blocks the release"), std::string::npos) << rep.rows[3].reason;
}

TEST(ParseJunit, ReadsCtestsOwnFormat) {
  const std::string xml = R"xml(<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="(empty)" tests="2" failures="0" disabled="0" skipped="1" hostname="" time="0" timestamp="2026-11-26T19:31:34">
	<testcase name="A.B" classname="A.B" time="0.00268052" status="run"><system-out>ok</system-out></testcase>
	<testcase name="A.C" classname="A.C" time="0.0024" status="notrun"><skipped message="SKIP_RETURN_CODE=77"/><system-out>x</system-out></testcase>
</testsuite>)xml";
  auto r = parse_ctest_junit(xml, "inline");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ(r->at(1).status, "notrun");
  EXPECT_EQ(r->at(1).skipped_message, "SKIP_RETURN_CODE=77");
  EXPECT_FALSE(parse_ctest_junit("<html>nope", "inline"));
}

}  // namespace
}  // namespace infra_dod
