#pragma once
// The operator's application checkout (AGENT_REPO_DIR) and its Python entry points, run as
// children: the runbook's pytest smokes and the `python -` snippets it shows. Every child runs in
// the checkout with PYTHONPATH set to it, writes no bytecode and no pytest cache there, runs under
// INFRA_DOD_PROCESS_TIMEOUT_S, and gets any token only through its environment. Evidence records
// the command as an operator would type it, never a hidden variable's value, and masked output.
#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "rules/pytest_output.h"
#include "runtime/config.h"
#include "runtime/process.h"
#include "runtime/result.h"

namespace infra_dod {

using ChildEnv = std::map<std::string, std::optional<std::string>>;

struct PythonCheckout {
  std::filesystem::path repo;  // absolute
  std::string python;          // the resolved interpreter
  std::string python_name;     // PYTHON as configured
  std::chrono::milliseconds deadline{0};
};

// AGENT_REPO_DIR and PYTHON resolved, or an error naming which is wrong.
Result<PythonCheckout> open_checkout(const Config& cfg);

struct ChildRun {
  ProcessResult process;
  std::string command;  // as an operator would repeat it in a shell
  nlohmann::json env;   // what the child got on top of the harness's environment (hidden ones named only)
};

// `PYTHON args...` in the checkout. Variables named in `hidden` (tokens) reach the child but are
// neither shown in the command nor in `env`.
ChildRun run_python(const PythonCheckout& c, const std::vector<std::string>& args, const ChildEnv& env,
                    const std::set<std::string>& hidden = {}, const std::string& stdin_data = {});
// `PYTHON -m pytest <test_file> -rA -s -p no:cacheprovider` in the checkout, and its output read.
ChildRun run_pytest(const PythonCheckout& c, const std::string& test_file, const ChildEnv& env);
PytestRun pytest_run_of(const ChildRun& r, const PythonCheckout& c);

// One evidence line's worth: command, env, exit, timing, masked stdout and stderr.
nlohmann::json child_record(const ChildRun& r);

// The checkout's git branch and commit, when it is a work tree (the runbook's "target
// branch/worktree").
nlohmann::json checkout_of(const std::filesystem::path& repo);

}  // namespace infra_dod
