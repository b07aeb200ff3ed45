// The Databricks smokes' polling on the injected clock, against a stand-in workspace on loopback:
// a run that never finishes is polled every DEV019_POLL_INTERVAL_S until DEV019_TIMEOUT_S, then
// cancelled, and the row fails with "timeout"; a run that ends is read by its task run id. No test
// sleeps: the clock is a FakeClock.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "runtime/crypto.h"
#include "runtime/evidence.h"
#include "runtime/secrets.h"
#include "smokes/databricks.h"

namespace infra_dod {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class Workspace {
 public:
  explicit Workspace(int finish_after_polls) : finish_after_(finish_after_polls) {
    server_.Post("/api/2.2/jobs/runs/submit", [this](const httplib::Request& req, httplib::Response& res) {
      submitted_ = json::parse(req.body, nullptr, false);
      res.set_content(R"({"run_id": 10})", "application/json");
    });
    server_.Get("/api/2.2/jobs/runs/get", [this](const httplib::Request&, httplib::Response& res) {
      const bool done = finish_after_ >= 0 && ++polls_ > finish_after_;
      if (finish_after_ < 0) ++polls_;
      const json state = done ? json{{"life_cycle_state", "TERMINATED"}, {"result_state", "SUCCESS"}}
                              : json{{"life_cycle_state", "RUNNING"}};
      res.set_content(json{{"run_id", 10}, {"state", state},
                           {"tasks", {{{"task_key", "t"}, {"run_id", 11}, {"state", state}}}}}.dump(),
                      "application/json");
    });
    server_.Get("/api/2.2/jobs/runs/get-output", [this](const httplib::Request& req, httplib::Response& res) {
      output_asked_for_ = req.get_param_value("run_id");
      res.set_content(R"({"logs": "watchdog smoke passed\n"})", "application/json");
    });
    server_.Post("/api/2.2/jobs/runs/cancel", [this](const httplib::Request& req, httplib::Response& res) {
      cancelled_ = json::parse(req.body, nullptr, false).value("run_id", 0);
      res.set_content("{}", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 5000 && !server_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Workspace() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int polls() const { return polls_; }
  long cancelled() const { return cancelled_; }
  const json& submitted() const { return submitted_; }
  const std::string& output_asked_for() const { return output_asked_for_; }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  int finish_after_;
  std::atomic<int> polls_{0};
  std::atomic<long> cancelled_{0};
  json submitted_;
  std::string output_asked_for_;
};

class DatabricksSmokeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    info.run_id = "r1";
    info.folder = fs::temp_directory_path() / ("infra-dod-dbx-" + random_hex(4));
    info.dir = info.folder / "evidence";
    fs::create_directories(info.dir);
  }
  void TearDown() override { fs::remove_all(info.folder); }
  Config config(const Workspace& w) {
    return Config::from_values({{"DATABRICKS_HOST", w.url()},
                                {"DATABRICKS_TOKEN", "dapi-test-token-0123456789"},
                                {"DEV019_SMOKE_WRAPPER", "/Users/u/smoke_wrapper.py"},
                                {"INFRA_DOD_HTTP_MAX_ATTEMPTS", "1"}});
  }
  std::string evidence_text(const std::string& file) {
    std::ifstream in(info.dir / file);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  FakeClock clock;
  RunInfo info;
};

TEST_F(DatabricksSmokeTest, ANeverEndingRunIsPolledToTheDeadlineThenCancelledAndFailsWithTimeout) {
  Workspace w(-1);
  const auto cfg = config(w);
  Evidence ev(info, "test", "alice", clock);
  const auto started = std::chrono::steady_clock::now();
  const auto r = run_dev019_watchdog(cfg, ev, "DEV019-WATCHDOG", clock);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1)) << "the poll slept for real";
  EXPECT_EQ(r.judgement.outcome, Outcome::fail);
  EXPECT_NE(r.judgement.failure_summary().find("timeout"), std::string::npos) << r.judgement.failure_summary();
  EXPECT_EQ(w.cancelled(), 10);
  // 900 s at 20 s a poll: the first poll at 0 s, one every 20 s through 900 s.
  EXPECT_EQ(w.polls(), 46);
  EXPECT_GE(clock.slept(), std::chrono::seconds(900));
  const std::string log = evidence_text("dev019-watchdog-run.jsonl");
  EXPECT_NE(log.find("\"event\":\"cancelled\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"elapsed_s\":900"), std::string::npos) << log;
}

TEST_F(DatabricksSmokeTest, AFinishedRunsOutputIsReadByItsTaskRunId) {
  Workspace w(3);
  const auto cfg = config(w);
  Evidence ev(info, "test", "alice", clock);
  const auto r = run_dev019_watchdog(cfg, ev, "DEV019-WATCHDOG", clock);
  EXPECT_EQ(r.judgement.outcome, Outcome::pass) << r.judgement.failure_summary() << r.judgement.error;
  EXPECT_EQ(w.output_asked_for(), "11");
  EXPECT_EQ(w.cancelled(), 0);
  EXPECT_EQ(w.submitted()["tasks"][0]["spark_python_task"]["parameters"],
            json({"--target-pipelines", "pipeline_silver", "--langfuse-host", "http://localhost:3000"}));
  EXPECT_EQ(w.submitted()["environments"][0]["spec"]["client"], "1");
}

TEST_F(DatabricksSmokeTest, EveryCallIsRecordedWithTheCliCommandAndNeverTheToken) {
  Workspace w(0);
  const auto cfg = config(w);
  Evidence ev(info, "test", "alice", clock);
  run_dev019_watchdog(cfg, ev, "DEV019-WATCHDOG", clock);
  const std::string calls = evidence_text("databricks-calls.jsonl");
  EXPECT_NE(calls.find("databricks jobs submit --no-wait --json @payload.json"), std::string::npos);
  EXPECT_NE(calls.find("databricks jobs get-run 10"), std::string::npos);
  EXPECT_NE(calls.find("databricks jobs get-run-output 11"), std::string::npos);
  EXPECT_EQ(calls.find("dapi-test-token"), std::string::npos);
}

}  // namespace
}  // namespace infra_dod
