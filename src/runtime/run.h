#pragma once
// A run is what one ctest selection shares: a folder of its own, so two runs on one build tree
// never meet. The folder holds run.json (the run id and where its evidence is), results/ (one
// result record per case, written by the DoD case base), gtest-xml/ and, unless EVIDENCE_DIR
// says otherwise, evidence/<UTC>-<run id>/.
//
// Which folder: INFRA_DOD_RUN_DIR when set (`infra-dod run` sets it, an operator may), else one
// keyed by the ctest process that started the case (its pid and start time), under
// INFRA_DOD_RUNS_ROOT, which the build registers for every DoD test. Every case of a ctest
// invocation has that ctest as its parent, and the run-start fixture computes the same key.
#include <filesystem>
#include <string>

#include "runtime/clock.h"
#include "runtime/config.h"
#include "runtime/result.h"

namespace infra_dod {

struct RunInfo {
  std::string run_id;
  std::filesystem::path folder;  // the run's own folder
  std::filesystem::path dir;     // its evidence folder
  std::string started_utc;
  std::filesystem::path results_dir() const { return folder / "results"; }
  std::filesystem::path gtest_xml_dir() const { return folder / "gtest-xml"; }
};

// The folder of the run this process belongs to (see above); an error when neither variable
// is set.
Result<std::filesystem::path> run_folder(const Environ& env);
// The key of the process that started this one: "ctest-<pid>-<start ticks>".
std::string parent_process_key();

// Creates the run in `folder` (evidence under `evidence_root`, or `folder`/evidence when
// empty) and writes run.json.
Result<RunInfo> start_run(const std::filesystem::path& folder, const std::filesystem::path& evidence_root, Clock& clock);
// Reads `folder`/run.json: the one reader of the run record.
Result<RunInfo> load_run(const std::filesystem::path& folder);
// The run this process belongs to; a case started by hand outside ctest starts one.
Result<RunInfo> current_run(const Config& cfg, Clock& clock);

}  // namespace infra_dod
