// The Databricks emulator against the wire contract: PAT auth errors, SCIM Me, Files API
// listings of UC volumes, one-time runs moving PENDING -> RUNNING -> terminal per run name,
// get-output on task and parent runs, submit validation, and secrets with their faults.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <thread>

#include "runtime/text.h"
#include "scenario.h"
#include "service.h"
#include "support.h"

namespace infra_dod::sandbox {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kToken = "dapi-sandbox-test-token";
constexpr const char* kVolume = "/Volumes/nsc_dbw_dev_7405610275478542/default/agent_state_checkpoints";
constexpr const char* kScope = "ai-agent-dev";

class DatabricksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    load_healthy(shared_);
    if (HasFatalFailure()) return;
    shared_.databricks_token = kToken;
    json& jobs = shared_.scenario["databricks"]["jobs"];
    // Wide enough that the success run is seen in each state even on a busy machine.
    jobs["default_run"]["pending_ms"] = 100;
    jobs["default_run"]["running_ms"] = 100;
    jobs["runs"]["failing-task"] = {
        {"outcome", "failed"},
        {"pending_ms", 20},
        {"running_ms", 20},
        {"state_message", "Workload failed, see run output for details"},
        {"output",
         {{"error", "ZeroDivisionError: division by zero"},
          {"error_trace", "Traceback (most recent call last):\nZeroDivisionError: division by zero"}}}};
    jobs["runs"]["broken-platform"] = {{"outcome", "internal_error"},
                                       {"pending_ms", 20},
                                       {"running_ms", 20},
                                       {"state_message", "Run failed due to an internal error"}};
    jobs["runs"]["stuck-run"] = {{"outcome", "never_finishes"}, {"pending_ms", 20}, {"running_ms", 20}};
    json& keys = shared_.scenario["databricks"]["secrets"]["scopes"][kScope]["keys"];
    keys["denied"] = {{"value", "x"},
                      {"fault",
                       {{"status", 403},
                        {"error_code", "PERMISSION_DENIED"},
                        {"message", "User does not have READ permission on scope ai-agent-dev"}}}};
    keys["throttled"] = {{"value", "x"},
                         {"fault", {{"status", 429}, {"error_code", "REQUEST_LIMIT_EXCEEDED"}, {"retry_after", 1},
                                    {"message", "Too many requests. Please wait a moment and try again."}}}};
    keys["broken"] = {{"value", "x"}, {"fault", {{"status", 500}, {"message", "Internal error"}}}};
    keys["hung"] = {{"value", "x"}, {"fault", {{"hang_ms", 5000}}}};
    shared_.scenario["databricks"]["files"]["/Volumes/nsc_dbw_dev_7405610275478542/default/locked"] = {
        {"is_directory", true}, {"forbidden", true}};
    service_ = make_databricks_service(shared_);
    service_->start();
  }

  httplib::Client client() const {
    httplib::Client c("127.0.0.1", service_->port());
    c.set_read_timeout(5, 0);
    c.set_bearer_token_auth(kToken);
    return c;
  }

  static json body_of(const httplib::Result& res) { return json::parse(res->body); }

  std::int64_t submit(const std::string& run_name, const std::string& version = "2.2") const {
    const json request = {
        {"run_name", run_name},
        {"tasks",
         {{{"task_key", "smoke"},
           {"environment_key", "smoke_serverless"},
           {"spark_python_task", {{"python_file", "/Users/operator@sandbox.example/smoke.py"}}}}}},
        {"environments", {{{"environment_key", "smoke_serverless"}, {"spec", {{"environment_version", "2"}}}}}}};
    auto res = client().Post("/api/" + version + "/jobs/runs/submit", request.dump(), "application/json");
    EXPECT_TRUE(res);
    EXPECT_EQ(res->status, 200) << res->body;
    return body_of(res)["run_id"].get<std::int64_t>();
  }

  json get_run(std::int64_t run_id, const std::string& version = "2.2") const {
    auto res = client().Get("/api/" + version + "/jobs/runs/get?run_id=" + std::to_string(run_id));
    EXPECT_TRUE(res);
    EXPECT_EQ(res->status, 200) << res->body;
    return body_of(res);
  }

  // Polls every 10 ms for at most a second; the life cycle states seen on the way, in order.
  std::vector<std::string> wait_terminal(std::int64_t run_id, json& last) const {
    std::vector<std::string> seen;
    for (auto deadline = std::chrono::steady_clock::now() + 1s; std::chrono::steady_clock::now() < deadline;) {
      last = get_run(run_id);
      const std::string state = last["state"]["life_cycle_state"];
      if (seen.empty() || seen.back() != state) seen.push_back(state);
      if (state == "TERMINATED" || state == "INTERNAL_ERROR" || state == "SKIPPED") break;
      std::this_thread::sleep_for(10ms);
    }
    return seen;
  }

  httplib::Result secret(const std::string& scope, const std::string& key) const {
    return client().Get("/api/2.0/secrets/get?scope=" + scope + "&key=" + key);
  }

  Shared shared_;
  std::unique_ptr<Service> service_;
};

TEST_F(DatabricksTest, MissingOrWrongTokenGetsTheGatewayErrors) {
  httplib::Client anonymous("127.0.0.1", service_->port());
  auto missing = anonymous.Get("/api/2.0/preview/scim/v2/Me");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 401);
  EXPECT_EQ(body_of(missing),
            json({{"error_code", 401},
                  {"message", "Credential was not sent or was of an unsupported type for this API."}}));
  anonymous.set_bearer_token_auth("dapi-wrong");
  auto wrong = anonymous.Get("/api/2.0/preview/scim/v2/Me");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 403);
  EXPECT_EQ(body_of(wrong), json({{"error_code", 403}, {"message", "Invalid access token."}}));
}

TEST_F(DatabricksTest, ScimMeNamesTheScenarioUser) {
  auto res = client().Get("/api/2.0/preview/scim/v2/Me");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  const json me = body_of(res);
  EXPECT_EQ(me["userName"], shared_.scenario["names"]["user"]);
  EXPECT_EQ(me["active"], true);
  EXPECT_EQ(me["schemas"][0], "urn:ietf:params:scim:schemas:core:2.0:User");
}

TEST_F(DatabricksTest, VolumeListingShowsTheCheckpointDatabase) {
  auto res = client().Get(std::string("/api/2.0/fs/directories") + kVolume + "?page_size=1000");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  const json contents = body_of(res)["contents"];
  ASSERT_EQ(contents.size(), 1u);
  EXPECT_EQ(contents[0]["path"], std::string(kVolume) + "/agent.db");
  EXPECT_EQ(contents[0]["name"], "agent.db");
  EXPECT_EQ(contents[0]["is_directory"], false);
  EXPECT_EQ(contents[0]["file_size"], 28672);
}

TEST_F(DatabricksTest, MissingAndForbiddenDirectoriesAnswer404And403) {
  auto missing = client().Get("/api/2.0/fs/directories/Volumes/nsc_dbw_dev_7405610275478542/default/nope");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(body_of(missing),
            json({{"error_code", "NOT_FOUND"}, {"message", "The directory being accessed is not found."}}));
  auto file = client().Get(std::string("/api/2.0/fs/directories") + kVolume + "/agent.db");
  ASSERT_TRUE(file);
  EXPECT_EQ(file->status, 404);
  auto locked = client().Get("/api/2.0/fs/directories/Volumes/nsc_dbw_dev_7405610275478542/default/locked");
  ASSERT_TRUE(locked);
  EXPECT_EQ(locked->status, 403);
  EXPECT_EQ(body_of(locked)["error_code"], "PERMISSION_DENIED");
}

TEST_F(DatabricksTest, RunMovesFromPendingThroughRunningToSuccess) {
  const auto run_id = submit("dev013-strict-smoke-serverless");
  json run = get_run(run_id);
  EXPECT_EQ(run["state"]["life_cycle_state"], "PENDING");
  EXPECT_FALSE(run["state"].contains("result_state"));
  EXPECT_EQ(run["status"]["state"], "PENDING");
  EXPECT_EQ(run["run_type"], "SUBMIT_RUN");
  const auto seen = wait_terminal(run_id, run);
  EXPECT_EQ(seen, (std::vector<std::string>{"PENDING", "RUNNING", "TERMINATED"}));
  EXPECT_EQ(run["state"]["result_state"], "SUCCESS");
  EXPECT_EQ(run["status"], json({{"state", "TERMINATED"},
                                 {"termination_details", {{"code", "SUCCESS"}, {"type", "SUCCESS"}, {"message", ""}}}}));
  ASSERT_EQ(run["tasks"].size(), 1u);
  const auto task_run_id = run["tasks"][0]["run_id"].get<std::int64_t>();
  EXPECT_NE(task_run_id, run_id);
  EXPECT_EQ(run["tasks"][0]["state"]["result_state"], "SUCCESS");

  auto output = client().Get("/api/2.2/jobs/runs/get-output?run_id=" + std::to_string(task_run_id));
  ASSERT_TRUE(output);
  EXPECT_EQ(output->status, 200);
  const json out = body_of(output);
  EXPECT_FALSE(out.contains("error"));
  EXPECT_NE(out["logs"].get<std::string>().find("strict smoke passed"), std::string::npos);
  EXPECT_EQ(out["metadata"]["run_id"], task_run_id);
  EXPECT_EQ(out["metadata"]["task_key"], "smoke");
}

TEST_F(DatabricksTest, GetOutputOnTheParentRunIsRejected) {
  const auto run_id = submit("dev019_smoke_test_serverless", "2.1");
  auto res = client().Get("/api/2.1/jobs/runs/get-output?run_id=" + std::to_string(run_id));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(body_of(res),
            json({{"error_code", "INVALID_PARAMETER_VALUE"},
                  {"message",
                   "Retrieving the output of runs with multiple tasks is not supported. Please retrieve the output "
                   "of each individual task run instead."}}));
  auto unknown = client().Get("/api/2.2/jobs/runs/get?run_id=1");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 400);
  EXPECT_EQ(body_of(unknown), json({{"error_code", "INVALID_PARAMETER_VALUE"}, {"message", "Run 1 does not exist."}}));
}

TEST_F(DatabricksTest, FailedTaskReportsItsErrorInGetOutput) {
  const auto run_id = submit("failing-task");
  json run;
  wait_terminal(run_id, run);
  EXPECT_EQ(run["state"]["life_cycle_state"], "TERMINATED");
  EXPECT_EQ(run["state"]["result_state"], "FAILED");
  EXPECT_EQ(run["state"]["state_message"], "Workload failed, see run output for details");
  EXPECT_EQ(run["status"]["termination_details"]["code"], "RUN_EXECUTION_ERROR");
  EXPECT_EQ(run["status"]["termination_details"]["type"], "CLIENT_ERROR");
  const auto task_run_id = run["tasks"][0]["run_id"].get<std::int64_t>();
  auto output = client().Get("/api/2.2/jobs/runs/get-output?run_id=" + std::to_string(task_run_id));
  ASSERT_TRUE(output);
  EXPECT_EQ(output->status, 200);
  const json out = body_of(output);
  EXPECT_EQ(out["error"], "ZeroDivisionError: division by zero");
  EXPECT_NE(out["error_trace"].get<std::string>().find("Traceback"), std::string::npos);
  EXPECT_EQ(out["metadata"]["state"]["result_state"], "FAILED");
}

TEST_F(DatabricksTest, InternalErrorEndsTheLifeCycle) {
  const auto run_id = submit("broken-platform");
  json run;
  const auto seen = wait_terminal(run_id, run);
  EXPECT_EQ(seen.back(), "INTERNAL_ERROR");
  EXPECT_EQ(run["state"]["state_message"], "Run failed due to an internal error");
  EXPECT_EQ(run["status"]["state"], "TERMINATED");
  EXPECT_EQ(run["status"]["termination_details"]["type"], "INTERNAL_ERROR");
}

TEST_F(DatabricksTest, NeverFinishingRunStaysRunning) {
  const auto run_id = submit("stuck-run");
  std::this_thread::sleep_for(150ms);  // well past pending_ms + running_ms
  const json run = get_run(run_id);
  EXPECT_EQ(run["state"]["life_cycle_state"], "RUNNING");
  EXPECT_EQ(run["status"]["state"], "RUNNING");
  EXPECT_EQ(run["end_time"], 0);
}

TEST_F(DatabricksTest, ClusterStyleSubmissionsAreRejected) {
  const json shared_cluster = {
      {"run_name", "dev019_smoke_test_serverless"},
      {"job_clusters", {{{"job_cluster_key", "smoke"}, {"new_cluster", {{"spark_version", "15.4.x-scala2.12"}}}}}},
      {"tasks",
       {{{"task_key", "t"}, {"job_cluster_key", "smoke"}, {"spark_python_task", {{"python_file", "/x.py"}}}}}}};
  auto res = client().Post("/api/2.2/jobs/runs/submit", shared_cluster.dump(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(body_of(res), json({{"error_code", "INVALID_PARAMETER_VALUE"},
                                {"message", "Shared job cluster feature is not supported in runs/submit API."}}));

  const json loose_spark_fields = {
      {"run_name", "dev019_smoke_test_serverless"},
      {"tasks",
       {{{"task_key", "t"},
         {"spark_env_vars", {{"A", "1"}}},
         {"spark_conf", {{"spark.x", "1"}}},
         {"spark_python_task", {{"python_file", "/x.py"}}}}}}};
  auto no_compute = client().Post("/api/2.1/jobs/runs/submit", loose_spark_fields.dump(), "application/json");
  ASSERT_TRUE(no_compute);
  EXPECT_EQ(no_compute->status, 400);
  EXPECT_EQ(body_of(no_compute),
            json({{"error_code", "INVALID_PARAMETER_VALUE"},
                  {"message", "One of job_cluster_key, new_cluster, or existing_cluster_id must be specified."}}));
}

TEST_F(DatabricksTest, IdempotencyTokenReturnsTheSameRun) {
  const json request = {{"run_name", "again"},
                        {"idempotency_token", "harness-r17"},
                        {"tasks", {{{"task_key", "t"}, {"environment_key", "e"}, {"spark_python_task", {{"python_file", "/x.py"}}}}}}};
  auto first = client().Post("/api/2.2/jobs/runs/submit", request.dump(), "application/json");
  auto second = client().Post("/api/2.2/jobs/runs/submit", request.dump(), "application/json");
  ASSERT_TRUE(first && second);
  EXPECT_EQ(body_of(first)["run_id"], body_of(second)["run_id"]);
}

TEST_F(DatabricksTest, SecretValueIsBase64) {
  auto res = secret(kScope, "azure-openai-endpoint");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(body_of(res), json({{"key", "azure-openai-endpoint"},
                                {"value", base64_encode(R"(https://planted-endpoint.openai.azure.com/?key="ünï" 50% \x)")}}));
  auto scopes = client().Get("/api/2.0/secrets/scopes/list");
  ASSERT_TRUE(scopes);
  EXPECT_EQ(body_of(scopes)["scopes"][0], json({{"name", kScope}, {"backend_type", "DATABRICKS"}}));
}

TEST_F(DatabricksTest, MissingScopeAndMissingKeyAre404WithDifferentMessages) {
  auto scope = secret("no-such-scope", "azure-openai-endpoint");
  ASSERT_TRUE(scope);
  EXPECT_EQ(scope->status, 404);
  EXPECT_EQ(body_of(scope),
            json({{"error_code", "RESOURCE_DOES_NOT_EXIST"}, {"message", "Scope no-such-scope does not exist!"}}));
  auto key = secret(kScope, "no-such-key");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->status, 404);
  EXPECT_EQ(body_of(key), json({{"error_code", "RESOURCE_DOES_NOT_EXIST"},
                                {"message", "Secret does not exist with scope: ai-agent-dev and key: no-such-key"}}));
}

TEST_F(DatabricksTest, SecretFaultsComeFromTheScenario) {
  auto denied = secret(kScope, "denied");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 403);
  EXPECT_EQ(body_of(denied)["error_code"], "PERMISSION_DENIED");
  auto throttled = secret(kScope, "throttled");
  ASSERT_TRUE(throttled);
  EXPECT_EQ(throttled->status, 429);
  EXPECT_EQ(throttled->get_header_value("Retry-After"), "1");
  EXPECT_EQ(body_of(throttled)["error_code"], "REQUEST_LIMIT_EXCEEDED");
  auto broken = secret(kScope, "broken");
  ASSERT_TRUE(broken);
  EXPECT_EQ(broken->status, 500);
  EXPECT_EQ(body_of(broken), json({{"error_code", "INTERNAL_ERROR"}, {"message", "Internal error"}}));
}

TEST_F(DatabricksTest, HungSecretIsBoundedByTheClientTimeout) {
  auto c = client();
  c.set_read_timeout(0, 200000);
  const auto started = std::chrono::steady_clock::now();
  auto res = c.Get(std::string("/api/2.0/secrets/get?scope=") + kScope + "&key=hung");
  const auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_FALSE(res);
  EXPECT_EQ(res.error(), httplib::Error::Read);
  EXPECT_LT(waited, 1s);
}

TEST_F(DatabricksTest, InjectedFaultsRenderTheDatabricksEnvelope) {
  service_->stop();
  shared_.scenario["databricks"]["faults"] = {{{"match", "^GET /api/2\\.0/preview/scim"}, {"status", 503}}};
  service_ = make_databricks_service(shared_);
  service_->start();
  auto res = client().Get("/api/2.0/preview/scim/v2/Me");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(body_of(res)["error_code"], "TEMPORARILY_UNAVAILABLE");
}

}  // namespace
}  // namespace infra_dod::sandbox
