// The LangFuse emulator against the wire contract: 207 multi-status ingestion with per-event
// errors, the two auth error envelopes, traces readable only after the ingestion delay, the UI
// shell, and a store that survives a restart only when the scenario persists it.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "runtime/crypto.h"
#include "runtime/text.h"
#include "scenario.h"
#include "service.h"
#include "support.h"

namespace infra_dod::sandbox {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kPublicKey = "pk-lf-sandbox-public-0001";
// The planted value (fixtures/sandbox/planted-secrets.json): quotes, a backslash, a percent sign,
// spaces and non-ASCII, as a Basic credential must carry them.
constexpr const char* kSecretKey = R"(sk-lf-planted "quoted" back\slash 100% ünïcode 0002)";
constexpr const char* kHostHint = ". Confirm that you've configured the correct host.";

class LangfuseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    load_healthy(shared_);
    if (HasFatalFailure()) return;
    shared_.scenario["langfuse"]["ingestion_delay_ms"] = 150;
    shared_.state_dir = std::filesystem::path(::testing::TempDir()) / ("langfuse-" + random_hex(6));
    std::filesystem::create_directories(shared_.state_dir);
  }
  void TearDown() override {
    service_.reset();
    std::error_code ec;
    std::filesystem::remove_all(shared_.state_dir, ec);
  }

  void start() {
    service_ = make_langfuse_service(shared_);
    service_->start();
  }

  httplib::Client client(bool authenticated = true) const {
    httplib::Client c("127.0.0.1", service_->port());
    c.set_read_timeout(5, 0);
    if (authenticated) c.set_basic_auth(kPublicKey, kSecretKey);
    return c;
  }

  static json event(const std::string& id, const std::string& type, json body,
                    const std::string& timestamp = "2025-03-01T10:00:00.000Z") {
    return {{"id", id}, {"timestamp", timestamp}, {"type", type}, {"body", std::move(body)}};
  }

  httplib::Result ingest(const json& batch) const {
    return client().Post("/api/public/ingestion", json{{"batch", batch}}.dump(), "application/json");
  }

  void ingest_trace(const std::string& trace_id) const {
    auto res = ingest(json::array({event(random_hex(8), "trace-create",
                                         {{"id", trace_id}, {"name", "infra-probe"}, {"input", {{"probe", "ping"}}}})}));
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 207) << res->body;
    ASSERT_EQ(json::parse(res->body)["successes"].size(), 1u) << res->body;
  }

  // The trace's status once it has settled: polls every 10 ms for at most a second.
  int wait_for_trace(const std::string& trace_id, int wanted) const {
    int status = 0;
    for (auto deadline = std::chrono::steady_clock::now() + 1s; std::chrono::steady_clock::now() < deadline;) {
      auto res = client().Get("/api/public/traces/" + trace_id);
      status = res ? res->status : -1;
      if (status == wanted) break;
      std::this_thread::sleep_for(10ms);
    }
    return status;
  }

  Shared shared_;
  std::unique_ptr<Service> service_;
};

TEST_F(LangfuseTest, HealthAndReadyAnswerOkWithTheVersion) {
  start();
  auto c = client(false);
  auto health = c.Get("/api/public/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(json::parse(health->body), json({{"status", "OK"}, {"version", "3.225.4"}}));
  auto ready = c.Get("/api/public/ready");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  EXPECT_EQ(json::parse(ready->body)["status"], "OK");
}

TEST_F(LangfuseTest, HealthReportsTheDatabaseOnlyWhenAsked) {
  shared_.scenario["langfuse"]["database_available"] = false;
  start();
  auto c = client(false);
  EXPECT_EQ(c.Get("/api/public/health")->status, 200);
  auto strict = c.Get("/api/public/health?failIfDatabaseUnavailable=true");
  ASSERT_TRUE(strict);
  EXPECT_EQ(strict->status, 503);
  EXPECT_EQ(json::parse(strict->body)["status"], "Database not available");
}

TEST_F(LangfuseTest, IngestionAnswers207WithSuccessesAndPerEventErrors) {
  start();
  json bad_timestamp = event("evt-bad-ts", "trace-create", {{"id", "t-bad"}}, "2025-03-01T10:00:00");
  json no_id = event("ignored", "trace-create", {{"id", "t-no-id"}});
  no_id.erase("id");
  auto res = ingest(json::array({event("evt-ok", "trace-create", {{"id", "t-ok"}}), bad_timestamp, no_id}));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 207);
  const json body = json::parse(res->body);
  EXPECT_EQ(body["successes"], json::array({{{"id", "evt-ok"}, {"status", 201}}}));
  ASSERT_EQ(body["errors"].size(), 2u) << res->body;
  EXPECT_EQ(body["errors"][0]["id"], "evt-bad-ts");
  EXPECT_EQ(body["errors"][0]["status"], 400);
  EXPECT_EQ(body["errors"][0]["message"], "Invalid request data");
  EXPECT_NE(body["errors"][0]["error"].get<std::string>().find("Invalid datetime"), std::string::npos);
  EXPECT_EQ(body["errors"][1]["id"], "unknown");
  EXPECT_EQ(body["errors"][1]["status"], 400);

  auto empty = ingest(json::array());
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 207);
  EXPECT_EQ(json::parse(empty->body), json({{"successes", json::array()}, {"errors", json::array()}}));
}

TEST_F(LangfuseTest, IngestionRejectsABodyWithoutBatch) {
  start();
  auto res = client().Post("/api/public/ingestion", R"({"events":[]})", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body), json({{"message", "Invalid request data"}, {"errors", {"Required"}}}));
  auto wrong_method = client().Get("/api/public/ingestion");
  ASSERT_TRUE(wrong_method);
  EXPECT_EQ(wrong_method->status, 405);
  EXPECT_EQ(json::parse(wrong_method->body)["error"], "MethodNotAllowedError");
}

TEST_F(LangfuseTest, BadOrMissingCredentialsAre401InEachRoutesEnvelope) {
  start();
  const std::string batch = json{{"batch", json::array()}}.dump();
  auto missing = client(false).Post("/api/public/ingestion", batch, "application/json");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 401);
  EXPECT_EQ(json::parse(missing->body), json({{"error", "UnauthorizedError"}, {"message", "No authorization header"}}));

  auto wrong = client(false);
  wrong.set_basic_auth(kPublicKey, "sk-lf-wrong");
  auto bad = wrong.Post("/api/public/ingestion", batch, "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 401);
  EXPECT_EQ(json::parse(bad->body),
            json({{"error", "UnauthorizedError"}, {"message", std::string("Invalid credentials") + kHostHint}}));

  // The traces route has no "error" key on auth failures.
  auto trace = wrong.Get("/api/public/traces/anything");
  ASSERT_TRUE(trace);
  EXPECT_EQ(trace->status, 401);
  EXPECT_EQ(json::parse(trace->body), json({{"message", std::string("Invalid credentials") + kHostHint}}));
}

TEST_F(LangfuseTest, PublicKeyBearerOnlyIngestsScores) {
  start();
  auto c = client(false);
  c.set_bearer_token_auth(kPublicKey);
  auto res = c.Post("/api/public/ingestion",
                    json{{"batch", {event("evt-trace", "trace-create", {{"id", "t-bearer"}}),
                                    event("evt-score", "score-create",
                                          {{"id", "s-1"}, {"traceId", "t-bearer"}, {"name", "q"}, {"value", 1}})}}}
                        .dump(),
                    "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 207);
  const json body = json::parse(res->body);
  EXPECT_EQ(body["successes"], json::array({{{"id", "evt-score"}, {"status", 201}}}));
  EXPECT_EQ(body["errors"], json::array({{{"id", "evt-trace"},
                                          {"status", 401},
                                          {"message", "Authentication error"},
                                          {"error", "Access Scope Denied"}}}));
  auto read = c.Get("/api/public/traces/t-bearer");
  ASSERT_TRUE(read);
  EXPECT_EQ(read->status, 403);
}

TEST_F(LangfuseTest, TraceIs404UntilTheIngestionDelayHasPassed) {
  start();
  auto res = ingest(json::array(
      {event("e-1", "trace-create",
             {{"id", "harness-trace-42"}, {"name", "infra-probe"}, {"tags", {"harness"}}, {"metadata", {{"run", "r-17"}}}}),
       event("e-2", "span-create",
             {{"id", "span-1"},
              {"traceId", "harness-trace-42"},
              {"name", "step"},
              {"startTime", "2025-03-01T10:00:00.050Z"},
              {"endTime", "2025-03-01T10:00:00.090Z"}},
             "2025-03-01T10:00:00.100Z")}));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 207);

  auto early = client().Get("/api/public/traces/harness-trace-42");
  ASSERT_TRUE(early);
  EXPECT_EQ(early->status, 404);
  EXPECT_EQ(json::parse(early->body),
            json({{"message", "Trace harness-trace-42 not found within authorized project"},
                  {"error", "LangfuseNotFoundError"}}));

  ASSERT_EQ(wait_for_trace("harness-trace-42", 200), 200);
  auto late = client().Get("/api/public/traces/harness-trace-42");
  const json trace = json::parse(late->body);
  const std::string project = shared_.scenario["langfuse"]["project_id"];
  EXPECT_EQ(trace["id"], "harness-trace-42");
  EXPECT_EQ(trace["projectId"], project);
  EXPECT_EQ(trace["name"], "infra-probe");
  EXPECT_EQ(trace["timestamp"], "2025-03-01T10:00:00.000Z");
  EXPECT_EQ(trace["tags"], json::array({"harness"}));
  EXPECT_EQ(trace["metadata"], json({{"run", "r-17"}}));
  EXPECT_EQ(trace["htmlPath"], "/project/" + project + "/traces/harness-trace-42");
  EXPECT_NEAR(trace["latency"].get<double>(), 0.04, 1e-9);
  ASSERT_EQ(trace["observations"].size(), 1u);
  EXPECT_EQ(trace["observations"][0]["id"], "span-1");
  EXPECT_EQ(trace["observations"][0]["type"], "SPAN");
  EXPECT_TRUE(trace["userId"].is_null());
  EXPECT_EQ(trace["public"], false);

  auto no_metrics = client().Get("/api/public/traces/harness-trace-42?fields=core,io");
  EXPECT_EQ(json::parse(no_metrics->body)["latency"], -1);
}

TEST_F(LangfuseTest, LegacyTraceCreateAnswers200AndTakesTheSameDelay) {
  start();
  auto res = client().Post("/api/public/traces", R"({"id":"legacy-trace","name":"probe"})", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(json::parse(res->body), json({{"id", "legacy-trace"}}));
  EXPECT_EQ(client().Get("/api/public/traces/legacy-trace")->status, 404);
  EXPECT_EQ(wait_for_trace("legacy-trace", 200), 200);
}

TEST_F(LangfuseTest, UiRootIsThe200HtmlShellWithoutARedirect) {
  start();
  for (const char* path : {"/", "/auth/sign-in"}) {
    auto res = client(false).Get(path);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << path;
    EXPECT_FALSE(res->has_header("Location")) << path;
    EXPECT_EQ(res->get_header_value("Content-Type"), "text/html; charset=utf-8");
    EXPECT_NE(res->body.find("__NEXT_DATA__"), std::string::npos);
  }
}

TEST_F(LangfuseTest, PersistentStoreKeepsTracesAcrossARestart) {
  start();
  ingest_trace("kept-trace");
  ASSERT_EQ(wait_for_trace("kept-trace", 200), 200);
  service_->restart();
  auto res = client().Get("/api/public/traces/kept-trace");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
}

TEST_F(LangfuseTest, VolatileStoreLosesTracesOnRestart) {
  shared_.scenario["langfuse"]["persistent_store"] = false;
  start();
  ingest_trace("lost-trace");
  ASSERT_EQ(wait_for_trace("lost-trace", 200), 200);
  service_->restart();
  auto res = client().Get("/api/public/traces/lost-trace");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
}

TEST_F(LangfuseTest, RestartWhileRequestsAreInFlightIsSafe) {
  shared_.scenario["langfuse"]["ingestion_delay_ms"] = 0;
  start();
  std::atomic<bool> done{false};
  std::atomic<int> answered{0};
  std::thread load([&] {
    while (!done) {
      httplib::Client c("127.0.0.1", service_->port());
      c.set_basic_auth(kPublicKey, kSecretKey);
      c.set_connection_timeout(0, 200000);
      c.set_read_timeout(1, 0);
      auto res = c.Post("/api/public/ingestion",
                        json{{"batch", {event(random_hex(8), "trace-create", {{"id", "busy-trace"}})}}}.dump(),
                        "application/json");
      if (res && res->status == 207) ++answered;
    }
  });
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(20ms);
    service_->restart();
  }
  std::this_thread::sleep_for(20ms);
  done = true;
  load.join();
  EXPECT_GT(answered.load(), 0);
  auto res = client().Get("/api/public/traces/busy-trace");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST_F(LangfuseTest, InjectedFaultsRenderLangfusesErrorShape) {
  shared_.scenario["langfuse"]["faults"] = {
      {{"match", "^GET /api/public/traces/"}, {"status", 503}, {"message", "Service Unavailable"}, {"times", 1}}};
  start();
  auto res = client().Get("/api/public/traces/any");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(json::parse(res->body), json({{"message", "Service Unavailable"}, {"error", "ServiceUnavailableError"}}));
  auto after = client().Get("/api/public/traces/any");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 404);
}

}  // namespace
}  // namespace infra_dod::sandbox
