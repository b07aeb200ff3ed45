#include "runtime/evidence.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "runtime/secrets.h"
#include "runtime/text.h"

namespace infra_dod {
namespace fs = std::filesystem;

Result<fs::path> append_line(const fs::path& file, const std::string& line) {
  std::string data = line;
  if (data.empty() || data.back() != '\n') data += '\n';
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return Error{ErrorKind::internal, "cannot open " + file.string() + ": " + std::strerror(errno)};
  const ssize_t n = ::write(fd, data.data(), data.size());
  const int saved = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(data.size()))
    return Error{ErrorKind::internal, "short write to " + file.string() + ": " + std::strerror(saved)};
  return file;
}

Result<RunInfo> start_run(const fs::path& root, const fs::path& run_file, Clock& clock) {
  RunInfo run;
  run.run_id = random_hex(4);
  run.started_utc = utc_iso(clock.utc_now());
  run.dir = root / (utc_compact(clock.utc_now()) + "-" + run.run_id);
  std::error_code ec;
  fs::create_directories(run.dir, ec);
  if (ec) return Error{ErrorKind::config, "cannot create evidence folder " + run.dir.string() + ": " + ec.message()};
  run.dir = fs::absolute(run.dir);
  if (!run_file.empty()) {
    const nlohmann::json j = {{"run_id", run.run_id}, {"dir", run.dir.string()}, {"started_utc", run.started_utc}};
    const fs::path tmp = run_file.string() + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << j.dump() << "\n";
      if (!out) return Error{ErrorKind::config, "cannot write " + tmp.string()};
    }
    fs::rename(tmp, run_file, ec);
    if (ec) return Error{ErrorKind::config, "cannot write " + run_file.string() + ": " + ec.message()};
  }
  return run;
}

Result<RunInfo> current_run(const Config& cfg, Clock& clock) {
  const auto& env = cfg.environ();
  if (auto it = env.find("INFRA_DOD_RUN_FILE"); it != env.end() && !it->second.empty()) {
    std::ifstream in(it->second);
    if (in) {
      auto j = nlohmann::json::parse(in, nullptr, false);
      if (j.is_discarded() || !j.contains("dir"))
        return Error{ErrorKind::config, it->second + " (INFRA_DOD_RUN_FILE) is not a run record"};
      RunInfo run{j.value("run_id", ""), fs::path(j.value("dir", "")), j.value("started_utc", "")};
      std::error_code ec;
      fs::create_directories(run.dir, ec);
      return run;
    }
  }
  const fs::path root = cfg.get("EVIDENCE_DIR").value_or("evidence");
  return start_run(root, {}, clock);
}

std::string operator_name(const Config& cfg) {
  if (auto op = cfg.get("INFRA_DOD_OPERATOR")) return *op;
  for (const char* var : {"USER", "LOGNAME"})
    if (auto it = cfg.environ().find(var); it != cfg.environ().end() && !it->second.empty()) return it->second;
  return "unknown";
}

Evidence::Evidence(RunInfo run, std::string environment, std::string operator_name_, Clock& clock)
    : run_(std::move(run)), environment_(std::move(environment)), operator_(std::move(operator_name_)), clock_(clock) {}

Result<Evidence> Evidence::for_current_run(const Config& cfg, Clock& clock) {
  auto run = current_run(cfg, clock);
  if (!run) return run.error();
  SecretRegistry::process().persist_to(run->dir / "secret-fingerprints.jsonl");
  return Evidence(run.value(), cfg.value("INFRA_DOD_ENVIRONMENT"), operator_name(cfg), clock);
}

nlohmann::json Evidence::stamp(const std::string& dod_item) const {
  return {{"utc", utc_iso(clock_.utc_now())},
          {"run_id", run_.run_id},
          {"dod_item", dod_item},
          {"environment", environment_},
          {"operator", operator_}};
}

Result<fs::path> Evidence::append(const std::string& file, const std::string& dod_item, nlohmann::json fields) const {
  nlohmann::json line = stamp(dod_item);
  if (fields.is_object()) {
    for (auto& [k, v] : fields.items()) line[k] = v;
  } else {
    line["value"] = fields;
  }
  std::string name = file;
  if (name.find('.') == std::string::npos) name += ".jsonl";
  const std::string text = SecretRegistry::process().mask(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  return append_line(run_.dir / name, text);
}

Result<fs::path> Evidence::write_file(const std::string& name, const std::string& content) const {
  const fs::path path = run_.dir / name;
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << SecretRegistry::process().mask(content);
    if (!out) return Error{ErrorKind::internal, "cannot write " + path.string()};
  }
  fs::rename(tmp, path, ec);
  if (ec) return Error{ErrorKind::internal, "cannot write " + path.string() + ": " + ec.message()};
  return path;
}

}  // namespace infra_dod
