#include "sandbox_control.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "runtime/clock.h"
#include "runtime/config.h"

namespace infra_dod::cli {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

bool alive(int pid) {
  if (pid <= 0 || ::kill(pid, 0) != 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string s;
  std::getline(stat, s);
  const auto close = s.rfind(')');
  return !(close != std::string::npos && s.size() > close + 2 && s[close + 2] == 'Z');
}

// The process is the sandbox this state folder started: after a reboot or a long pause the pid
// file's number may belong to anything else, which must never be signalled. Its command line
// names the sandbox binary and this folder's ready file.
bool is_sandbox_of(int pid, const fs::path& state_dir) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> argv;
  for (std::size_t at = 0; at < raw.size();) {
    const auto end = std::min(raw.find('\0', at), raw.size());
    argv.push_back(raw.substr(at, end - at));
    at = end + 1;
  }
  if (argv.empty() || fs::path(argv[0]).filename() != fs::path(INFRA_DOD_SANDBOX_BIN).filename()) return false;
  std::error_code ec;
  const auto ready = fs::weakly_canonical(fs::absolute(state_dir / "ready.json"), ec);
  return std::any_of(argv.begin() + 1, argv.end(), [&](const std::string& a) {
    std::error_code ignored;
    return !a.empty() && fs::weakly_canonical(fs::absolute(a), ignored) == ready;
  });
}

std::string quote(const std::string& v) {
  std::string out = "'";
  for (char c : v) out += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

void write_file(const fs::path& p, const std::string& text, fs::perms perms = fs::perms::owner_read | fs::perms::owner_write) {
  {
    std::ofstream out(p, std::ios::trunc);
    out << text;
  }
  std::error_code ec;
  fs::permissions(p, perms, ec);
}

std::string log_tail(const fs::path& log) {
  std::ifstream in(log);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (all.size() > 2000) all = all.substr(all.size() - 2000);
  return all;
}

// The application checkout the scenario's AGENT_REPO_DIR names ("{agent_repo}"): a fresh copy of
// fixtures/agent-repo in the state folder, so pytest and Python never write into the source tree,
// with the scenario's "agent_repo" section applied: {"<path in the checkout>": {"remove": true}}
// removes a file (not null: merging a scenario over its base drops nulls), {"<path>": {"replace": {"<text>": "<new text>", ...}}} edits one. A text that is not in
// the file is an error, so a scenario cannot silently stop breaking what it claims to break.
Result<fs::path> prepare_agent_repo(const SandboxRun& run) {
  const fs::path source = fs::path(INFRA_DOD_SANDBOX_FIXTURES) / "agent-repo";
  const fs::path dest = run.state_dir / "agent-repo";
  std::error_code ec;
  fs::remove_all(dest, ec);
  fs::copy(source, dest, fs::copy_options::recursive, ec);
  if (ec) return Error{ErrorKind::config, "cannot copy " + source.string() + " to " + dest.string() + ": " + ec.message()};
  const json overlay = run.ready.value("agent_repo", json::object());
  if (!overlay.is_object()) return Error{ErrorKind::config, "the scenario's agent_repo section is not an object"};
  for (const auto& [rel, change] : overlay.items()) {
    const fs::path file = dest / rel;
    if (!fs::is_regular_file(file, ec))
      return Error{ErrorKind::config, "agent_repo: " + rel + " is not a file of " + source.string()};
    if (!change.is_object())
      return Error{ErrorKind::config, "agent_repo: the change to " + rel + " is not an object"};
    if (change.value("remove", false)) {
      fs::remove(file, ec);
      continue;
    }
    std::ifstream in(file, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    in.close();
    const json replacements = change.contains("replace") ? change["replace"] : json::object();
    for (const auto& [from, to] : replacements.items()) {
      const auto at = text.find(from);
      if (at == std::string::npos)
        return Error{ErrorKind::config, "agent_repo: " + rel + " does not contain " + from};
      text.replace(at, from.size(), to.get<std::string>());
    }
    write_file(file, text);
  }
  return dest;
}

// Makes the state folder usable by the harness and by a person: wrappers that pin the sandbox
// for az and kubectl (their own HOME keeps kubectl's discovery cache per sandbox), a kubeconfig,
// and sandbox.env with every variable the harness needs.
Result<bool> write_client_files(const SandboxRun& run) {
  const auto agent_repo = prepare_agent_repo(run);
  if (!agent_repo) return agent_repo.error();
  const auto& d = run.state_dir;
  const auto endpoints = run.ready.value("endpoints", json::object());
  fs::create_directories(d / "bin");
  fs::create_directories(d / "home");
  const auto exec = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec;
  write_file(d / "bin/az",
             "#!/bin/sh\n# The az stand-in, pinned to this sandbox.\nINFRA_DOD_SANDBOX_READY=" + quote((d / "ready.json").string()) +
                 " exec " + quote(INFRA_DOD_AZ_STANDIN) + " \"$@\"\n",
             exec);
  write_file(d / "bin/kubectl",
             "#!/bin/sh\n# The real kubectl with this sandbox's kubeconfig and its own discovery cache.\nHOME=" +
                 quote((d / "home").string()) + " KUBECONFIG=" + quote((d / "kubeconfig").string()) +
                 " exec kubectl \"$@\"\n",
             exec);
  const std::string server = endpoints.value("kube_url", "");
  write_file(d / "kubeconfig",
             "apiVersion: v1\nkind: Config\nclusters:\n- name: sandbox\n  cluster:\n    server: " + server +
                 "\ncontexts:\n- name: sandbox\n  context:\n    cluster: sandbox\n    user: sandbox\n    namespace: default\n"
                 "current-context: sandbox\nusers:\n- name: sandbox\n  user: {}\n");

  std::vector<std::pair<std::string, std::string>> vars = {
      {"INFRA_DOD_ENVIRONMENT", "sandbox"},
      {"KUBECONFIG", (d / "kubeconfig").string()},
      {"KUBECTL", (d / "bin/kubectl").string()},
      {"AZ_CLI", (d / "bin/az").string()},
      // No LANGFUSE_BASE_URL: the smokes reach LangFuse through the port-forward they start, as
      // they do from a host inside the VNet; a scenario may still set it.
      {"INFRA_DOD_DNS_SERVER", endpoints.value("dns_server", "")},
      {"DATABRICKS_HOST", endpoints.value("databricks_url", "")},
      {"DATABRICKS_TOKEN", run.ready.value("databricks_token", "")},
      {"LOG_ANALYTICS_DCR_ENDPOINT", endpoints.value("monitor_ingestion_url", "")},
      {"LOG_ANALYTICS_QUERY_ENDPOINT", endpoints.value("log_analytics_url", "")}};
  const json scenario_env = run.ready.value("env", json::object());
  // "{fixtures}" in a value names the project's fixtures folder (a local file a check reads).
  for (auto& [k, v] : scenario_env.items()) {
    std::string value = v.get<std::string>();
    for (auto at = value.find("{fixtures}"); at != std::string::npos; at = value.find("{fixtures}"))
      value.replace(at, 10, INFRA_DOD_SANDBOX_FIXTURES);
    for (auto at = value.find("{agent_repo}"); at != std::string::npos; at = value.find("{agent_repo}"))
      value.replace(at, 12, agent_repo->string());
    vars.emplace_back(k, value);
  }
  // The scenario's own values win over the defaults above; each variable is written once.
  std::vector<std::pair<std::string, std::string>> unique;
  for (auto it = vars.rbegin(); it != vars.rend(); ++it)
    if (std::none_of(unique.begin(), unique.end(), [&](const auto& u) { return u.first == it->first; }))
      unique.push_back(*it);
  vars.assign(unique.rbegin(), unique.rend());
  std::string env = "# infra-dod sandbox '" + run.scenario + "': read by the harness as INFRA_DOD_ENV_FILE,\n"
                    "# or `set -a; . this-file; set +a` in a shell.\n";
  for (const auto& [k, v] : vars)
    if (!v.empty()) env += "export " + k + "=" + quote(v) + "\n";
  write_file(run.env_file, env);
  return true;
}

}  // namespace

fs::path default_scenarios_dir() {
  if (const char* p = std::getenv("INFRA_DOD_SCENARIOS"); p && *p) return p;
  return INFRA_DOD_SCENARIOS_DEFAULT;
}

fs::path default_build_dir() {
  if (const char* p = std::getenv("INFRA_DOD_BUILD_DIR"); p && *p) return p;
  return INFRA_DOD_BUILD_DIR_DEFAULT;
}

fs::path default_state_dir(const std::string& scenario) { return default_build_dir() / "sandbox-runs" / scenario; }

Result<SandboxRun> find_sandbox(const fs::path& state_dir) {
  std::ifstream in(state_dir / "ready.json");
  if (!in) return Error{ErrorKind::not_found, "no sandbox is up in " + state_dir.string()};
  json ready = json::parse(in, nullptr, false);
  if (ready.is_discarded()) return Error{ErrorKind::protocol, (state_dir / "ready.json").string() + " is not JSON"};
  SandboxRun run{state_dir, ready.value("scenario", ""), ready.value("pid", 0), ready, state_dir / "sandbox.env"};
  if (!alive(run.pid))
    return Error{ErrorKind::not_found, "the sandbox recorded in " + state_dir.string() + " (pid " +
                                           std::to_string(run.pid) + ") is no longer running"};
  return run;
}

Result<SandboxRun> start_sandbox(const fs::path& scenarios, const std::string& scenario, const fs::path& state_dir) {
  if (auto existing = find_sandbox(state_dir))
    return Error{ErrorKind::config, "a sandbox (scenario '" + existing->scenario + "', pid " +
                                        std::to_string(existing->pid) + ") is already up in " + state_dir.string() +
                                        "; stop it with: infra-dod sandbox down --state-dir " + state_dir.string()};
  if (!fs::exists(scenarios / scenario / "scenario.json"))
    return Error{ErrorKind::config, "no scenario '" + scenario + "' under " + scenarios.string()};
  std::error_code ec;
  fs::create_directories(state_dir / "store", ec);
  if (ec) return Error{ErrorKind::config, "cannot create " + state_dir.string() + ": " + ec.message()};
  fs::remove(state_dir / "ready.json", ec);
  const fs::path log = state_dir / "sandbox.log";
  const std::string bin = INFRA_DOD_SANDBOX_BIN;
  std::vector<std::string> args = {bin,          "--scenarios",  scenarios.string(),
                                   "--scenario", scenario,       "--ready-file",
                                   (state_dir / "ready.json").string(), "--state-dir", (state_dir / "store").string()};
  const pid_t pid = ::fork();
  if (pid < 0) return Error{ErrorKind::process, "fork failed"};
  if (pid == 0) {
    // A daemon of its own: new session, no terminal, stdio to the log, so a CTest fixture or a
    // shell that started it is not held open by it.
    ::setsid();
    const int null_fd = ::open("/dev/null", O_RDONLY);
    const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    if (log_fd >= 0) {
      ::dup2(log_fd, 1);
      ::dup2(log_fd, 2);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
  }
  write_file(state_dir / "pid", std::to_string(pid) + "\n");
  bool exited = false;
  int status = 0;
  const auto waited = poll_until(SystemClock::instance(), std::chrono::seconds(20), std::chrono::milliseconds(25),
                                 [&](int, auto) {
                                   if (::waitpid(pid, &status, WNOHANG) == pid) exited = true;
                                   return exited || fs::exists(state_dir / "ready.json");
                                 });
  if (exited)
    return Error{ErrorKind::process, "the sandbox exited during start-up (status " + std::to_string(status) +
                                         "); its log says:\n" + log_tail(log)};
  if (waited.outcome == PollOutcome::timed_out) {
    ::kill(pid, SIGKILL);
    return Error{ErrorKind::timeout, "the sandbox was not ready within 20 s; its log says:\n" + log_tail(log)};
  }
  auto run = find_sandbox(state_dir);
  if (!run) return run.error();
  run.value().scenario = scenario;
  if (auto written = write_client_files(run.value()); !written) {
    ::kill(pid, SIGTERM);
    return written.error();
  }
  return run;
}

Result<bool> stop_sandbox(const fs::path& state_dir) {
  int pid = 0;
  {
    std::ifstream in(state_dir / "pid");
    in >> pid;
  }
  if (!alive(pid) || !is_sandbox_of(pid, state_dir)) {
    std::error_code ec;
    fs::remove(state_dir / "ready.json", ec);
    return false;
  }
  ::kill(pid, SIGTERM);
  const auto r = poll_until(SystemClock::instance(), std::chrono::seconds(10), std::chrono::milliseconds(25),
                            [&](int, auto) { return !alive(pid); });
  if (r.outcome == PollOutcome::timed_out) {
    ::kill(pid, SIGKILL);
    poll_until(SystemClock::instance(), std::chrono::seconds(5), std::chrono::milliseconds(25),
               [&](int, auto) { return !alive(pid); });
  }
  std::error_code ec;
  fs::remove(state_dir / "ready.json", ec);
  return true;
}

}  // namespace infra_dod::cli
