// The collector against an `az` whose JSON has the wrong types: every entry becomes an error
// naming the cause, and the snapshot is still written. A number where a string belongs, or a
// string where an object belongs, once threw out of the collection.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "inventory/collector.h"
#include "rules/inventory_entries.h"
#include "runtime/crypto.h"

namespace infra_dod {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path script(const fs::path& dir, const std::string& name, const std::string& body) {
  const fs::path p = dir / name;
  std::ofstream(p) << "#!/bin/sh\n" << body;
  fs::permissions(p, fs::perms::owner_all);
  return p;
}

// An az that answers each command with the JSON given, and a kubectl that is refused.
Config config_with_az(const fs::path& dir, const std::string& account, const std::string& cloud, const std::string& token) {
  const auto az = script(dir, "az",
                         "case \"$1 $2\" in\n"
                         "  'account show') echo '" + account + "' ;;\n"
                         "  'cloud show') echo '" + cloud + "' ;;\n"
                         "  'account get-access-token') echo '" + token + "' ;;\n"
                         "  *) exit 2 ;;\n"
                         "esac\n");
  const auto kubectl = script(dir, "kubectl", "echo 'The connection to the server was refused' >&2; exit 1\n");
  return Config::from_values({{"AZ_CLI", az.string()},
                              {"KUBECTL", kubectl.string()},
                              {"AZURE_RESOURCE_GROUP", "rg-dev"},
                              {"POSTGRES_SERVER_NAME", "pg"},
                              {"KEY_VAULT_NAME", "kv"},
                              {"OPENAI_ACCOUNT_NAME", "oai"},
                              {"INFRA_DOD_PROCESS_TIMEOUT_S", "10"}});
}

class CollectorAz : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("infra-dod-az-" + random_hex(4));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

const char kAccount[] = R"({"id": "00000000-0000-0000-0000-000000000000", "tenantId": "t", "user": {"name": "op", "type": "user"}})";
const char kCloud[] = R"({"name": "AzureCloud", "endpoints": {"resourceManager": "http://127.0.0.1:9/"}})";
const char kToken[] = R"({"accessToken": "tok-not-a-real-one", "expiresOn": "2030-01-01 00:00:00.000000"})";

void expect_every_arm_entry_errs_naming(const json& snap, const std::string& words) {
  ASSERT_TRUE(snap.contains("entries"));
  const json& e = snap["entries"][entries::kPostgres];
  EXPECT_FALSE(e.value("ok", true));
  const std::string message = e["error"].value("message", "");
  EXPECT_NE(message.find(words), std::string::npos) << message;
}

TEST_F(CollectorAz, ASubscriptionIdThatIsANumberIsAnErrorEntryNotACrash) {
  const auto cfg = config_with_az(dir_, R"({"id": 12345, "tenantId": "t"})", kCloud, kToken);
  json snap;
  ASSERT_NO_THROW(snap = collect_inventory(cfg, SystemClock::instance()));
  expect_every_arm_entry_errs_naming(snap, "id is a number");
}

TEST_F(CollectorAz, EndpointsThatAreAStringIsAnErrorEntryNotACrash) {
  const auto cfg = config_with_az(dir_, kAccount, R"({"name": "AzureCloud", "endpoints": "none"})", kToken);
  json snap;
  ASSERT_NO_THROW(snap = collect_inventory(cfg, SystemClock::instance()));
  expect_every_arm_entry_errs_naming(snap, "endpoints is a string");
}

TEST_F(CollectorAz, AnAccessTokenThatIsANumberIsAnErrorEntryNotACrash) {
  const auto cfg = config_with_az(dir_, kAccount, kCloud, R"({"accessToken": 42})");
  json snap;
  ASSERT_NO_THROW(snap = collect_inventory(cfg, SystemClock::instance()));
  expect_every_arm_entry_errs_naming(snap, "accessToken is a number");
}

TEST_F(CollectorAz, AnAccountThatIsAListIsAnErrorEntryNotACrash) {
  const auto cfg = config_with_az(dir_, R"(["not", "an", "object"])", kCloud, kToken);
  json snap;
  ASSERT_NO_THROW(snap = collect_inventory(cfg, SystemClock::instance()));
  EXPECT_TRUE(snap.contains("entries"));
}

}  // namespace
}  // namespace infra_dod
