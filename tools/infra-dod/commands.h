#pragma once
// The subcommands of the one front door.
#include <optional>
#include <string>
#include <vector>

#include "runtime/config.h"

namespace infra_dod::cli {

using Args = std::vector<std::string>;

int cmd_config(const Args& args);
int cmd_report(const Args& args);
int cmd_run_start(const Args& args);
int cmd_attest(const Args& args);
int cmd_sandbox(const Args& args);
int cmd_run(const Args& args);
int cmd_inventory(const Args& args);

// "--name value" or "--name=value"; removes what it consumed. Empty when absent.
std::string take_option(Args& args, const std::string& name);
std::vector<std::string> take_all(Args& args, const std::string& name);
bool take_flag(Args& args, const std::string& name);
// Prints "infra-dod <cmd>: unknown argument X" and returns true when anything is left.
bool reject_leftovers(const std::string& cmd, const Args& args);
// The effective configuration with its secrets registered for masking; on a config error it
// prints "infra-dod <cmd>: <cause>" and returns nothing (the caller exits 2).
std::optional<Config> load_config(const std::string& cmd, const Environ& env = process_environ());

}  // namespace infra_dod::cli
