#pragma once
// The subcommands of the one front door.
#include <filesystem>
#include <nlohmann/json.hpp>
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
int cmd_list(const Args& args);
int cmd_explain(const Args& args);
int cmd_bundle(const Args& args);
int cmd_merge(const Args& args);

// What `infra-dod report` joins and where it writes; `infra-dod run` builds it in-process.
struct ReportOptions {
  std::vector<std::filesystem::path> junit_files;
  std::filesystem::path run_dir;  // run.json and results/
  std::filesystem::path md_out, json_out, registry;
  std::filesystem::path junit_out;  // JUnit for CI servers (junit-10.xsd), one suite per case
  std::string selection;            // what was selected (a label regex); derived from the run when empty
  std::string evidence_base_url;    // evidence cells as links under this URL
};
// Builds, scans and writes the table; `printed` receives the console lines and the Markdown.
// Returns the report's exit code (0, 1 release blocker, 2 bad input, 3 leak).
int write_report(const ReportOptions& opt, const Config& cfg, std::string& printed);

// Every catalogue variable with its effective value (secrets shown as ***), where it came from,
// and whether it is a secret: what `infra-dod config --json` prints.
nlohmann::json effective_config_json(const Config& cfg);

// "automatic,smoke" -> {"automatic", "smoke"}; nothing when a word is not a mode label
// (automatic, smoke, manual, rollback). `--select` of run and list.
std::optional<std::vector<std::string>> parse_modes(const std::string& select);
// A file's whole bytes ("" when it cannot be read).
std::string file_bytes(const std::filesystem::path& file);

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
