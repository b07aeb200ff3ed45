// The Azure Monitor emulator against wire-contracts.md §3: ingestion, query after the delay, and
// alerts that fire exactly once (or twice, or never, when the scenario says so).
#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "runtime/clock.h"
#include "runtime/text.h"
#include "scenario.h"
#include "service.h"
#include "support.h"

namespace {

using nlohmann::json;
using namespace infra_dod;
using namespace infra_dod::sandbox;

class MonitorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    load_healthy(shared_);
    if (HasFatalFailure()) return;
    shared_.arm_token = "test-arm-token";
    auto& monitor = shared_.scenario["monitor"];
    monitor["ingestion_delay_ms"] = 150;
    for (auto& [name, rule] : monitor["alert_rules"].items()) rule["fire_delay_ms"] = 50;
    dcr_ = shared_.scenario["env"]["LOG_ANALYTICS_DCR_IMMUTABLE_ID"];
    stream_ = shared_.scenario["env"]["LOG_ANALYTICS_STREAM_NAME"];
    workspace_ = shared_.scenario["env"]["LOG_ANALYTICS_WORKSPACE_ID"];
  }
  void TearDown() override {
    if (monitor_) monitor_->stop();
  }

  void start() {
    monitor_ = make_monitor_service(shared_);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", monitor_->start());
    // The service answers as soon as start() returns.
    ASSERT_TRUE(client_->Get("/"));
  }

  httplib::Headers auth(const std::string& token = "test-arm-token") {
    httplib::Headers h;
    if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
    return h;
  }

  httplib::Result ingest(const json& body, const std::string& dcr = "", const std::string& stream = "",
                         const std::string& token = "test-arm-token") {
    const std::string path = "/dataCollectionRules/" + (dcr.empty() ? dcr_ : dcr) + "/streams/" +
                             (stream.empty() ? stream_ : stream) + "?api-version=2023-01-01";
    return client_->Post(path.c_str(), auth(token), body.dump(), "application/json");
  }

  httplib::Result query(const std::string& kql, const std::string& token = "test-arm-token") {
    const std::string path = "/v1/workspaces/" + workspace_ + "/query";
    return client_->Post(path.c_str(), auth(token), json{{"query", kql}, {"timespan", "PT1H"}}.dump(),
                         "application/json");
  }

  json event(const std::string& type, const std::string& run) {
    return {{"TimeGenerated", utc_iso(std::chrono::system_clock::now())},
            {"severity", "INFO"},
            {"event_type", type},
            {"summary", "sandbox smoke"},
            {"detail", {{"env", "dev"}, {"run", run}}},
            {"not_in_stream", "dropped"}};
  }

  // Polls (with a deadline) until the predicate holds.
  static bool eventually(const std::function<bool()>& done) {
    const auto r = poll_until(SystemClock::instance(), std::chrono::seconds(3), std::chrono::milliseconds(25),
                              [&](int, std::chrono::milliseconds) { return done(); });
    return r.outcome == PollOutcome::done;
  }

  std::size_t alerts() { return shared_.fired_alerts ? shared_.fired_alerts().size() : 0; }

  Shared shared_;
  std::string dcr_, stream_, workspace_;
  std::unique_ptr<Service> monitor_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(MonitorTest, ReportsBothEndpoints) {
  start();
  const json e = monitor_->endpoints();
  EXPECT_EQ(e["monitor_ingestion_url"], monitor_->base_url());
  EXPECT_EQ(e["log_analytics_url"], monitor_->base_url());
}

TEST_F(MonitorTest, IngestedRowsBecomeQueryableAfterTheDelay) {
  start();
  auto r = ingest(json::array({event("TRIAGE_READY", "run-1"), event("OTHER", "run-2")}));
  ASSERT_EQ(r->status, 204) << r->body;
  EXPECT_TRUE(r->body.empty());
  const std::string kql = "AgentAlerts_CL | where event_type == \"TRIAGE_READY\"";
  auto before = query(kql);
  ASSERT_EQ(before->status, 200) << before->body;
  EXPECT_TRUE(json::parse(before->body)["tables"][0]["rows"].empty());
  json table;
  ASSERT_TRUE(eventually([&] {
    table = json::parse(query(kql)->body)["tables"][0];
    return !table["rows"].empty();
  }));
  EXPECT_EQ(table["name"], "PrimaryResult");
  ASSERT_EQ(table["rows"].size(), 1u);
  std::map<std::string, json> row;
  for (std::size_t i = 0; i < table["columns"].size(); ++i) row[table["columns"][i]["name"]] = table["rows"][0][i];
  EXPECT_EQ(row["event_type"], "TRIAGE_READY");
  EXPECT_EQ(row["Type"], "AgentAlerts_CL");
  EXPECT_EQ(row["TenantId"], workspace_);
  EXPECT_EQ(json::parse(row["detail"].get<std::string>())["run"], "run-1");  // dynamic: a JSON string
  EXPECT_EQ(row.count("not_in_stream"), 0u);
  auto counted = json::parse(query("AgentAlerts_CL | where event_type in ('TRIAGE_READY', 'OTHER') | count")->body);
  EXPECT_EQ(counted["tables"][0]["rows"][0][0], 2);
  auto projected = json::parse(query("AgentAlerts_CL | project event_type, summary | take 1")->body)["tables"][0];
  EXPECT_EQ(projected["columns"].size(), 2u);
  EXPECT_EQ(projected["rows"].size(), 1u);
}

TEST_F(MonitorTest, EachMatchingEventFiresExactlyOneAlert) {
  start();
  ASSERT_EQ(ingest(json::array({event("TRIAGE_READY", "run-1"), event("NOT_ALERTING", "run-1")}))->status, 204);
  EXPECT_EQ(alerts(), 0u);  // not before the ingestion delay
  ASSERT_TRUE(eventually([&] { return alerts() >= 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const json fired = shared_.fired_alerts();
  ASSERT_EQ(fired.size(), 1u);
  const json& e = fired[0]["properties"]["essentials"];
  EXPECT_EQ(fired[0]["type"], "Microsoft.AlertsManagement/alerts");
  EXPECT_EQ(fired[0]["name"], "alert-agent-events");
  EXPECT_EQ(e["alertRule"], shared_.scenario["monitor"]["alert_rules"]["alert-agent-events"]["rule_id"]);
  EXPECT_EQ(e["monitorCondition"], "Fired");
  EXPECT_EQ(e["severity"], "Sev2");
  EXPECT_EQ(e["targetResourceType"], "workspaces");
  EXPECT_TRUE(starts_with(fired[0]["id"].get<std::string>(),
                          "/subscriptions/6f1c2a7e-0d5b-4c1e-9a43-5b2d8f0c1e11/resourcegroups/rg-ai-agent-dev/"));
}

TEST_F(MonitorTest, DoubleFireAndNeverFireFaults) {
  shared_.scenario["monitor"]["alert_rules"]["alert-agent-events"]["fault"] = "double_fire";
  start();
  ASSERT_EQ(ingest(json::array({event("EXECUTION_FAILED", "run-1")}))->status, 204);
  ASSERT_TRUE(eventually([&] { return alerts() >= 2; }));
  const json fired = shared_.fired_alerts();
  EXPECT_EQ(fired.size(), 2u);
  EXPECT_NE(fired[0]["id"], fired[1]["id"]);
  monitor_->stop();

  shared_.scenario["monitor"]["alert_rules"]["alert-agent-events"]["fault"] = "never_fire";
  start();
  ASSERT_EQ(ingest(json::array({event("EXECUTION_FAILED", "run-2")}))->status, 204);
  ASSERT_TRUE(eventually([&] {
    return !json::parse(query("AgentAlerts_CL | where event_type == 'EXECUTION_FAILED'")->body)["tables"][0]["rows"].empty();
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  EXPECT_EQ(alerts(), 0u);
}

TEST_F(MonitorTest, IngestionErrors) {
  start();
  auto no_auth = ingest(json::array({event("TRIAGE_READY", "r")}), "", "", "");
  ASSERT_EQ(no_auth->status, 401);
  EXPECT_EQ(json::parse(no_auth->body)["error"]["code"], no_auth->get_header_value("x-ms-error-code"));
  EXPECT_EQ(ingest(json::array(), "", "", "wrong")->status, 401);
  auto dcr = ingest(json::array({event("TRIAGE_READY", "r")}), "dcr-00000000000000000000000000000000");
  ASSERT_EQ(dcr->status, 404);
  EXPECT_NE(json::parse(dcr->body)["error"]["message"].get<std::string>().find("dcr-00000000000000000000000000000000"),
            std::string::npos);
  EXPECT_EQ(ingest(json::array({event("TRIAGE_READY", "r")}), "", "Custom-Nope_CL")->status, 400);
  EXPECT_EQ(ingest(json{{"not", "an array"}})->status, 400);
  auto missing_version = client_->Post(("/dataCollectionRules/" + dcr_ + "/streams/" + stream_).c_str(), auth(), "[]",
                                       "application/json");
  EXPECT_EQ(missing_version->status, 400);
}

TEST_F(MonitorTest, QueryErrors) {
  start();
  auto no_auth = query("AgentAlerts_CL", "");
  ASSERT_EQ(no_auth->status, 401);
  EXPECT_EQ(json::parse(no_auth->body)["error"]["code"], "AuthorizationRequiredError");
  auto table = query("Nope_CL | take 1");
  ASSERT_EQ(table->status, 400);
  const json err = json::parse(table->body)["error"];
  EXPECT_EQ(err["code"], "BadArgumentError");
  EXPECT_EQ(err["innererror"]["code"], "SemanticError");
  EXPECT_EQ(err["innererror"]["innererror"]["code"], "SEM0100");
  auto syntax = query("AgentAlerts_CL | wher event_type == 'x'");
  ASSERT_EQ(syntax->status, 400);
  EXPECT_EQ(json::parse(syntax->body)["error"]["innererror"]["innererror"]["token"], "wher");
  auto column = query("AgentAlerts_CL | where nope == 'x'");
  ASSERT_EQ(column->status, 400);
  auto workspace = client_->Post("/v1/workspaces/00000000-0000-0000-0000-000000000000/query", auth(),
                                 json{{"query", "AgentAlerts_CL"}}.dump(), "application/json");
  ASSERT_EQ(workspace->status, 404);
  EXPECT_EQ(json::parse(workspace->body)["error"]["code"], "WorkspaceNotFoundError");
}

}  // namespace
