#include <cstdio>
#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "commands.h"
#include "registry/registry.h"
#include "runtime/config.h"
#include "runtime/run.h"
#include "runtime/process.h"
#include "runtime/text.h"
#include "scenario.h"
#include "sandbox_control.h"

namespace infra_dod::cli {

namespace fs = std::filesystem;

namespace {
constexpr const char* kHelp = R"(usage: infra-dod run --env-file FILE [--select automatic|smoke|manual|rollback,...] [--out DIR]
                     [--labels REGEX] [--jobs N] [--evidence-base-url URL]
       infra-dod run [--scenario NAME] [--state-dir DIR] [--out DIR] [--labels REGEX]
                     [--check-expected] [--jobs N]

Against a real environment (--env-file): runs the selected DoD cases against the environment the
env file and your own `az` and kube logins describe. Nothing in your environment is cleared: the
file is read as INFRA_DOD_ENV_FILE, over whatever you exported. Everything lands under --out: the
JUnit file, the DoD table (Markdown and JSON), the run's folder (run/) and its evidence
(evidence/, linked as evidence-dir), and effective-config.json (the configuration the run saw,
secrets shown as ***). Prints the table and the paths, and exits as `infra-dod report` does.

  --select   mode labels, comma-separated (default automatic, what CI runs; the smokes need a
             host inside the VNet); --labels gives a ctest label regex instead
  --out      default ./infra-dod-<INFRA_DOD_ENVIRONMENT>-<UTC>
  --evidence-base-url  the table's evidence cells become links under URL (where the evidence
             folder will be published) instead of paths relative to it

Without --env-file, the main job on the sandbox: starts the scenario's sandbox (default: healthy; a sandbox already
up in the state folder is reused and left running), runs the DoD cases with ctest (default
labels ^(automatic|smoke|manual)$ or the scenario's own "labels", its opt-in gates opened),
writes the JUnit file, the DoD table (Markdown and JSON) and the evidence folder under --out,
prints the table and where everything is, and stops the sandbox it started.

  --out             default <build>/main-job/<scenario>
  --check-expected  compare every row (and the report's exit status, when expected.json names
                    "report_exit", and the evidence lines it names) with the scenario's
                    expected.json, as often as its "passes" says; exit 1 on a mismatch
Exit: as `infra-dod report` (1 on a release-blocking fail or error, or one selected without a
verdict), or 1 on an expectation mismatch.
)";

// "{out}" in a scenario's variable names the run's --out folder.
std::string expand_out(std::string value, const fs::path& out) {
  const std::string mark = "{out}";
  for (auto at = value.find(mark); at != std::string::npos; at = value.find(mark, at + out.string().size()))
    value.replace(at, mark.size(), out.string());
  return value;
}

// The operator's own settings must not leak into a sandbox run: every variable of the catalogue
// is removed from ctest's environment, then set from the sandbox and the scenario.
std::map<std::string, std::optional<std::string>> sandbox_environment(const SandboxRun& run, const fs::path& out,
                                                                      const fs::path& pass_out,
                                                                      const std::map<std::string, std::string>& gates) {
  std::map<std::string, std::optional<std::string>> env;
  for (const auto& v : variable_catalogue()) env[v.name] = std::nullopt;
  env["INFRA_DOD_ENV_FILE"] = run.env_file.string();
  // This run's own folder: runs of other scenarios on the same build tree never meet it.
  env["INFRA_DOD_RUN_DIR"] = (pass_out / "run").string();
  env["EVIDENCE_DIR"] = (pass_out / "evidence").string();
  env["INFRA_DOD_ATTESTATIONS"] = (out / "attestations").string();
  env["HOME"] = (run.state_dir / "home").string();
  for (const auto& [k, v] : gates) {
    env[k] = expand_out(v, out);
    // A file the scenario places under --out gets its folder, as an operator's /tmp has one.
    std::error_code ec;
    if (v.find("{out}") != std::string::npos) fs::create_directories(fs::path(*env[k]).parent_path(), ec);
  }
  return env;
}

Result<bool> seed_files(const sandbox::Expected& expected, const fs::path& out) {
  for (const auto& f : expected.files) {
    std::error_code ec;
    fs::create_directories((out / f.relative).parent_path(), ec);
    fs::copy_file(f.from, out / f.relative, fs::copy_options::overwrite_existing, ec);
    if (ec) return Error{ErrorKind::config, "cannot seed " + f.relative.string() + " from " + f.from.string() + ": " + ec.message()};
    if (f.mode) fs::permissions(out / f.relative, static_cast<fs::perms>(*f.mode), ec);
  }
  return true;
}

// Every seeded file still begins with what it was seeded with.
int check_seed_files(const sandbox::Expected& expected, const fs::path& out) {
  int mismatches = 0;
  for (const auto& f : expected.files) {
    const std::string seed = file_bytes(f.from);
    if (file_bytes(out / f.relative).compare(0, seed.size(), seed) != 0) {
      std::fprintf(stderr, "MISMATCH %s: the lines it was seeded with were rewritten or lost\n", f.relative.string().c_str());
      ++mismatches;
    }
  }
  return mismatches;
}

struct PassResult {
  int rc = 0;
  bool report_written = false;
};

// One ctest run of the selection, then the report, the table and the paths printed.
PassResult run_pass(const std::map<std::string, std::optional<std::string>>& env, const fs::path& build,
                    const std::string& labels, const std::string& jobs, const fs::path& out, const std::string& scenario,
                    const std::string& evidence_base_url = {}) {
  std::fprintf(stderr, "infra-dod run: ctest -L '%s' on %s (scenario %s)\n", labels.c_str(), build.string().c_str(),
               scenario.c_str());
  ProcessSpec ctest;
  ctest.argv = {INFRA_DOD_CTEST, "--test-dir", build.string(), "-L", labels, "-j", jobs,
                "--output-junit", (out / "junit.xml").string(), "--test-output-truncation", "middle",
                "--test-output-size-passed", "1048576", "--test-output-size-failed", "1048576",
                "--no-tests=error"};
  ctest.env = env;
  ctest.deadline = std::chrono::minutes(60);
  const auto ct = run_process(ctest);
  {
    std::ofstream log(out / "ctest.log");
    log << ct.redacted_out() << ct.redacted_err();
  }
  if (!ct.started || ct.timed_out) {
    std::fprintf(stderr, "infra-dod run: %s\n", ct.describe().c_str());
    return {1, false};
  }
  if (termination_requested()) return {1, false};  // stopped: no table from half a run
  // The report is built here, with the run's own environment, not by a child of this process.
  Environ report_env = process_environ();
  for (const auto& [k, v] : env) {
    if (v) report_env[k] = *v;
    else report_env.erase(k);
  }
  auto cfg = load_config("run", report_env);
  if (!cfg) return {2, false};
  ReportOptions opt;
  opt.junit_files = {out / "junit.xml"};
  opt.run_dir = out / "run";
  opt.md_out = out / "dod-table.md";
  opt.json_out = out / "dod-table.json";
  opt.junit_out = out / "dod-junit.xml";
  opt.selection = labels;
  opt.evidence_base_url = evidence_base_url;
  std::string report_out;
  const int report_rc = write_report(opt, cfg.value(), report_out);
  std::error_code ec;
  // The run's evidence folder, next to the table.
  if (auto rec = load_run(out / "run")) {
    fs::remove(out / "evidence-dir", ec);
    fs::create_directory_symlink(rec->dir, out / "evidence-dir", ec);
  }
  std::fputs(report_out.c_str(), stdout);
  std::printf("\nJUnit:      %s (for CI servers; ctest's own: junit.xml)\nDoD table:  %s\n            %s\nEvidence:   %s\nctest log:  %s\n",
              (out / "dod-junit.xml").string().c_str(), (out / "dod-table.md").string().c_str(),
              (out / "dod-table.json").string().c_str(), (out / "evidence-dir").string().c_str(),
              (out / "ctest.log").string().c_str());
  std::fflush(stdout);
  return {report_rc, true};
}

// A line of the evidence file with every expected field equal.
bool has_evidence_line(const fs::path& file, const nlohmann::json& fields) {
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) continue;
    bool all = true;
    for (const auto& [k, v] : fields.items()) all = all && j.contains(k) && j[k] == v;
    if (all) return true;
  }
  return false;
}

// Each row, the report's exit status and the expected evidence lines of one pass.
int compare_with_expected(const sandbox::Expected& expected, int pass, const fs::path& out, int report_rc) {
  const std::string tag = pass == 1 ? "" : "pass " + std::to_string(pass) + ": ";
  std::ifstream jf(out / "dod-table.json");
  const auto doc = nlohmann::json::parse(jf, nullptr, false);
  if (doc.is_discarded()) {
    std::fprintf(stderr, "MISMATCH %sno DoD table was written\n", tag.c_str());
    return 1;
  }
  int mismatches = 0;
  for (const auto& row : doc["rows"]) {
    const std::string id = row["id"];
    auto it = expected.rows.find(id);
    const std::string want = it != expected.rows.end()        ? it->second
                             : !expected.default_status.empty() ? expected.default_status
                                                                : "(missing from expected.json)";
    if (row["status"] != want) {
      std::fprintf(stderr, "MISMATCH %s%s: expected %s, got %s (%s)\n", tag.c_str(), id.c_str(), want.c_str(),
                   row["status"].get<std::string>().c_str(), row["reason"].get<std::string>().c_str());
      ++mismatches;
    }
    if (auto r = expected.reasons.find(id);
        r != expected.reasons.end() && row["reason"].get<std::string>().find(r->second) == std::string::npos) {
      std::fprintf(stderr, "MISMATCH %s%s: its reason does not name '%s' (%s)\n", tag.c_str(), id.c_str(),
                   r->second.c_str(), row["reason"].get<std::string>().c_str());
      ++mismatches;
    }
  }
  if (expected.report_exit && *expected.report_exit != report_rc) {
    std::fprintf(stderr, "MISMATCH %sreport exit status: expected %d, got %d\n", tag.c_str(),
                 *expected.report_exit, report_rc);
    ++mismatches;
  }
  const auto rec = load_run(out / "run");
  for (const auto& e : expected.evidence) {
    if (e.pass != 0 && e.pass != pass) continue;
    const fs::path file = rec ? rec->dir / e.file : fs::path(e.file);
    if (!rec || !has_evidence_line(file, e.fields)) {
      std::fprintf(stderr, "MISMATCH %sevidence: no line in %s with %s\n", tag.c_str(), file.string().c_str(),
                   e.fields.dump().c_str());
      ++mismatches;
    }
  }
  return mismatches;
}

// The emulators' request counts against expected.json's "requests" (the sandbox writes its
// request log when it stops).
int compare_requests(const sandbox::Expected& expected, const fs::path& state_dir) {
  if (expected.requests.empty()) return 0;
  std::map<std::string, int> seen;
  std::ifstream in(state_dir / "store" / "requests-log.jsonl");
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) continue;
    for (const auto& [key, _] : expected.requests) {
      const auto first = key.find(' ');
      const auto second = key.find(' ', first + 1);
      if (j.value("service", "") == key.substr(0, first) &&
          j.value("method", "") == key.substr(first + 1, second - first - 1) &&
          j.value("target", "").rfind(key.substr(second + 1), 0) == 0)
        ++seen[key];
    }
  }
  int mismatches = 0;
  for (const auto& [key, want] : expected.requests)
    if (seen[key] != want) {
      std::fprintf(stderr, "MISMATCH requests: expected %d '%s', the emulators saw %d\n", want, key.c_str(), seen[key]);
      ++mismatches;
    }
  return mismatches;
}

// "automatic,smoke" -> "^(automatic|smoke)$"; nothing when a word is not a mode label.
std::optional<std::string> labels_for(const std::string& select) {
  const auto modes = parse_modes(select);
  if (!modes) return std::nullopt;
  std::string alternatives;
  for (const auto& m : *modes) alternatives += (alternatives.empty() ? "" : "|") + m;
  return "^(" + alternatives + ")$";
}

// One command against a real environment: the operator's environment plus the env file, one
// output folder, ctest, the report.
int run_environment(const std::string& env_file, const std::string& select, std::string labels,
                    const std::string& out_opt, const std::string& jobs, const std::string& evidence_base_url) {
  std::error_code ec;
  const fs::path file = fs::absolute(env_file, ec);
  if (!fs::is_regular_file(file, ec)) {
    std::fprintf(stderr, "infra-dod run: --env-file %s: no such file\n", env_file.c_str());
    return 2;
  }
  Environ environ = process_environ();
  environ["INFRA_DOD_ENV_FILE"] = file.string();
  auto cfg = load_config("run", environ);
  if (!cfg) return 2;
  if (labels.empty()) {
    const auto chosen = labels_for(select.empty() ? "automatic" : select);
    if (!chosen) {
      std::fprintf(stderr, "infra-dod run: --select %s: use automatic, smoke, manual or rollback, comma-separated\n",
                   select.c_str());
      return 2;
    }
    labels = *chosen;
  }
  const std::string environment = cfg->value("INFRA_DOD_ENVIRONMENT");
  const fs::path out = fs::absolute(out_opt.empty() ? fs::current_path() / ("infra-dod-" + environment + "-" +
                                                                             utc_compact(std::chrono::system_clock::now()))
                                                    : fs::path(out_opt));
  if (fs::exists(out) && !fs::is_empty(out, ec) && !fs::exists(out / ".infra-dod-run")) {
    std::fprintf(stderr, "infra-dod run: %s is not empty and was not made by infra-dod run; choose another --out\n",
                 out.string().c_str());
    return 2;
  }
  fs::remove_all(out, ec);
  fs::create_directories(out, ec);
  std::ofstream(out / ".infra-dod-run") << "made by infra-dod run; emptied by the next run\n";
  {
    std::ofstream cj(out / "effective-config.json");
    cj << effective_config_json(cfg.value()).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  }
  std::map<std::string, std::optional<std::string>> env = {{"INFRA_DOD_ENV_FILE", file.string()},
                                                           {"INFRA_DOD_RUN_DIR", (out / "run").string()},
                                                           {"EVIDENCE_DIR", (out / "evidence").string()}};
  std::fprintf(stderr, "infra-dod run: environment %s from %s; configuration in %s\n", environment.c_str(),
               file.string().c_str(), (out / "effective-config.json").string().c_str());
  const auto result =
      run_pass(env, default_build_dir(), labels, jobs, out, "environment " + environment, evidence_base_url);
  if (const int sig = termination_requested()) {
    std::fprintf(stderr, "infra-dod run: stopped by signal %d\n", sig);
    return 128 + sig;
  }
  return result.rc;
}

}  // namespace

int cmd_run(const Args& in) {
  Args args = in;
  if (take_flag(args, "--help")) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  const std::string env_file = take_option(args, "--env-file");
  const std::string select = take_option(args, "--select");
  const std::string evidence_base_url = take_option(args, "--evidence-base-url");
  std::string scenario = take_option(args, "--scenario");
  const bool scenario_given = !scenario.empty();
  if (scenario.empty()) scenario = "healthy";
  const std::string state = take_option(args, "--state-dir");
  std::string out_opt = take_option(args, "--out");
  std::string labels = take_option(args, "--labels");
  std::string jobs = take_option(args, "--jobs");
  if (jobs.empty()) jobs = "2";
  const bool check = take_flag(args, "--check-expected");
  if (reject_leftovers("run", args)) return 2;
  if (!env_file.empty()) {
    if (scenario_given || !state.empty() || check) {
      std::fputs("infra-dod run: --env-file targets a real environment; --scenario, --state-dir and --check-expected "
                 "are for the sandbox\n",
                 stderr);
      return 2;
    }
    return run_environment(env_file, select, labels, out_opt, jobs, evidence_base_url);
  }
  if (!select.empty()) {
    const auto chosen = labels_for(select);
    if (!chosen) {
      std::fprintf(stderr, "infra-dod run: --select %s: use automatic, smoke, manual or rollback, comma-separated\n",
                   select.c_str());
      return 2;
    }
    if (labels.empty()) labels = *chosen;
  }

  const fs::path build = default_build_dir();
  const fs::path scenarios = default_scenarios_dir();
  const fs::path state_dir = fs::absolute(state.empty() ? default_state_dir(scenario) : fs::path(state));
  const fs::path out = fs::absolute(out_opt.empty() ? build / "main-job" / scenario : fs::path(out_opt));
  auto expected = sandbox::load_expected(scenarios, scenario);
  if (!expected) {
    std::fprintf(stderr, "infra-dod run: %s\n", expected.error().message.c_str());
    return 2;
  }
  if (labels.empty()) labels = expected->labels.empty() ? "^(automatic|smoke|manual)$" : expected->labels;

  bool started_here = false;
  auto run = find_sandbox(state_dir);
  if (run && run->scenario != scenario) {
    std::fprintf(stderr, "infra-dod run: the sandbox up in %s runs scenario '%s', not '%s'\n",
                 state_dir.string().c_str(), run->scenario.c_str(), scenario.c_str());
    return 2;
  }
  if (!run) {
    std::fprintf(stderr, "infra-dod run: starting sandbox '%s'\n", scenario.c_str());
    run = start_sandbox(scenarios, scenario, state_dir);
    if (!run) {
      std::fprintf(stderr, "infra-dod run: %s\n", run.error().message.c_str());
      return 1;
    }
    started_here = true;
    std::fprintf(stderr, "infra-dod run: sandbox up (pid %d), state in %s\n", run->pid, state_dir.string().c_str());
  }
  std::error_code ec;
  // --out is emptied first, so it must be a folder an earlier run made (or a new one).
  if (fs::exists(out) && !fs::is_empty(out, ec) && !fs::exists(out / ".infra-dod-run")) {
    std::fprintf(stderr, "infra-dod run: %s is not empty and was not made by infra-dod run; choose another --out\n",
                 out.string().c_str());
    if (started_here) stop_sandbox(state_dir);
    return 2;
  }
  fs::remove_all(out, ec);
  fs::create_directories(out, ec);
  std::ofstream(out / ".infra-dod-run") << "made by infra-dod run; emptied by the next run\n";
  if (auto seeded = seed_files(expected.value(), out); !seeded) {
    std::fprintf(stderr, "infra-dod run: %s\n", seeded.error().message.c_str());
    if (started_here) stop_sandbox(state_dir);
    return 2;
  }

  // --check-expected may run the selection more than once on the same sandbox and files (a
  // rerun appends to the artifacts the first pass wrote); each pass has its own folder.
  const int passes = check ? std::max(1, expected->passes) : 1;
  int rc = 0;
  int mismatches = 0;
  for (int pass = 1; pass <= passes; ++pass) {
    const fs::path pass_out = pass == 1 ? out : out / ("pass-" + std::to_string(pass));
    fs::create_directories(pass_out, ec);
    const auto env = sandbox_environment(run.value(), out, pass_out, expected->env);
    const auto result = run_pass(env, build, labels, jobs, pass_out, scenario);
    if (const int sig = termination_requested()) {
      // ctest and its cases already got the signal; what is left is the sandbox this run started.
      if (started_here) stop_sandbox(state_dir);
      std::fprintf(stderr, "infra-dod run: stopped by signal %d%s\n", sig,
                   started_here ? "; the sandbox it started is down" : "");
      return 128 + sig;
    }
    if (result.rc == 1 && !result.report_written) {
      if (started_here) stop_sandbox(state_dir);
      return 1;
    }
    rc = result.rc;
    if (rc >= 2) break;
    if (check) mismatches += compare_with_expected(expected.value(), pass, pass_out, rc);
  }
  if (check) mismatches += check_seed_files(expected.value(), out);
  if (started_here) stop_sandbox(state_dir);
  if (check && started_here) mismatches += compare_requests(expected.value(), state_dir);
  if (rc >= 2 || !check) return rc;
  std::printf("scenario %s: %s\n", scenario.c_str(),
              mismatches ? (std::to_string(mismatches) + " difference(s) from expected.json").c_str()
                         : "every row matches expected.json");
  return mismatches ? 1 : 0;
}

}  // namespace infra_dod::cli
