#include "rules/databricks_rules.h"

#include <regex>
#include <set>

#include "rules/addresses.h"
#include "rules/private_path.h"
#include "rules/snapshot_reader.h"
#include "runtime/text.h"

namespace infra_dod {

using nlohmann::json;

namespace {

const json& member_or_null(const json& j, const char* key) {
  static const json null_json;
  if (!j.is_object()) return null_json;
  auto it = j.find(key);
  return it == j.end() ? null_json : *it;
}

std::string str(const json& j, const char* key) {
  const json& v = member_or_null(j, key);
  return v.is_string() ? v.get<std::string>() : std::string();
}

bool succeeded(const json& holder) {
  const json& state = member_or_null(holder, "state");
  return str(state, "life_cycle_state") == "TERMINATED" && str(state, "result_state") == "SUCCESS";
}

std::string run_ref(const json& run) {
  std::string url = str(run, "run_page_url");
  if (!url.empty()) return url;
  const json& id = member_or_null(run, "run_id");
  return "run " + (id.is_number() ? id.dump() : std::string("?"));
}

void walk_keys(const json& j, const std::string& at, const std::set<std::string>& forbidden,
               std::vector<std::string>& problems) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      const std::string here = at + "/" + k;
      if (forbidden.count(k)) problems.push_back("classic-cluster field `" + k + "` at " + here + " (serverless only)");
      walk_keys(v, here, forbidden, problems);
    }
  } else if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i) walk_keys(j[i], at + "/" + std::to_string(i), forbidden, problems);
  }
}

std::string lower(const std::string& s) { return to_lower(s); }

}  // namespace

bool run_is_terminal(const json& run) {
  const std::string s = str(member_or_null(run, "state"), "life_cycle_state");
  return s == "TERMINATED" || s == "SKIPPED" || s == "INTERNAL_ERROR";
}

std::string run_state_text(const json& holder) {
  const json& state = member_or_null(holder, "state");
  std::string s = str(state, "life_cycle_state");
  if (s.empty()) s = "(no state)";
  const std::string r = str(state, "result_state");
  return r.empty() ? s : s + "/" + r;
}

std::vector<std::string> serverless_shape_problems(const json& payload) {
  std::vector<std::string> problems;
  if (!payload.is_object()) return {"the payload is not a JSON object"};
  walk_keys(payload, "", {"job_clusters", "job_cluster_key", "new_cluster", "existing_cluster_id", "spark_env_vars", "spark_conf"},
            problems);
  std::set<std::string> environments;
  const json& envs = member_or_null(payload, "environments");
  if (!envs.is_array() || envs.empty()) problems.push_back("no environments[]: a serverless task needs one");
  if (envs.is_array())
    for (std::size_t i = 0; i < envs.size(); ++i) {
      const std::string key = str(envs[i], "environment_key");
      if (key.empty()) problems.push_back("environments/" + std::to_string(i) + " has no environment_key");
      environments.insert(key);
      static const std::regex pinned(R"(^[A-Za-z0-9][A-Za-z0-9._\-]*(\[[A-Za-z0-9_,\-]+\])?==[A-Za-z0-9][A-Za-z0-9.+!_\-]*$)");
      const json& deps = member_or_null(member_or_null(envs[i], "spec"), "dependencies");
      if (deps.is_array())
        for (const auto& d : deps)
          if (!d.is_string() || !std::regex_match(d.get<std::string>(), pinned))
            problems.push_back("dependency `" + (d.is_string() ? d.get<std::string>() : d.dump()) + "` in environment " +
                               key + " is not pinned with an exact ==");
    }
  const json& tasks = member_or_null(payload, "tasks");
  if (!tasks.is_array() || tasks.empty()) problems.push_back("no tasks[]");
  if (tasks.is_array())
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      const std::string key = str(tasks[i], "environment_key");
      const std::string name = str(tasks[i], "task_key");
      if (key.empty()) {
        problems.push_back("task " + (name.empty() ? std::to_string(i) : name) + " has no environment_key");
      } else if (!environments.count(key)) {
        problems.push_back("task " + (name.empty() ? std::to_string(i) : name) + " names environment_key " + key +
                           ", which no environments[] entry defines");
      }
    }
  return problems;
}

Judgement judge_watchdog_run(const json& run, const json& outputs) {
  Judgement j;
  const std::string ref = run_ref(run);
  j.findings.push_back({"parent run TERMINATED + SUCCESS", succeeded(run), "TERMINATED/SUCCESS",
                        run_state_text(run) + (str(member_or_null(run, "state"), "state_message").empty()
                                                   ? ""
                                                   : " (" + str(member_or_null(run, "state"), "state_message") + ")"),
                        ref});
  const json& tasks = member_or_null(run, "tasks");
  if (!tasks.is_array() || tasks.empty())
    j.findings.push_back({"task runs TERMINATED + SUCCESS", false, "at least one task run", "no tasks in the run", ref});
  if (tasks.is_array())
    for (const auto& t : tasks) {
      const std::string id = member_or_null(t, "run_id").is_number() ? member_or_null(t, "run_id").dump() : "?";
      const std::string what = "task " + str(t, "task_key") + " (task run " + id + ")";
      j.findings.push_back({what + " TERMINATED + SUCCESS", succeeded(t), "TERMINATED/SUCCESS", run_state_text(t), ref});
      const json& out = member_or_null(outputs, id.c_str());
      const bool read = out.is_object();
      const bool has_error = read && out.contains("error") && !out["error"].is_null();
      j.findings.push_back({"get-run-output of " + what + " has no error", read && !has_error,
                            "get-run-output by the task run id without an `error` field",
                            !read ? "no output read" : has_error ? "error: " + (out["error"].is_string() ? out["error"].get<std::string>() : out["error"].dump()) : "no error",
                            ref});
    }
  return j.conclude();
}

Judgement judge_pragmatic(const json& me, const json* listing, const std::string& listing_error,
                          const std::string& volume_path) {
  Judgement j;
  const std::string user = str(me, "userName");
  j.findings.push_back({"Databricks auth", !user.empty(), "current-user me names the token's identity",
                        user.empty() ? "no userName" : user, "current-user me"});
  if (!listing) {
    j.findings.push_back({"UC volume reachable", false, "a listing of " + volume_path, listing_error, volume_path});
    return j.conclude();
  }
  const json& contents = member_or_null(*listing, "contents");
  const std::size_t n = contents.is_array() ? contents.size() : 0;
  std::vector<std::string> names;
  if (contents.is_array())
    for (const auto& c : contents) names.push_back(str(c, "name"));
  j.findings.push_back({"UC volume reachable", true, "a listing of " + volume_path,
                        std::to_string(n) + " entries" + (names.empty() ? "" : ": " + rules::join(names)), volume_path});
  return j.conclude();
}

bool is_legacy_dbfs_path(const std::string& path) {
  return starts_with(path, "/dbfs/") || path == "/dbfs" || (starts_with(path, "dbfs:/") && !starts_with(path, "dbfs:/Volumes/"));
}

StrictTriage triage_strict_run(const json& run, const json& output, const std::optional<std::string>& volume_error,
                               bool checkpoint_path_exists) {
  StrictTriage t;
  const bool tasks_ok = [&] {
    const json& tasks = member_or_null(run, "tasks");
    if (!tasks.is_array()) return true;
    for (const auto& task : tasks)
      if (!succeeded(task)) return false;
    return true;
  }();
  const bool output_error = output.is_object() && output.contains("error") && !output["error"].is_null();
  if (succeeded(run) && tasks_ok && !output_error) return t;
  // The exact error: the task's own, else the run's state message, else its termination details.
  std::string error = output_error ? (output["error"].is_string() ? output["error"].get<std::string>() : output["error"].dump()) : "";
  if (error.empty()) error = str(member_or_null(run, "state"), "state_message");
  if (error.empty()) error = str(member_or_null(member_or_null(run, "status"), "termination_details"), "message");
  if (error.empty()) error = run_state_text(run);
  t.error = error;
  const std::string text = lower(error + "\n" + str(output, "error_trace") + "\n" + str(output, "logs") + "\n" +
                                 (volume_error ? *volume_error : std::string()));
  const bool permission = text.find("permission_denied") != std::string::npos ||
                          text.find("permission denied") != std::string::npos ||
                          text.find("does not have") != std::string::npos ||
                          text.find("unauthorized") != std::string::npos ||
                          (volume_error && volume_error->find("auth") != std::string::npos);
  const bool missing = !checkpoint_path_exists || text.find("no such file or directory") != std::string::npos ||
                       text.find("not_found") != std::string::npos || text.find("does not exist") != std::string::npos;
  if (permission) {
    t.triage = "permission";
    t.follow_up = "grant the run identity READ VOLUME and WRITE VOLUME on the checkpoint volume (and USE CATALOG/USE "
                  "SCHEMA on its parents), then rerun the strict smoke";
  } else if (missing) {
    t.triage = "path";
    t.follow_up = "create the checkpoint volume or folder (or correct DEV013_CHECKPOINT_DB_PATH), confirm it with the "
                  "pragmatic listing, then rerun the strict smoke";
  } else {
    t.triage = "run-output";
    t.follow_up = "read the task run's error_trace and logs, fix the AgentRunner smoke script, then rerun the strict smoke";
  }
  return t;
}

Judgement judge_strict(const json& run, const StrictTriage& triage, const std::string& checkpoint_db_path) {
  Judgement j;
  const std::string ref = run_ref(run);
  j.findings.push_back({"checkpoint path is the strict /Volumes default", starts_with(checkpoint_db_path, "/Volumes/"),
                        "--checkpoint-db-path under /Volumes/ (Unity Catalog)",
                        is_legacy_dbfs_path(checkpoint_db_path) ? checkpoint_db_path + " (legacy /dbfs: transition context only)"
                                                               : checkpoint_db_path,
                        ref});
  const bool ok = triage.triage.empty();
  std::string found = run_state_text(run);
  if (!ok) found += " (triage: " + triage.triage + "): " + triage.error + "; follow-up: " + triage.follow_up;
  j.findings.push_back({"strict runtime smoke TERMINATED + SUCCESS with no task error", ok,
                        "the run and its task TERMINATED/SUCCESS, get-run-output without `error`", found, ref});
  return j.conclude();
}

std::optional<json> probe_result_in_logs(const std::string& logs) { return probe_result_line(logs, "http"); }

Judgement judge_databricks_probe(const json& run, const json& output) {
  Judgement j;
  const std::string ref = run_ref(run);
  j.findings.push_back({"probe job TERMINATED + SUCCESS", succeeded(run), "TERMINATED/SUCCESS", run_state_text(run), ref});
  const auto probe = probe_result_in_logs(str(output, "logs"));
  if (!probe) {
    j.findings.push_back({"probe reported its result", false, "one {\"probe\": \"http\", ...} line in the task's logs",
                          "no result line" + (str(output, "error").empty() ? std::string() : " (error: " + str(output, "error") + ")"),
                          ref});
    return j.conclude();
  }
  const std::string address = str(*probe, "address");
  j.findings.push_back({"LangFuse host resolves to a private address from the Databricks job",
                        !address.empty() && is_private_address(address), "an RFC 1918, CGNAT or IPv6 ULA address",
                        address.empty() ? "no address (" + str(*probe, "error") + ")"
                                        : str(*probe, "host") + " -> " + address + (is_private_address(address) ? " (private)" : " (public)"),
                        ref});
  const json& status = member_or_null(*probe, "status");
  const bool healthy = status.is_number_integer() && status.get<int>() == 200;
  j.findings.push_back({"LangFuse health answered the Databricks job", healthy, "HTTP 200 from " + str(*probe, "url"),
                        status.is_number() ? "HTTP " + status.dump() : "no answer (" + str(*probe, "error") + ")", ref});
  return j.conclude();
}

Judgement judge_wrapper_source(const std::string& source, const std::string& file) {
  Judgement j;
  std::vector<std::string> code;  // lines without comments
  for (const auto& raw : split_list(source, '\n')) {
    std::string line = raw;
    if (const auto hash = line.find('#'); hash != std::string::npos) line = line.substr(0, hash);
    if (!trim(line).empty()) code.push_back(line);
  }
  const auto any = [&](const std::regex& re) {
    for (const auto& l : code)
      if (std::regex_search(l, re)) return true;
    return false;
  };
  const auto first_line = [&](const std::regex& re) -> std::string {
    for (const auto& l : code)
      if (std::regex_search(l, re)) return trim(l);
    return {};
  };
  const std::regex uses_file(R"(\b__file__\b)");
  j.findings.push_back({"no __file__ (Databricks Python tasks do not set it)", !any(uses_file), "no use of __file__",
                        any(uses_file) ? first_line(uses_file) : "none", file});
  const bool bootstrap = any(std::regex(R"(sys\.path\.(insert|append))"));
  const bool src_fallback = any(std::regex(R"(["']src["'])"));
  j.findings.push_back({"sys.path bootstrap with the workspace root and a src fallback", bootstrap && src_fallback,
                        "sys.path.insert/append of the workspace root and of its src folder",
                        !bootstrap ? "no sys.path bootstrap" : !src_fallback ? "no src fallback" : "present", file});
  for (const char* var : {"TARGET_PIPELINES", "LANGFUSE_HOST"}) {
    const std::regex mapped(std::string(R"(environ.*["'])") + var + R"(["'])");
    j.findings.push_back({std::string("task parameter mapped to ") + var, any(mapped),
                          std::string("os.environ[\"") + var + "\"] set from the task parameters",
                          any(mapped) ? first_line(mapped) : "not mapped", file});
  }
  const std::regex exit_zero(R"(\b(raise\s+SystemExit|sys\.exit)\s*\(\s*0\s*\))");
  j.findings.push_back({"no raise SystemExit(0) ending", !any(exit_zero),
                        "the wrapper returns normally (Databricks may mark a SystemExit(0) run failed)",
                        any(exit_zero) ? first_line(exit_zero) : "none", file});
  return j.conclude();
}

}  // namespace infra_dod
