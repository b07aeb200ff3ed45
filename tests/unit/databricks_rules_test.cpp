// The Databricks smokes' judgements over literals shaped like the Jobs, Files and SCIM answers.
#include <gtest/gtest.h>

#include "rules/databricks_rules.h"

namespace infra_dod {
namespace {

using nlohmann::json;

json watchdog_payload() {
  return json::parse(R"({
    "run_name": "dev019_smoke_test_serverless",
    "tasks": [{"task_key": "watchdog_smoke_serverless", "environment_key": "smoke_serverless",
               "spark_python_task": {"python_file": "/Users/u/smoke_wrapper.py", "source": "WORKSPACE",
                                     "parameters": ["--target-pipelines", "pipeline_silver"]}}],
    "environments": [{"environment_key": "smoke_serverless",
                      "spec": {"client": "1", "dependencies": ["PyYAML==6.0.3", "pydantic==2.12.5",
                               "langgraph==1.0.9", "langgraph-checkpoint-sqlite==3.0.3"]}}]})");
}

json state(const std::string& life, const std::string& result = "") {
  json s = {{"life_cycle_state", life}, {"state_message", ""}};
  if (!result.empty()) s["result_state"] = result;
  return s;
}

json run(const std::string& life, const std::string& result, const std::string& task_life, const std::string& task_result) {
  return {{"run_id", 10}, {"state", state(life, result)},
          {"tasks", {{{"task_key", "t"}, {"run_id", 11}, {"state", state(task_life, task_result)}}}}};
}

TEST(ShapeGuard, AcceptsTheRunbooksMinimumServerlessShape) { EXPECT_TRUE(serverless_shape_problems(watchdog_payload()).empty()); }

struct ShapeCase {
  const char* name;
  const char* pointer;
  json value;
  const char* problem;
};

TEST(ShapeGuard, RefusesEveryClassicClusterFieldWhereverItIs) {
  const std::vector<ShapeCase> cases = {
      {"job_clusters", "/job_clusters", json::array(), "`job_clusters`"},
      {"job_cluster_key", "/tasks/0/job_cluster_key", "smoke", "`job_cluster_key`"},
      {"new_cluster", "/tasks/0/new_cluster", json::object(), "`new_cluster`"},
      {"existing_cluster_id", "/tasks/0/existing_cluster_id", "0101-abc", "`existing_cluster_id`"},
      {"spark_env_vars", "/tasks/0/spark_env_vars", json::object(), "`spark_env_vars`"},
      {"spark_conf", "/environments/0/spec/spark_conf", json::object(), "`spark_conf`"}};
  for (const auto& c : cases) {
    json p = watchdog_payload();
    p[json::json_pointer(c.pointer)] = c.value;
    const auto problems = serverless_shape_problems(p);
    ASSERT_EQ(problems.size(), 1u) << c.name;
    EXPECT_NE(problems[0].find(c.problem), std::string::npos) << problems[0];
  }
}

TEST(ShapeGuard, RequiresEachTasksEnvironmentKeyToNameAnEnvironment) {
  json p = watchdog_payload();
  p["tasks"][0]["environment_key"] = "other";
  auto problems = serverless_shape_problems(p);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("names environment_key other"), std::string::npos);
  p["tasks"][0].erase("environment_key");
  problems = serverless_shape_problems(p);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("has no environment_key"), std::string::npos);
}

TEST(ShapeGuard, RequiresExactPinsOnEveryDependency) {
  for (const char* dep : {"PyYAML>=6.0", "pydantic", "langgraph~=1.0", "langgraph==1.*", "pydantic == 2.12.5"}) {
    json p = watchdog_payload();
    p["environments"][0]["spec"]["dependencies"][1] = dep;
    const auto problems = serverless_shape_problems(p);
    ASSERT_EQ(problems.size(), 1u) << dep;
    EXPECT_NE(problems[0].find("not pinned"), std::string::npos) << dep;
  }
}

TEST(WatchdogRun, PassesWhenParentAndTaskSucceedAndTheOutputHasNoError) {
  const auto j = judge_watchdog_run(run("TERMINATED", "SUCCESS", "TERMINATED", "SUCCESS"), {{"11", {{"logs", "ok"}}}});
  EXPECT_EQ(j.outcome, Outcome::pass) << j.failure_summary();
}

TEST(WatchdogRun, FailsOnATaskOutputErrorEvenWhenEveryStateSucceeded) {
  const auto j = judge_watchdog_run(run("TERMINATED", "SUCCESS", "TERMINATED", "SUCCESS"), {{"11", {{"error", "boom"}}}});
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_NE(j.failure_summary().find("error: boom"), std::string::npos);
}

TEST(WatchdogRun, FailsOnAFailedTaskAndOnAnInternalError) {
  EXPECT_EQ(judge_watchdog_run(run("TERMINATED", "SUCCESS", "TERMINATED", "FAILED"), {{"11", json::object()}}).outcome, Outcome::fail);
  const auto j = judge_watchdog_run(run("INTERNAL_ERROR", "FAILED", "INTERNAL_ERROR", "FAILED"), {{"11", json::object()}});
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_NE(j.failure_summary().find("INTERNAL_ERROR/FAILED"), std::string::npos);
}

TEST(WatchdogRun, FailsWhenTheTaskOutputWasNeverRead) {
  EXPECT_EQ(judge_watchdog_run(run("TERMINATED", "SUCCESS", "TERMINATED", "SUCCESS"), json::object()).outcome, Outcome::fail);
}

TEST(RunState, TerminalStatesAreTheOnesThatNeverChange) {
  EXPECT_TRUE(run_is_terminal({{"state", state("TERMINATED", "FAILED")}}));
  EXPECT_TRUE(run_is_terminal({{"state", state("INTERNAL_ERROR", "FAILED")}}));
  EXPECT_TRUE(run_is_terminal({{"state", state("SKIPPED")}}));
  for (const char* s : {"QUEUED", "PENDING", "RUNNING", "TERMINATING", "BLOCKED", "WAITING_FOR_RETRY"})
    EXPECT_FALSE(run_is_terminal({{"state", state(s)}})) << s;
}

json failed_run() { return run("TERMINATED", "FAILED", "TERMINATED", "FAILED"); }

TEST(StrictTriage, PermissionComesFirst) {
  const auto t = triage_strict_run(failed_run(), {{"error", "No such file or directory: /Volumes/x; PERMISSION_DENIED"}},
                                   std::nullopt, false);
  EXPECT_EQ(t.triage, "permission");
  EXPECT_NE(t.follow_up.find("READ VOLUME"), std::string::npos);
}

TEST(StrictTriage, PathExistenceComesBeforeTheRunOutput) {
  EXPECT_EQ(triage_strict_run(failed_run(), {{"error", "AssertionError"}}, "not-found: HTTP 404", false).triage, "path");
  EXPECT_EQ(triage_strict_run(failed_run(), {{"error", "FileNotFoundError: No such file or directory"}}, std::nullopt, true).triage,
            "path");
}

TEST(StrictTriage, OtherwiseItIsTheRunOutputWithTheExactError) {
  const auto t = triage_strict_run(failed_run(), {{"error", "AssertionError: policy rejected"}}, std::nullopt, true);
  EXPECT_EQ(t.triage, "run-output");
  EXPECT_EQ(t.error, "AssertionError: policy rejected");
}

TEST(StrictTriage, NothingToTriageWhenTheRunPassed) {
  EXPECT_TRUE(triage_strict_run(run("TERMINATED", "SUCCESS", "TERMINATED", "SUCCESS"), {{"logs", "ok"}}, std::nullopt, true)
                  .triage.empty());
}

TEST(StrictSmoke, ALegacyDbfsPathIsContextNeverTheStrictDefault) {
  EXPECT_TRUE(is_legacy_dbfs_path("/dbfs/tmp/agent.db"));
  EXPECT_FALSE(is_legacy_dbfs_path("/Volumes/c/s/v/agent.db"));
  const auto ok = run("TERMINATED", "SUCCESS", "TERMINATED", "SUCCESS");
  const auto j = judge_strict(ok, StrictTriage{}, "/dbfs/tmp/agent.db");
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_NE(j.failure_summary().find("legacy /dbfs"), std::string::npos);
}

TEST(Pragmatic, FailsNamingTheVolumeWhenItsListingWasRefused) {
  const auto j = judge_pragmatic({{"userName", "u@example"}}, nullptr, "auth: HTTP 403: PERMISSION_DENIED", "dbfs:/Volumes/c/s/v");
  EXPECT_EQ(j.outcome, Outcome::fail);
  EXPECT_NE(j.failure_summary().find("PERMISSION_DENIED"), std::string::npos);
}

TEST(DatabricksProbe, PassesOnAPrivateAddressAndAHealthyLangfuse) {
  const json out = {{"logs", "starting\n{\"probe\":\"http\",\"url\":\"u\",\"host\":\"h\",\"address\":\"10.20.2.10\",\"status\":200}\n"}};
  EXPECT_EQ(judge_databricks_probe(run("TERMINATED", "SUCCESS", "TERMINATED", "SUCCESS"), out).outcome, Outcome::pass);
}

TEST(DatabricksProbe, FailsOnAPublicAddressOrNoResultLine) {
  const auto ok = run("TERMINATED", "SUCCESS", "TERMINATED", "SUCCESS");
  const json pub = {{"logs", "{\"probe\":\"http\",\"host\":\"h\",\"address\":\"20.1.2.3\",\"status\":200}\n"}};
  EXPECT_EQ(judge_databricks_probe(ok, pub).outcome, Outcome::fail);
  EXPECT_EQ(judge_databricks_probe(ok, {{"logs", "nothing"}}).outcome, Outcome::fail);
}

TEST(WrapperLint, PassesTheGuardrailedWrapper) {
  const std::string src =
      "import os, sys\nROOT = os.getcwd()\nfor p in (ROOT, os.path.join(ROOT, \"src\")):\n    sys.path.insert(0, p)\n"
      "os.environ[\"TARGET_PIPELINES\"] = a.target_pipelines\nos.environ[\"LANGFUSE_HOST\"] = a.langfuse_host\nrun()\n";
  const auto j = judge_wrapper_source(src, "w.py");
  EXPECT_EQ(j.outcome, Outcome::pass) << j.failure_summary();
}

TEST(WrapperLint, NamesEachBrokenGuardrail) {
  const std::string src = "import sys\nsys.path.insert(0, os.path.dirname(__file__))\nrun()\nraise SystemExit(0)\n";
  const auto j = judge_wrapper_source(src, "w.py");
  EXPECT_EQ(j.outcome, Outcome::fail);
  const auto s = j.failure_summary();
  for (const char* part : {"__file__", "no src fallback", "TARGET_PIPELINES", "LANGFUSE_HOST", "raise SystemExit(0)"})
    EXPECT_NE(s.find(part), std::string::npos) << part << " in " << s;
}

TEST(WrapperLint, IgnoresCommentsThatMentionTheForbiddenForms) {
  const std::string src =
      "import os, sys  # never use __file__ here\n# raise SystemExit(0) is forbidden\nsys.path.append(os.getcwd())\n"
      "sys.path.append(\"src\")\nos.environ.setdefault(\"TARGET_PIPELINES\", p)\nos.environ[\"LANGFUSE_HOST\"] = h\n";
  EXPECT_EQ(judge_wrapper_source(src, "w.py").outcome, Outcome::pass);
}

}  // namespace
}  // namespace infra_dod
