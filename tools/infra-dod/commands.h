#pragma once
// The subcommands of the one front door.
#include <string>
#include <vector>

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

}  // namespace infra_dod::cli
