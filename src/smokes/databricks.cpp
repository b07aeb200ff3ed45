#include "smokes/databricks.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>

#include "clients/databricks.h"
#include "rules/databricks_rules.h"
#include "rules/snapshot_reader.h"
#include "smokes/langfuse.h"
#include "runtime/text.h"
#include "runtime/json_field.h"

namespace infra_dod {

using nlohmann::json;

namespace {

// The client, with every call it makes recorded in evidence.
struct Session {
  Session(const Config& cfg, const Evidence& ev, const std::string& item, Clock& clock, SmokeResult& out)
      : ev_(ev), item_(item), out_(out),
        client(cfg, clock, [this](const DatabricksCall& c) {
          keep(ev_.append("databricks-calls.jsonl", item_,
                          {{"method", c.method}, {"path", c.path}, {"cli", c.cli}, {"status", c.status},
                           {"error", c.error}, {"elapsed_ms", c.elapsed_ms}}));
        }) {}
  void keep(const Result<std::filesystem::path>& written) {
    if (written && std::find(out_.evidence.begin(), out_.evidence.end(), written.value()) == out_.evidence.end())
      out_.evidence.push_back(written.value());
  }
  void record(const std::string& file, json fields) { keep(ev_.append(file, item_, std::move(fields))); }
  const Evidence& ev_;
  std::string item_;
  SmokeResult& out_;
  DatabricksClient client;
};

struct Watched {
  json run;               // the last runs/get answer
  json outputs = json::object();  // task run id -> get-run-output answer
  std::int64_t run_id = 0;
  bool timed_out = false;
  std::string error;      // a call failed: the run could not be followed
};

// Submits, polls until the run is terminal or the deadline passes (then cancels it), and reads
// each task run's output. One timestamped line per poll in `<log>.jsonl`.
Watched submit_and_watch(Session& s, const json& payload, const std::string& log, std::chrono::seconds interval,
                         std::chrono::seconds timeout, Clock& clock) {
  Watched w;
  const auto submitted = s.client.submit_run(payload);
  if (!submitted) {
    w.error = "runs/submit: " + submitted.error().what();
    return w;
  }
  w.run_id = submitted.value();
  s.record(log + ".jsonl", {{"event", "submitted"}, {"run_id", w.run_id}, {"run_name", field(payload, "run_name", "")}});
  const auto polled = poll_until(clock, timeout, interval, [&](int attempt, std::chrono::milliseconds elapsed) {
    auto r = s.client.get_run(w.run_id);
    if (!r) {
      w.error = "runs/get " + std::to_string(w.run_id) + ": " + r.error().what();
      return true;
    }
    w.run = r.value();
    const json state = field(w.run, "state", json::object());
    s.record(log + ".jsonl", {{"event", "poll"},
                              {"poll", attempt},
                              {"run_id", w.run_id},
                              {"elapsed_s", elapsed.count() / 1000},
                              {"status", field(state, "life_cycle_state", "")},
                              {"result_state", field(state, "result_state", "")}});
    return run_is_terminal(w.run);
  });
  if (!w.error.empty()) return w;
  if (polled.outcome == PollOutcome::timed_out) {
    w.timed_out = true;
    const auto cancelled = s.client.cancel_run(w.run_id);
    s.record(log + ".jsonl", {{"event", "cancelled"},
                              {"run_id", w.run_id},
                              {"after_s", timeout.count()},
                              {"cancel", cancelled ? "accepted" : cancelled.error().what()}});
    return w;
  }
  for (const auto& task : field(w.run, "tasks", json::array())) {
    if (!task.contains("run_id") || !task["run_id"].is_number_integer()) continue;
    const auto id = task["run_id"].get<std::int64_t>();
    auto out = s.client.get_run_output(id);
    if (!out) {
      w.error = "runs/get-output " + std::to_string(id) + ": " + out.error().what();
      return w;
    }
    w.outputs[std::to_string(id)] = out.value();
  }
  s.record(log + ".jsonl", {{"event", "finished"}, {"run_id", w.run_id}, {"run", w.run}, {"outputs", w.outputs}});
  return w;
}

// The single task's output (the runbook's jobs have one task).
json first_output(const Watched& w) {
  for (const auto& [id, out] : w.outputs.items()) return out;
  return json::object();
}

Judgement timed_out(const Watched& w, std::chrono::seconds timeout) {
  Judgement j;
  j.findings.push_back({"run finished within the deadline", false, "a terminal state within " + std::to_string(timeout.count()) + " s",
                        "timeout: still " + run_state_text(w.run) + " after " + std::to_string(timeout.count()) +
                            " s; the run was cancelled",
                        "run " + std::to_string(w.run_id)});
  return j.conclude();
}

}  // namespace

SmokeResult run_dev013_pragmatic(const Config& cfg, const Evidence& ev, const std::string& dod_item, Clock& clock) {
  SmokeResult out;
  out.headline = "DEV-013 pragmatic smoke (Databricks auth + UC volume listing)";
  Session s(cfg, ev, dod_item, clock, out);
  const auto me = s.client.current_user();
  if (!me) return cannot(std::move(out), "current-user me: " + me.error().what());
  const std::string volume = cfg.value("DEV013_VOLUME_PATH");
  const auto listing = s.client.list_directory(volume);
  s.record("dev013.jsonl", {{"layer", "pragmatic"},
                            {"user", rules::text_at(*me, {"userName"})},
                            {"volume", volume},
                            {"listing", listing ? listing.value() : json()},
                            {"listing_error", listing ? "" : listing.error().what()}});
  // A refused or missing volume is the finding; a throttled or unreachable workspace is not.
  if (!listing && listing.error().kind != ErrorKind::not_found && listing.error().kind != ErrorKind::auth)
    return cannot(std::move(out), "fs ls " + volume + ": " + listing.error().what());
  out.judgement = judge_pragmatic(me.value(), listing ? &listing.value() : nullptr,
                                  listing ? "" : listing.error().what(), volume);
  return out;
}

SmokeResult run_dev013_strict(const Config& cfg, const Evidence& ev, const std::string& dod_item, Clock& clock) {
  SmokeResult out;
  out.headline = "DEV-013 strict runtime smoke (serverless, --checkpoint-db-path)";
  Session s(cfg, ev, dod_item, clock, out);
  const std::string checkpoint = cfg.value("DEV013_CHECKPOINT_DB_PATH");
  const auto payload = fill_template("jobs/dev013-strict.json", {{"runtime_smoke_script", cfg.value("DEV013_RUNTIME_SMOKE_SCRIPT")},
                                                                 {"checkpoint_db_path", checkpoint}});
  if (!payload) return cannot(std::move(out), payload.error().message);
  const auto timeout = std::chrono::seconds(cfg.integer("DATABRICKS_RUN_TIMEOUT_S"));
  const Watched w = submit_and_watch(s, payload.value(), "dev013-strict-run",
                                     std::chrono::seconds(cfg.integer("DATABRICKS_POLL_INTERVAL_S")), timeout, clock);
  if (!w.error.empty()) return cannot(std::move(out), w.error);
  if (w.timed_out) {
    out.judgement = timed_out(w, timeout);
    return out;
  }
  // Triage inputs, read only when the run failed: can the identity read the checkpoint's
  // folder, and does the path exist.
  std::optional<std::string> volume_error;
  bool path_exists = true;
  const json output = first_output(w);
  const bool passed = triage_strict_run(w.run, output, std::nullopt, true).triage.empty();
  if (!passed) {
    const std::string folder = checkpoint.substr(0, checkpoint.rfind('/'));
    const auto listing = s.client.list_directory(folder);
    // The database file may be created by the run itself; its folder must exist.
    if (!listing) {
      volume_error = listing.error().what();
      path_exists = listing.error().kind != ErrorKind::not_found;
    }
  }
  const StrictTriage triage = triage_strict_run(w.run, output, volume_error, path_exists);
  std::string cluster;
  for (const auto& t : field(w.run, "tasks", json::array()))
    if (t.contains("cluster_instance")) cluster = field(t["cluster_instance"], "cluster_id", "");
  s.record("dev013.jsonl", {{"layer", "strict"},
                            {"run_id", w.run_id},
                            {"runtime", cluster.empty() ? "serverless (environment smoke_serverless)" : cluster},
                            {"checkpoint_db_path", checkpoint},
                            {"legacy_dbfs_context", is_legacy_dbfs_path(checkpoint)},
                            {"result", triage.triage.empty() ? "pass" : "fail"},
                            {"triage", triage.triage},
                            {"error", triage.error},
                            {"follow_up", triage.follow_up}});
  out.judgement = judge_strict(w.run, triage, checkpoint);
  return out;
}

SmokeResult run_dev019_watchdog(const Config& cfg, const Evidence& ev, const std::string& dod_item, Clock& clock) {
  SmokeResult out;
  out.headline = "DEV-019 watchdog serverless smoke";
  Session s(cfg, ev, dod_item, clock, out);
  const auto payload = fill_template(cfg.value("DEV019_PAYLOAD_TEMPLATE"), {{"smoke_wrapper", cfg.value("DEV019_SMOKE_WRAPPER")},
                                                                   {"target_pipelines", cfg.value("DEV019_TARGET_PIPELINES")},
                                                                   {"langfuse_host", cfg.value("DEV019_LANGFUSE_HOST")}});
  if (!payload) return cannot(std::move(out), payload.error().message);
  // Refused before submitting: the cluster-style shapes that failed before.
  const auto problems = serverless_shape_problems(payload.value());
  s.record("dev019-watchdog-run.jsonl", {{"event", "shape-guard"}, {"problems", problems}});
  if (!problems.empty()) {
    Judgement j;
    for (const auto& p : problems)
      j.findings.push_back({"serverless submit shape", false, "the runbook's serverless minimum shape", p, "jobs/dev019-watchdog.json"});
    out.judgement = j.conclude();
    return out;
  }
  const auto timeout = std::chrono::seconds(cfg.integer("DEV019_TIMEOUT_S"));
  const Watched w = submit_and_watch(s, payload.value(), "dev019-watchdog-run",
                                     std::chrono::seconds(cfg.integer("DEV019_POLL_INTERVAL_S")), timeout, clock);
  if (!w.error.empty()) return cannot(std::move(out), w.error);
  if (w.timed_out) {
    out.judgement = timed_out(w, timeout);
    return out;
  }
  std::int64_t task_run_id = 0;
  for (const auto& t : field(w.run, "tasks", json::array()))
    if (t.contains("run_id") && t["run_id"].is_number_integer()) task_run_id = t["run_id"].get<std::int64_t>();
  s.record("dev019.jsonl", {{"run_id", w.run_id}, {"task_run_id", task_run_id}, {"output", first_output(w)}});
  out.judgement = judge_watchdog_run(w.run, w.outputs);
  return out;
}

SmokeResult run_wrapper_lint(const Config& cfg, const Evidence& ev, const std::string& dod_item) {
  SmokeResult out;
  out.headline = "DEV-019 wrapper guardrails";
  const std::string file = cfg.value("DEV019_WRAPPER_PATH");
  std::ifstream in(file);
  if (!in) return cannot(std::move(out), "cannot read DEV019_WRAPPER_PATH " + file);
  std::ostringstream ss;
  ss << in.rdbuf();
  out.judgement = judge_wrapper_source(ss.str(), file);
  json findings = json::array();
  for (const auto& f : out.judgement.findings) findings.push_back({{"check", f.check}, {"ok", f.ok}, {"found", f.found}});
  if (auto written = ev.append("dev019-wrapper-lint.jsonl", dod_item, {{"file", file}, {"findings", findings}}); written)
    out.evidence.push_back(written.value());
  return out;
}

SmokeResult run_databricks_private_path(const Config& cfg, const Evidence& ev, const std::string& dod_item, Clock& clock) {
  SmokeResult out;
  out.headline = "Databricks job path reaches LangFuse via private network route only";
  for (const char* v : {"PRIVATE_PATH_PROBE_SCRIPT", "PRIVATE_PATH_LANGFUSE_URL"})
    if (auto r = cfg.require(v); !r) return cannot(std::move(out), r.error().message);
  Session s(cfg, ev, dod_item, clock, out);
  const auto payload = fill_template("jobs/private-path-probe.json", {{"probe_script", cfg.value("PRIVATE_PATH_PROBE_SCRIPT")},
                                                                      {"langfuse_url", cfg.value("PRIVATE_PATH_LANGFUSE_URL")}});
  if (!payload) return cannot(std::move(out), payload.error().message);
  const auto timeout = std::chrono::seconds(cfg.integer("DATABRICKS_RUN_TIMEOUT_S"));
  const Watched w = submit_and_watch(s, payload.value(), "private-path-databricks-run",
                                     std::chrono::seconds(cfg.integer("DATABRICKS_POLL_INTERVAL_S")), timeout, clock);
  if (!w.error.empty()) return cannot(std::move(out), w.error);
  if (w.timed_out) {
    out.judgement = timed_out(w, timeout);
    return out;
  }
  const json output = first_output(w);
  const auto probe = probe_result_in_logs(field(output, "logs", ""));
  s.record("private-path.jsonl", {{"check", "langfuse-from-databricks-job"}, {"run_id", w.run_id},
                                  {"probe", probe ? *probe : json()}});
  out.judgement = judge_databricks_probe(w.run, output);
  return out;
}

}  // namespace infra_dod
