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
  run          the main job: start the sandbox, run the DoD cases, print the DoD table
  sandbox      up | down | status | list: the emulated services on 127.0.0.1
  inventory    collect the snapshot the automatic cases judge (a CTest fixture)
  config       print the effective configuration and where each value came from (secrets masked)
  report       turn ctest JUnit + per-case gtest XML into the runbook's DoD table (Markdown, JSON)
  attest       record a manual attestation for a DoD item (operator, UTC time, verdict, evidence)
  run-start    start a run: fresh per-case results folder and a new evidence folder (a CTest fixture)
  help         this text; `infra-dod <command> --help` for a command's options

Run the checks themselves with ctest: `ctest --preset dev` (automatic) or `ctest --preset staging`
(smoke, from inside the VNet); see README.md.
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
      {"inventory", cmd_inventory}};
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
