#include <cstdio>
#include <filesystem>

#include "commands.h"
#include "runtime/evidence.h"
#include "runtime/run.h"

namespace infra_dod::cli {

namespace fs = std::filesystem;

int cmd_run_start(const Args& in) {
  Args args = in;
  if (take_flag(args, "--help")) {
    std::puts(
        "usage: infra-dod run-start [--run-dir DIR]\n\n"
        "Starts a run: makes its folder (DIR, else $INFRA_DOD_RUN_DIR, else one keyed by the ctest\n"
        "process under $INFRA_DOD_RUNS_ROOT, which <runs root>/latest then points at), empties its\n"
        "results/ and gtest-xml/ (a timed-out case would otherwise leave an old result behind),\n"
        "creates the evidence folder <EVIDENCE_DIR or DIR/evidence>/<UTC>-<run id>/ and records it\n"
        "in DIR/run.json for every case of the run. Registered as the CTest fixture every DoD case\n"
        "requires.");
    return 0;
  }
  const std::string dir_opt = take_option(args, "--run-dir");
  if (reject_leftovers("run-start", args)) return 2;
  Environ env = process_environ();
  if (!dir_opt.empty()) env["INFRA_DOD_RUN_DIR"] = dir_opt;
  auto cfg = load_config("run-start", env);
  if (!cfg) return 2;
  auto folder = run_folder(env);
  if (!folder) {
    std::fprintf(stderr, "infra-dod run-start: %s\n", folder.error().message.c_str());
    return 2;
  }
  std::error_code ec;
  for (const char* sub : {"results", "gtest-xml"}) fs::remove_all(*folder / sub, ec);
  auto run = start_run(*folder, cfg->get("EVIDENCE_DIR").value_or(""), SystemClock::instance());
  if (!run) {
    std::fprintf(stderr, "infra-dod run-start: %s\n", run.error().message.c_str());
    return 1;
  }
  if (env.count("INFRA_DOD_RUN_DIR") == 0 || env["INFRA_DOD_RUN_DIR"].empty()) {
    // A pointer for people and for `infra-dod report`; no case reads it. Replaced atomically.
    const fs::path latest = folder->parent_path() / "latest";
    const fs::path tmp = latest.string() + "." + run->run_id;
    fs::create_directory_symlink(folder->filename(), tmp, ec);
    if (!ec) fs::rename(tmp, latest, ec);
  }
  std::printf("run %s: folder %s, evidence in %s\n", run->run_id.c_str(), run->folder.string().c_str(),
              run->dir.string().c_str());
  return 0;
}

}  // namespace infra_dod::cli
