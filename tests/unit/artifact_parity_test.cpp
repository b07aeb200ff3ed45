#include "rules/artifact_parity.h"

#include <gtest/gtest.h>

namespace infra_dod {
namespace {

using nlohmann::json;

const json kPrinted = {{"utc", "2026-12-04T10:00:00Z"}, {"http_code", 200}, {"result", "pass"}};

TEST(ArtifactParity, OneAppendedLineEqualToStdoutPasses) {
  const auto p = check_artifact_parity(1, {R"({"http_code":200})", kPrinted.dump()}, {kPrinted}, {"http_code"});
  EXPECT_EQ(p.record["result"], "pass");
  EXPECT_EQ(p.record["artifact_line_count"], 2);
  EXPECT_EQ(p.record["artifact_line_count_before"], 1);
  EXPECT_EQ(p.record["latest_line_matches_rerun_stdout"], true);
  EXPECT_EQ(p.record["latest_http_code"], 200);
  for (const auto& f : p.findings) EXPECT_TRUE(f.ok) << f.check << ": " << f.found;
}

TEST(ArtifactParity, ALatestLineThatDiffersNamesTheField) {
  json corrupted = kPrinted;
  corrupted["http_code"] = 500;
  const auto p = check_artifact_parity(0, {corrupted.dump()}, {kPrinted}, {"http_code"});
  EXPECT_EQ(p.record["result"], "fail");
  EXPECT_EQ(p.record["latest_line_matches_rerun_stdout"], false);
  EXPECT_EQ(p.record["differing_fields"], json::array({"http_code"}));
  EXPECT_EQ(p.record["latest_http_code"], 500) << "the record echoes what the artifact holds";
  ASSERT_EQ(p.findings.size(), 2u);
  EXPECT_TRUE(p.findings[0].ok) << "one line was appended";
  EXPECT_FALSE(p.findings[1].ok);
  EXPECT_NE(p.findings[1].found.find("http_code (artifact 500, stdout 200)"), std::string::npos) << p.findings[1].found;
}

TEST(ArtifactParity, AFieldMissingOnOneSideDiffers) {
  EXPECT_EQ(differing_fields(json{{"a", 1}, {"b", 2}}, json{{"a", 1}}), std::vector<std::string>{"b"});
  EXPECT_EQ(differing_fields(json{{"a", 1}}, json{{"a", 1}}), std::vector<std::string>{});
}

TEST(ArtifactParity, TwoLinesAppendedForOnePrintedFailsTheAppendCheck) {
  const auto p = check_artifact_parity(0, {kPrinted.dump(), kPrinted.dump()}, {kPrinted}, {"http_code"});
  EXPECT_FALSE(p.findings[0].ok);
  EXPECT_EQ(p.findings[0].found, "2 lines");
  EXPECT_EQ(p.record["result"], "fail");
}

TEST(ArtifactParity, AnOverwrittenFileFailsTheAppendCheck) {
  const auto p = check_artifact_parity(3, {kPrinted.dump()}, {kPrinted}, {"http_code"});
  EXPECT_FALSE(p.findings[0].ok);
  EXPECT_EQ(p.findings[0].expected, "4 lines (3 before, 1 appended)");
}

TEST(ArtifactParity, ALatestLineThatIsNotJsonFails) {
  const auto p = check_artifact_parity(0, {"{\"http_code\":2"}, {kPrinted}, {"http_code"});
  EXPECT_FALSE(p.findings[1].ok);
  EXPECT_NE(p.findings[1].found.find("line 1 is not a JSON object"), std::string::npos);
  EXPECT_TRUE(p.record["latest_http_code"].is_null());
}

TEST(ArtifactParity, EveryStageLineOfTheTraceSmokeIsCompared) {
  const json a = {{"stage", "credentials"}}, b = {{"stage", "complete"}, {"fetch_after_http_code", 200}};
  const auto ok = check_artifact_parity(0, {a.dump(), b.dump()}, {a, b}, {"stage", "fetch_after_http_code"});
  EXPECT_EQ(ok.record["appended_lines_match_stdout"], true);
  EXPECT_EQ(ok.record["latest_stage"], "complete");
  json tampered = a;
  tampered["stage"] = "ingest";
  const auto bad = check_artifact_parity(0, {tampered.dump(), b.dump()}, {a, b}, {"stage"});
  EXPECT_EQ(bad.record["appended_lines_match_stdout"], false);
  EXPECT_EQ(bad.record["latest_line_matches_rerun_stdout"], true) << "only the first line differs";
  EXPECT_NE(bad.findings[1].found.find("line 1: stage"), std::string::npos) << bad.findings[1].found;
}

TEST(JsonLinesProblem, NamesTheFirstLineThatIsNotAnObject) {
  EXPECT_EQ(json_lines_problem(""), std::nullopt);
  EXPECT_EQ(json_lines_problem("{\"a\":1}\n{\"b\":2}\n"), std::nullopt);
  EXPECT_EQ(json_lines_problem("{\"a\":1}\n$ bash smoke.sh\n"), "line 2 is not a JSON object");
  EXPECT_EQ(json_lines_problem("[1,2]\n"), "line 1 is not a JSON object");
  EXPECT_EQ(json_lines_problem("{\"a\":1}"), "line 1 has no final newline");
}

TEST(WithParity, AParityFailureFailsAPassingSmokeAndAnErrorStaysAnError) {
  Judgement passing;
  passing.findings.push_back({"http_code 200 or 302", true, "200 or 302", "200", ""});
  passing.conclude();
  const auto p = check_artifact_parity(0, {}, {kPrinted}, {"http_code"});
  EXPECT_EQ(with_parity(passing, p).outcome, Outcome::fail);
  EXPECT_EQ(with_parity(Judgement::cannot_judge("refused"), p).outcome, Outcome::error);
}

}  // namespace
}  // namespace infra_dod
