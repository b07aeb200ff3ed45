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
  SecretRegistry::process().persist_to(fingerprint_file(run.value()));
  return Evidence(run.value(), cfg.value("INFRA_DOD_ENVIRONMENT"), operator_name(cfg), clock);
}

nlohmann::json Evidence::stamp(const std::string& dod_item) const {
  return {{"utc", utc_iso(clock_.utc_now())},
          {"run_id", run_.run_id},
          {"dod_item", dod_item},
          {"environment", environment_},
          {"operator", operator_}};
}

fs::path fingerprint_file(const RunInfo& run) { return run.folder / "secret-fingerprints.jsonl"; }

namespace {

// Every string in the tree masked in place, keys included: a value masked before encoding cannot
// come out escaped, or with a byte lost to an invalid-UTF-8 replacement, past the mask.
void mask_strings(nlohmann::json& j) {
  if (j.is_string()) {
    j = SecretRegistry::process().mask(j.get_ref<const std::string&>());
  } else if (j.is_array()) {
    for (auto& v : j) mask_strings(v);
  } else if (j.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (auto& [k, v] : j.items()) {
      mask_strings(v);
      out[SecretRegistry::process().mask(k)] = std::move(v);
    }
    j = std::move(out);
  }
}

}  // namespace

Result<fs::path> Evidence::append(const std::string& file, const std::string& dod_item, nlohmann::json fields) const {
  nlohmann::json line = stamp(dod_item);
  if (fields.is_object()) {
    for (auto& [k, v] : fields.items()) line[k] = v;
  } else {
    line["value"] = fields;
  }
  std::string name = file;
  if (name.find('.') == std::string::npos) name += ".jsonl";
  mask_strings(line);
  // Masked again once encoded: the escaped forms are registered too.
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
