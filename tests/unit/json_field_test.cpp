// Cloud JSON of an unexpected shape reads as the fallback, never as an exception.
#include <gtest/gtest.h>

#include "rules/private_path.h"
#include "rules/rollback.h"
#include "rules/trace_smoke.h"
#include "runtime/json_field.h"

namespace infra_dod {
namespace {

using nlohmann::json;

TEST(JsonField, AMemberOfTheWantedTypeIsRead) {
  const json j = {{"name", "pg"}, {"ok", true}, {"port", 5432}, {"spec", {{"a", 1}}}};
  EXPECT_EQ(field(j, "name", ""), "pg");
  EXPECT_TRUE(field(j, "ok", false));
  EXPECT_EQ(field(j, "port", 0), 5432);
  EXPECT_EQ(field(j, "spec", json()), json({{"a", 1}}));
}

TEST(JsonField, AMemberOfAnotherTypeReadsAsTheFallback) {
  const json j = {{"name", 12345}, {"ok", "yes"}, {"port", "5432"}, {"count", -1}};
  EXPECT_EQ(field(j, "name", "?"), "?");
  EXPECT_FALSE(field(j, "ok", false));
  EXPECT_EQ(field(j, "port", 7), 7);
  EXPECT_EQ(field(j, "count", std::size_t{3}), 3u) << "a negative number is no size";
}

TEST(JsonField, ADocumentThatIsNoObjectReadsAsTheFallback) {
  EXPECT_EQ(field(json::array({1, 2}), "name", "none"), "none");
  EXPECT_EQ(field(json("text"), "port", 1), 1);
  EXPECT_EQ(field(json(), "ok", true), true);
}

TEST(JsonField, ANumberOutOfRangeReadsAsTheFallback) {
  const json j = {{"big", 1ull << 40}};
  EXPECT_EQ(field(j, "big", 0), 0) << "does not fit an int";
  EXPECT_EQ(field(j, "big", 0L), 1L << 40);
}

// Found by the cli_output fuzz target: an evidence line whose "probe" is an object.
TEST(JsonField, AProbeLineWhoseProbeIsAnObjectIsNoResultLine) {
  const std::string text = R"({"probe":{"probe":"http","status":200}})" "\n" R"({"probe":"tcp","connected":true})";
  std::optional<json> found;
  EXPECT_NO_THROW(found = probe_result_line(text, "tcp"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(field(*found, "connected", false), true);
}

TEST(JsonField, RulesJudgeWronglyTypedRecordsWithoutThrowing) {
  const json odd = {{"stage", 5}, {"result", json::array()}, {"after", "x"}, {"target", 7}, {"deployment", false}};
  EXPECT_NO_THROW((void)judge_trace_persistence(odd));
  EXPECT_NO_THROW((void)judge_workload_rollback(odd));
  EXPECT_NO_THROW((void)judge_removal(odd));
  EXPECT_NO_THROW((void)judge_absence(odd));
  EXPECT_NE(judge_trace_persistence(odd).outcome, Outcome::pass);
}

TEST(JsonParseProblem, NamesInvalidUtf8WithoutQuotingTheBytes) {
  const std::string problem = json_parse_problem("{\"name\":\"pg-\xff\"}");
  EXPECT_NE(problem.find("ill-formed UTF-8"), std::string::npos) << problem;
  EXPECT_EQ(problem.find("last read"), std::string::npos) << problem;
  EXPECT_EQ(problem.find("json.exception"), std::string::npos) << problem;
}

TEST(JsonParseProblem, IsEmptyForJson) { EXPECT_EQ(json_parse_problem(R"({"a":[1,2]})"), ""); }

}  // namespace
}  // namespace infra_dod
