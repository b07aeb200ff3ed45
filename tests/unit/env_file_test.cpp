#include "runtime/env_file.h"

#include <gtest/gtest.h>

namespace infra_dod {

TEST(EnvFile, ParsesPlainExportedAndQuotedValues) {
  auto r = parse_env_file(
      "# comment\n\nKEY_VAULT_NAME=kv-dev\nexport LANGFUSE_NAMESPACE=langfuse\n"
      "A='single $kept'\nB=\"double \\\"q\\\"\"\nC=value # trailing comment\r\n",
      "test.env");
  ASSERT_TRUE(r) << r.error().message;
  const auto& e = r.value();
  ASSERT_EQ(e.size(), 5u);
  EXPECT_EQ(e[0].name, "KEY_VAULT_NAME");
  EXPECT_EQ(e[0].value, "kv-dev");
  EXPECT_EQ(e[1].value, "langfuse");
  EXPECT_EQ(e[2].value, "single $kept");
  EXPECT_EQ(e[3].value, "double \"q\"");
  EXPECT_EQ(e[4].value, "value");
  EXPECT_EQ(e[4].line, 7);
}

TEST(EnvFile, ALineWithoutEqualsIsAnErrorNamingFileAndLine) {
  auto r = parse_env_file("A=1\nthis is not an assignment\n", "x.env");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::config);
  EXPECT_NE(r.error().message.find("x.env:2"), std::string::npos) << r.error().message;
}

TEST(EnvFile, ShellExpansionIsRefusedRatherThanMisread) {
  auto r = parse_env_file("LANGFUSE_NAMESPACE=${LANGFUSE_NAMESPACE:-default}\n", "x.env");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("LANGFUSE_NAMESPACE"), std::string::npos);
  EXPECT_NE(r.error().message.find("expansion"), std::string::npos);
  EXPECT_FALSE(parse_env_file("A=\"$(rm -rf /)\"\n", "x.env"));
}

TEST(EnvFile, AnErrorNeverEchoesWhatMayBeACredential) {
  auto r = parse_env_file("DATABRICKS_TOKEN: dapi0123456789abcdef\n", "x.env");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message.find("dapi0123456789abcdef"), std::string::npos) << r.error().message;
  auto q = parse_env_file("DATABRICKS_TOKEN='dapi0123456789abcdef' trailing\n", "x.env");
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().message.find("trailing"), std::string::npos) << q.error().message;
}

TEST(EnvFile, UnterminatedQuoteAndBadNamesAreErrors) {
  EXPECT_FALSE(parse_env_file("A=\"open\n", "x.env"));
  EXPECT_FALSE(parse_env_file("A='open\n", "x.env"));
  EXPECT_FALSE(parse_env_file("1A=x\n", "x.env"));
  EXPECT_FALSE(parse_env_file("A B=x\n", "x.env"));
  EXPECT_FALSE(parse_env_file("A=two words\n", "x.env"));
}

TEST(EnvFile, AMissingFileNamesTheVariableThatPointsAtIt) {
  auto r = read_env_file("/nonexistent/ai_agent_infra_dev.env");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("INFRA_DOD_ENV_FILE"), std::string::npos);
}

}  // namespace infra_dod
