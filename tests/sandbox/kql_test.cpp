// The Log Analytics emulator's KQL engine on literal rows: the operators it answers and the
// errors Log Analytics gives for what it does not.
#include <gtest/gtest.h>

#include "kql.h"

namespace {

using nlohmann::json;
using namespace infra_dod::sandbox;

const json kColumns = json::array({{{"name", "TimeGenerated"}, {"type", "datetime"}},
                                   {{"name", "AlertName"}, {"type", "string"}},
                                   {{"name", "Severity"}, {"type", "int"}}});

std::vector<json> rows() {
  return {{{"TimeGenerated", "2026-12-04T07:00:00Z"}, {"AlertName", "langfuse-down"}, {"Severity", 1}},
          {{"TimeGenerated", "2026-12-04T07:01:00Z"}, {"AlertName", "db-cpu"}, {"Severity", 3}},
          {{"TimeGenerated", "2026-12-04T07:02:00Z"}, {"AlertName", "Langfuse-Slow"}, {"Severity", 2}}};
}

json table(const std::string& query) {
  auto result = kql::run(query, kColumns, rows());
  EXPECT_TRUE(std::holds_alternative<json>(result)) << std::get<kql::QueryError>(result).inner.dump();
  return std::holds_alternative<json>(result) ? std::get<json>(result) : json();
}

kql::QueryError error(const std::string& query) {
  auto result = kql::run(query, kColumns, rows());
  EXPECT_TRUE(std::holds_alternative<kql::QueryError>(result));
  return std::holds_alternative<kql::QueryError>(result) ? std::get<kql::QueryError>(result) : kql::QueryError{};
}

TEST(Kql, WhereWithAndKeepsRowsMatchingEveryCondition) {
  const json t = table("T | where AlertName has 'langfuse' and Severity in (1, 3) | project AlertName");
  EXPECT_EQ(t["columns"], json::array({{{"name", "AlertName"}, {"type", "string"}}}));
  EXPECT_EQ(t["rows"], json::array({json::array({"langfuse-down"})}));
}

TEST(Kql, CaseInsensitiveEqualityMatchesWhereEqualityDoesNot) {
  EXPECT_EQ(table("T | where AlertName =~ 'langfuse-slow' | count")["rows"], json::array({json::array({1})}));
  EXPECT_EQ(table("T | where AlertName == 'langfuse-slow' | count")["rows"], json::array({json::array({0})}));
}

TEST(Kql, SeparatorsInsideQuotesBelongToTheValue) {
  EXPECT_EQ(table("T | where AlertName in ('x, y', \"db-cpu\") | count")["rows"], json::array({json::array({1})}));
  EXPECT_EQ(table("T | where AlertName == 'a and b|c' | count")["rows"], json::array({json::array({0})}));
}

TEST(Kql, TakeLimitsTheRowsAndDatetimesComeBackNormalised) {
  const json t = table("T | take 1");
  ASSERT_EQ(t["rows"].size(), 1u);
  EXPECT_EQ(t["rows"][0][0], "2026-12-04T07:00:00.000Z");
}

TEST(Kql, UnknownColumnIsASemanticError) {
  const auto e = error("T | where Nope == 1");
  EXPECT_EQ(e.code, "SemanticError");
  EXPECT_EQ(e.inner["code"], "SEM0100");
}

TEST(Kql, UnknownOperatorIsASyntaxErrorAtItsPosition) {
  const auto e = error("T | summarize count()");
  EXPECT_EQ(e.code, "SyntaxError");
  EXPECT_EQ(e.inner["token"], "summarize");
  EXPECT_EQ(e.inner["pos"], 4);
}

TEST(Kql, QueryNotStartingWithATableNameIsASyntaxError) {
  auto t = kql::table_of("| take 1");
  ASSERT_TRUE(std::holds_alternative<kql::QueryError>(t));
  EXPECT_EQ(std::get<kql::QueryError>(t).inner["token"], "<EOF>");
  EXPECT_EQ(std::get<std::string>(kql::table_of("Alerts_CL | take 1")), "Alerts_CL");
}

}  // namespace
