#include "smokes/python_child.h"

#include "rules/snapshot_reader.h"
#include "runtime/secrets.h"
#include "runtime/text.h"

namespace infra_dod {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string shell_word(const std::string& s) {
  if (!s.empty() && s.find_first_of(" \t\n'\"\\$`;&|<>(){}*?!#~") == std::string::npos) return s;
  std::string q = "'";
  for (char ch : s) q += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return q + "'";
}

}  // namespace

Result<PythonCheckout> open_checkout(const Config& cfg) {
  auto dir = cfg.require("AGENT_REPO_DIR");
  if (!dir) return dir.error();
  std::error_code ec;
  PythonCheckout c;
  c.repo = fs::absolute(dir.value(), ec).lexically_normal();
  if (ec || !fs::is_directory(c.repo, ec))
    return Error{ErrorKind::config, "AGENT_REPO_DIR " + dir.value() + " is not a folder"};
  c.python_name = cfg.value("PYTHON");
  c.python = find_executable(c.python_name, {});
  if (c.python.empty()) return Error{ErrorKind::config, "PYTHON " + c.python_name + " is not an executable on PATH"};
  c.deadline = std::chrono::seconds(cfg.integer("INFRA_DOD_PROCESS_TIMEOUT_S"));
  return c;
}

ChildRun run_python(const PythonCheckout& c, const std::vector<std::string>& args, const ChildEnv& env,
                    const std::set<std::string>& hidden, const std::string& stdin_data) {
  ProcessSpec spec;
  spec.argv = {c.python};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.env = {{"PYTHONPATH", c.repo.string()},
              {"PYTHONDONTWRITEBYTECODE", "1"},
              {"PYTHONUNBUFFERED", "1"},
              {"PYTHONIOENCODING", "utf-8"}};
  for (const auto& [k, v] : env) spec.env[k] = v;
  spec.cwd = c.repo;
  spec.deadline = c.deadline;
  spec.stdin_data = stdin_data;
  spec.max_output = 1u << 20;
  ChildRun r;
  std::string shown;
  std::vector<std::string> unset;
  r.env = json::object();
  for (const auto& [k, v] : spec.env) {
    if (hidden.count(k)) {
      r.env[k] = v ? "(set, not shown)" : "(unset)";
      continue;
    }
    r.env[k] = v ? json(*v) : json("(unset)");
    if (k == "PYTHONDONTWRITEBYTECODE" || k == "PYTHONUNBUFFERED" || k == "PYTHONIOENCODING") continue;
    if (v) shown += k + "=" + shell_word(*v) + " ";
    else unset.push_back(k);
  }
  r.command = (unset.empty() ? "" : "unset " + rules::join(unset, " ") + "; ") + "cd " + shell_word(c.repo.string()) +
              " && " + shown + shell_word(c.python_name);
  for (const auto& a : args) r.command += " " + shell_word(a);
  if (!stdin_data.empty()) r.command += " <<'PY' ... PY";
  r.command = SecretRegistry::process().mask(r.command);
  r.process = run_process(spec);
  return r;
}

ChildRun run_pytest(const PythonCheckout& c, const std::string& test_file, const ChildEnv& env) {
  // No cache folder in the operator's checkout.
  return run_python(c, {"-m", "pytest", test_file, "-rA", "-s", "-p", "no:cacheprovider"}, env);
}

PytestRun pytest_run_of(const ChildRun& r, const PythonCheckout& c) {
  PytestRun p;
  const auto& proc = r.process;
  if (!proc.started) {
    p.problem = "PYTHON " + c.python_name + " could not start: " + proc.describe();
    return p;
  }
  if (proc.timed_out) {
    p.problem = "pytest did not finish within " + std::to_string(c.deadline.count() / 1000) + " s";
    return p;
  }
  if (proc.err.find("No module named pytest") != std::string::npos) {
    p.problem = "PYTHON " + c.python_name + " has no pytest module (Debian's python3-pytest installs it for /usr/bin/python3)";
    return p;
  }
  p.ran = proc.signal == 0 && proc.wait_error.empty();
  if (!p.ran) p.problem = proc.describe();
  p.exit_code = proc.exit_code;
  p.output = parse_pytest_output(proc.redacted_out());
  return p;
}

json child_record(const ChildRun& r) {
  return {{"command", r.command},
          {"env", r.env},
          {"exit_code", r.process.exit_code},
          {"signal", r.process.signal},
          {"timed_out", r.process.timed_out},
          {"elapsed_ms", r.process.elapsed.count()},
          {"stdout", truncate_utf8(trim(r.process.redacted_out()), 8000)},
          {"stderr", truncate_utf8(trim(r.process.redacted_err()), 4000)}};
}

json checkout_of(const fs::path& repo) {
  json j = {{"agent_repo_dir", repo.string()}};
  const std::string git = find_executable("git", {});
  if (git.empty()) return j;
  for (const auto& [field, args] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"worktree", {"rev-parse", "--show-toplevel"}},
           {"branch", {"rev-parse", "--abbrev-ref", "HEAD"}},
           {"commit", {"rev-parse", "HEAD"}}}) {
    ProcessSpec spec;
    spec.argv = {git, "-C", repo.string()};
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    spec.deadline = std::chrono::seconds(10);
    const auto r = run_process(spec);
    if (r.succeeded()) j[field] = trim(r.out);
  }
  return j;
}

}  // namespace infra_dod
