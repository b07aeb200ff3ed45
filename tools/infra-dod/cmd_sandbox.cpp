#include <cstdio>
#include <fstream>

#include "commands.h"
#include "sandbox_control.h"

namespace infra_dod::cli {

namespace {
constexpr const char* kHelp = R"(usage: infra-dod sandbox up [--scenario NAME] [--state-dir DIR] [--scenarios DIR]
       infra-dod sandbox down [--scenario NAME] [--state-dir DIR]
       infra-dod sandbox status [--scenario NAME] [--state-dir DIR]
       infra-dod sandbox list [--scenarios DIR]

Starts the emulated ARM, Kubernetes, LangFuse, Databricks and Azure Monitor services on
127.0.0.1 (fresh ports) for a scenario under fixtures/sandbox/ (default: healthy), and prints the
environment to use them: KUBECONFIG, the az stand-in on PATH, endpoints and names (a token is
named, never printed). Every variable, tokens included, is written to DIR/sandbox.env (owner-only),
which the harness reads as INFRA_DOD_ENV_FILE.

  --state-dir   where the sandbox keeps its state (default <build>/sandbox-runs/<scenario>)
  --scenarios   the scenario folder (default fixtures/sandbox of the source tree)
)";

void print_up(const SandboxRun& run) {
  std::printf("sandbox '%s' is up (pid %d); state in %s\n\n", run.scenario.c_str(), run.pid,
              run.state_dir.string().c_str());
  const nlohmann::json endpoints = run.ready.value("endpoints", nlohmann::json::object());
  for (auto& [k, v] : endpoints.items())
    std::printf("  %-24s %s\n", k.c_str(), v.get<std::string>().c_str());
  std::printf("\n# to use it from a shell:\nexport PATH=%s:\"$PATH\"\n", (run.state_dir / "bin").string().c_str());
  std::ifstream env(run.env_file);
  std::string line;
  while (std::getline(env, line)) {
    if (line.rfind("export ", 0) != 0) continue;
    // A secret's value stays in the env file (owner-only): what is printed lands in terminals,
    // CI logs and ctest's JUnit.
    const std::string name = line.substr(7, line.find('=') == std::string::npos ? std::string::npos : line.find('=') - 7);
    if (const auto* spec = find_variable(name); spec && spec->secret) {
      std::printf("# %s is a secret: set from the env file below, never printed\n", name.c_str());
      continue;
    }
    std::printf("%s\n", line.c_str());
  }
  std::printf("# or let the harness read them: export INFRA_DOD_ENV_FILE=%s\n", run.env_file.string().c_str());
  std::printf("# stop it with: infra-dod sandbox down --state-dir %s\n", run.state_dir.string().c_str());
}

}  // namespace

int cmd_sandbox(const Args& in) {
  Args args = in;
  if (args.empty() || take_flag(args, "--help")) {
    std::fputs(kHelp, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  const std::string verb = args.front();
  args.erase(args.begin());
  std::string scenario = take_option(args, "--scenario");
  if (scenario.empty()) scenario = "healthy";
  std::string state = take_option(args, "--state-dir");
  std::string scenarios = take_option(args, "--scenarios");
  if (reject_leftovers("sandbox", args)) return 2;
  const auto state_dir = state.empty() ? default_state_dir(scenario) : std::filesystem::path(state);
  const auto scenarios_dir = scenarios.empty() ? default_scenarios_dir() : std::filesystem::path(scenarios);
  if (verb == "up") {
    auto run = start_sandbox(scenarios_dir, scenario, std::filesystem::absolute(state_dir));
    if (!run) {
      std::fprintf(stderr, "infra-dod sandbox up: %s\n", run.error().message.c_str());
      return 1;
    }
    print_up(run.value());
    return 0;
  }
  if (verb == "down") {
    auto stopped = stop_sandbox(state_dir);
    std::printf("%s\n", stopped.value() ? ("sandbox in " + state_dir.string() + " stopped").c_str()
                                        : ("no sandbox was running in " + state_dir.string()).c_str());
    return 0;
  }
  if (verb == "status") {
    auto run = find_sandbox(state_dir);
    if (!run) {
      std::printf("%s\n", run.error().message.c_str());
      return 1;
    }
    print_up(run.value());
    return 0;
  }
  if (verb == "list") {
    std::error_code ec;
    for (const auto& d : std::filesystem::directory_iterator(scenarios_dir, ec))
      if (std::filesystem::exists(d.path() / "scenario.json")) std::printf("%s\n", d.path().filename().c_str());
    return 0;
  }
  std::fprintf(stderr, "infra-dod sandbox: unknown verb '%s' (up, down, status, list)\n", verb.c_str());
  return 2;
}

}  // namespace infra_dod::cli
