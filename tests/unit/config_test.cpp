#include "runtime/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "runtime/process.h"
#include "runtime/secrets.h"
#include "runtime/crypto.h"
#include "runtime/text.h"

namespace infra_dod {
namespace {

std::filesystem::path write_env(const std::string& text) {
  const auto p = std::filesystem::temp_directory_path() / ("cfg-" + random_hex(4) + ".env");
  std::ofstream(p) << text;
  return p;
}

TEST(Config, RunbookDefaultsApplyWhenNothingIsSet) {
  auto cfg = Config::load({});
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->value("LANGFUSE_NAMESPACE"), "default");
  EXPECT_EQ(cfg->value("POSTGRES_SERVER_NAME"), "nsc-pg-langfuse-dev");
  EXPECT_EQ(cfg->value("LANGFUSE_SECRET_NAME"), "langfuse-secrets");
  EXPECT_EQ(cfg->lookup("LANGFUSE_NAMESPACE")->source, Source::default_value);
}

TEST(Config, EnvironmentWinsOverEnvFileWhichWinsOverDefaults) {
  const auto file = write_env("LANGFUSE_NAMESPACE=from-file\nKEY_VAULT_NAME=kv-file\n");
  auto cfg = Config::load({{"INFRA_DOD_ENV_FILE", file.string()}, {"LANGFUSE_NAMESPACE", "from-env"}});
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->value("LANGFUSE_NAMESPACE"), "from-env");
  EXPECT_EQ(cfg->lookup("LANGFUSE_NAMESPACE")->source, Source::environment);
  EXPECT_EQ(cfg->value("KEY_VAULT_NAME"), "kv-file");
  EXPECT_EQ(cfg->lookup("KEY_VAULT_NAME")->origin, file.string() + ":2");
  std::filesystem::remove(file);
}

TEST(Config, AMissingRequiredValueNamesTheVariable) {
  auto cfg = Config::load({});
  ASSERT_TRUE(cfg);
  auto v = cfg->require("KEY_VAULT_NAME");
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().kind, ErrorKind::config);
  EXPECT_NE(v.error().message.find("KEY_VAULT_NAME"), std::string::npos);
}

TEST(Config, AMalformedEnvFileIsAnErrorNamingTheLine) {
  const auto file = write_env("KEY_VAULT_NAME=kv\nnonsense\n");
  auto cfg = Config::load({{"INFRA_DOD_ENV_FILE", file.string()}});
  ASSERT_FALSE(cfg);
  EXPECT_NE(cfg.error().message.find(":2"), std::string::npos) << cfg.error().message;
  std::filesystem::remove(file);
}

TEST(Config, ATypedValueOfTheWrongKindNamesTheVariable) {
  auto cfg = Config::load({{"DEV019_TIMEOUT_S", "fifteen minutes"}});
  ASSERT_FALSE(cfg);
  EXPECT_NE(cfg.error().message.find("DEV019_TIMEOUT_S"), std::string::npos);
  EXPECT_FALSE(Config::load({{"RUN_ROLLBACK", "yes"}}));
  EXPECT_FALSE(Config::load({{"INFRA_DOD_HTTP_TIMEOUT_S", "0"}})) << "0 would mean no timeout at all";
  EXPECT_FALSE(Config::load({{"DATABRICKS_HOST", "adb-1.azuredatabricks.net"}}));
}

TEST(Config, LoadingRegistersNothingUntilAskedTo) {
  SecretRegistry::process().clear();
  auto cfg = Config::load({{"DATABRICKS_TOKEN", "dapi-config-test-0123456789"}});
  ASSERT_TRUE(cfg);
  EXPECT_EQ(SecretRegistry::process().mask("dapi-config-test-0123456789"), "dapi-config-test-0123456789");
}

TEST(Config, RegisterSecretsMasksEverySecretValue) {
  auto cfg = Config::load({{"DATABRICKS_TOKEN", "dapi-config-test-0123456789"}});
  ASSERT_TRUE(cfg);
  cfg->register_secrets(SecretRegistry::process());
  EXPECT_EQ(SecretRegistry::process().mask("Bearer-less dapi-config-test-0123456789"), "Bearer-less ***");
}

TEST(Config, UnknownEnvFileVariablesAreWarnedAboutNotFatal) {
  const auto file = write_env("SOME_APPLY_SCRIPT_VAR=1\n");
  auto cfg = Config::load({{"INFRA_DOD_ENV_FILE", file.string()}});
  ASSERT_TRUE(cfg);
  ASSERT_EQ(cfg->warnings().size(), 1u);
  EXPECT_NE(cfg->warnings()[0].find("SOME_APPLY_SCRIPT_VAR"), std::string::npos);
  std::filesystem::remove(file);
}

TEST(Config, CatalogueHasEveryRunbookVariableExactlyOnce) {
  std::set<std::string> names;
  for (const auto& v : variable_catalogue()) {
    EXPECT_TRUE(names.insert(v.name).second) << "duplicate " << v.name;
    EXPECT_FALSE(v.doc.empty()) << v.name << " has no one-line comment in the example env file";
  }
  for (const char* runbook_name :
       {"KEY_VAULT_NAME", "LANGFUSE_NAMESPACE", "LANGFUSE_SECRET_NAME", "LANGFUSE_SMOKE_ARTIFACT_FILE",
        "LANGFUSE_TRACE_SMOKE_ARTIFACT_FILE", "DATABRICKS_HOST", "DATABRICKS_TOKEN", "DATABRICKS_SECRET_SCOPE",
        "KEY_VAULT_SECRET_SCOPE", "SECRET_SMOKE_KEY", "GET_SECRET_CALLABLE", "LOG_ANALYTICS_DCR_ENDPOINT",
        "LOG_ANALYTICS_DCR_IMMUTABLE_ID", "LOG_ANALYTICS_STREAM_NAME", "RUN_DEV012_FINGERPRINT_SMOKE",
        "DEV012_SMOKE_ENV", "DEV012_RUNTIME_INPUT_PATH"})
    EXPECT_TRUE(names.count(runbook_name)) << runbook_name;
  EXPECT_TRUE(find_variable("DATABRICKS_TOKEN")->secret);
}

}  // namespace
}  // namespace infra_dod

namespace infra_dod {
namespace {

// Defect 13: a value that is not UTF-8 made `infra-dod config --json` throw out of json::dump.
TEST(ConfigCommand, JsonOutputReplacesInvalidUtf8InsteadOfThrowing) {
  ProcessSpec spec;
  spec.argv = {INFRA_DOD_CLI, "config", "--json"};
  spec.env = {{"INFRA_DOD_OPERATOR", std::string("op\xff\xfe-latin1")}, {"INFRA_DOD_ENV_FILE", std::nullopt}};
  const auto r = run_process(spec);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_EQ(j["INFRA_DOD_OPERATOR"]["value"], "op\xef\xbf\xbd\xef\xbf\xbd-latin1");
}

}  // namespace
}  // namespace infra_dod
