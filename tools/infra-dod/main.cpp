// infra-dod: the one front door of the harness.
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <map>
#include <string>

#include "commands.h"
#include "runtime/process.h"

namespace {

constexpr const char* kUsage = R"(infra-dod: Definition-of-Done checks for the AI agent infra runbook

usage: infra-dod <command> [options]

commands:
  run          the DoD cases and the DoD table in one folder: --env-file FILE against a real
               environment, else the main job on the sandbox
  list         every DoD item: mode, labels, gate (and whether it is open here), cases
  explain      one DoD item: the runbook's words, what judges it, the scenarios that make it fail
  bundle       pack a run's output folder into one .tar.gz with a SHA-256 manifest; --verify one
  merge        several runs' DoD tables (dev, staging, regions) side by side, a column each
  sandbox      up | down | status | list: the emulated services on 127.0.0.1
  inventory    collect the snapshot the automatic cases judge (a CTest fixture)
  config       print the effective configuration and where each value came from (secrets masked)
  report       turn ctest JUnit + per-case gtest XML into the runbook's DoD table (Markdown, JSON)
  attest       record a manual attestation for a DoD item (operator, UTC time, verdict, evidence)
  run-start    start a run: fresh per-case results folder and a new evidence folder (a CTest fixture)
  help         this text; `infra-dod <command> --help` for a command's options

Against an environment: `infra-dod run --env-file ai_agent_infra_dev.env` (automatic checks), or
`--select smoke` from a host inside the VNet; ctest presets work too (README.md).
)";

}  // namespace

int main(int argc, char** argv) {
  using namespace infra_dod::cli;
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string cmd = argv[1];
  Args args(argv + 2, argv + argc);
  if (cmd == "help" || cmd == "--help" || cmd == "-h") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  const std::map<std::string, int (*)(const Args&)> commands = {
      {"config", cmd_config}, {"report", cmd_report},   {"attest", cmd_attest},
      {"sandbox", cmd_sandbox}, {"run", cmd_run},     {"run-start", cmd_run_start},
      {"inventory", cmd_inventory}, {"list", cmd_list},       {"explain", cmd_explain},
      {"bundle", cmd_bundle},   {"merge", cmd_merge}};
  auto it = commands.find(cmd);
  if (it == commands.end()) {
    std::fprintf(stderr, "infra-dod: unknown command '%s'\n\n%s", cmd.c_str(), kUsage);
    return 2;
  }
  // `run` outlives a Ctrl-C long enough to stop its sandbox; every other command ends with it.
  // Either way the signal reaches every child first.
  infra_dod::forward_termination_signals(cmd != "run");
  try {
    return it->second(args);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "infra-dod %s: %s\n", cmd.c_str(), e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "infra-dod %s: %s\n", cmd.c_str(), e.what());
    return 1;
  }
}
