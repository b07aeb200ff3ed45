#include "runtime/run.h"

#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "runtime/crypto.h"
#include "runtime/text.h"

namespace infra_dod {
namespace fs = std::filesystem;

std::string parent_process_key() {
  const pid_t parent = getppid();
  // Field 22 of /proc/<pid>/stat, after the parenthesised command name, tells a reused pid apart.
  std::ifstream stat("/proc/" + std::to_string(parent) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  std::string start = "0";
  if (const auto close = text.rfind(')'); close != std::string::npos) {
    std::istringstream fields(text.substr(close + 2));
    std::string f;
    for (int i = 3; fields >> f; ++i)
      if (i == 22) {
        start = f;
        break;
      }
  }
  return "ctest-" + std::to_string(parent) + "-" + start;
}

Result<fs::path> run_folder(const Environ& env) {
  auto get = [&](const char* k) {
    auto it = env.find(k);
    return it == env.end() ? std::string() : it->second;
  };
  if (const auto dir = get("INFRA_DOD_RUN_DIR"); !dir.empty()) return fs::absolute(dir);
  if (const auto root = get("INFRA_DOD_RUNS_ROOT"); !root.empty()) return fs::absolute(fs::path(root) / parent_process_key());
  return Error{ErrorKind::config,
               "no run folder: set INFRA_DOD_RUN_DIR, or run the case through ctest (which sets INFRA_DOD_RUNS_ROOT)"};
}

Result<RunInfo> start_run(const fs::path& folder, const fs::path& evidence_root, Clock& clock) {
  RunInfo run;
  run.run_id = random_hex(4);
  run.started_utc = utc_iso(clock.utc_now());
  run.folder = fs::absolute(folder);
  const fs::path root = evidence_root.empty() ? run.folder / "evidence" : fs::absolute(evidence_root);
  run.dir = root / (utc_compact(clock.utc_now()) + "-" + run.run_id);
  std::error_code ec;
  for (const auto& d : {run.dir, run.results_dir(), run.gtest_xml_dir()}) {
    fs::create_directories(d, ec);
    if (ec) return Error{ErrorKind::config, "cannot create " + d.string() + ": " + ec.message()};
  }
  const nlohmann::json j = {{"run_id", run.run_id}, {"dir", run.dir.string()}, {"started_utc", run.started_utc}};
  const fs::path file = run.folder / "run.json";
  const fs::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump() << "\n";
    if (!out) return Error{ErrorKind::config, "cannot write " + tmp.string()};
  }
  fs::rename(tmp, file, ec);
  if (ec) return Error{ErrorKind::config, "cannot write " + file.string() + ": " + ec.message()};
  return run;
}

Result<RunInfo> load_run(const fs::path& folder) {
  const fs::path file = folder / "run.json";
  std::ifstream in(file);
  if (!in) return Error{ErrorKind::not_found, "no run record at " + file.string() + " (did the run-start fixture run?)"};
  const auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("dir") || !j["dir"].is_string() || !j.contains("run_id") ||
      !j["run_id"].is_string())
    return Error{ErrorKind::config, file.string() + " is not a run record"};
  RunInfo run{j["run_id"].get<std::string>(), fs::absolute(folder), fs::path(j["dir"].get<std::string>()),
              j.value("started_utc", "")};
  return run;
}

Result<RunInfo> current_run(const Config& cfg, Clock& clock) {
  auto folder = run_folder(cfg.environ());
  if (!folder) return folder.error();
  auto run = load_run(folder.value());
  if (run || run.error().kind != ErrorKind::not_found) return run;
  return start_run(folder.value(), cfg.get("EVIDENCE_DIR").value_or(""), clock);
}

}  // namespace infra_dod
