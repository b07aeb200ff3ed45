#include <cstdio>
#include <filesystem>

#include "commands.h"
#include "runtime/config.h"
#include "runtime/evidence.h"

namespace infra_dod::cli {

int cmd_run_start(const Args& in) {
  Args args = in;
  if (take_flag(args, "--help")) {
    std::puts(
        "usage: infra-dod run-start --run-file FILE [--xml-dir DIR]\n\n"
        "Starts a run: empties DIR (per-case gtest XML; a timed-out case would otherwise leave an\n"
        "old result behind), creates <EVIDENCE_DIR>/<UTC>-<run id>/ and records it in FILE for\n"
        "every case of the run. Registered as the CTest fixture every DoD case requires.");
    return 0;
  }
  const std::string run_file = take_option(args, "--run-file");
  const std::string xml_dir = take_option(args, "--xml-dir");
  if (reject_leftovers("run-start", args)) return 2;
  if (run_file.empty()) {
    std::fputs("infra-dod run-start: --run-file is required\n", stderr);
    return 2;
  }
  auto cfg = load_config("run-start");
  if (!cfg) return 2;
  if (!xml_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(xml_dir, ec);
    std::filesystem::create_directories(xml_dir, ec);
  }
  const std::filesystem::path root =
      cfg->get("EVIDENCE_DIR").value_or((std::filesystem::path(run_file).parent_path() / "evidence").string());
  auto run = start_run(root, run_file, SystemClock::instance());
  if (!run) {
    std::fprintf(stderr, "infra-dod run-start: %s\n", run.error().message.c_str());
    return 1;
  }
  std::printf("run %s: evidence in %s\n", run->run_id.c_str(), run->dir.string().c_str());
  return 0;
}

}  // namespace infra_dod::cli
