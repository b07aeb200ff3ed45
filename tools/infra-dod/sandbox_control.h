#pragma once
// Starting, finding and stopping the sandbox emulator (infra-dod-sandbox) as a daemon with a
// state folder: ready.json (endpoints, tokens), sandbox.log, kubeconfig, home/ (kubectl's cache),
// bin/az and bin/kubectl wrappers, and sandbox.env, which the harness reads as its env file.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "runtime/result.h"

namespace infra_dod::cli {

struct SandboxRun {
  std::filesystem::path state_dir;
  std::string scenario;
  int pid = 0;
  nlohmann::json ready;
  std::filesystem::path env_file;
};

std::filesystem::path default_scenarios_dir();
std::filesystem::path default_build_dir();
std::filesystem::path default_state_dir(const std::string& scenario);

// The sandbox running in state_dir, if its process is alive.
Result<SandboxRun> find_sandbox(const std::filesystem::path& state_dir);
// Starts the scenario's sandbox in state_dir and waits (bounded) until it is ready.
Result<SandboxRun> start_sandbox(const std::filesystem::path& scenarios, const std::string& scenario,
                                 const std::filesystem::path& state_dir);
// Stops the sandbox in state_dir: SIGTERM, then SIGKILL after a grace. Ok when none was running.
Result<bool> stop_sandbox(const std::filesystem::path& state_dir);

}  // namespace infra_dod::cli
