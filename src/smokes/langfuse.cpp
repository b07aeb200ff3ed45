#include "smokes/langfuse.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "runtime/secrets.h"

namespace infra_dod {

Result<LangfuseEndpoint> LangfuseEndpoint::open(const Config& cfg) {
  LangfuseEndpoint endpoint(cfg);
  if (auto base = cfg.get("LANGFUSE_BASE_URL")) {
    endpoint.base_ = *base;
    while (!endpoint.base_.empty() && endpoint.base_.back() == '/') endpoint.base_.pop_back();
    return endpoint;
  }
  auto started = endpoint.forward();
  if (!started) return started.error();
  return endpoint;
}

Result<bool> LangfuseEndpoint::forward() {
  if (forward_) forward_->close();
  forward_.reset();
  const Kubectl kubectl(*cfg_);
  auto pf = PortForward::open(kubectl, cfg_->value("LANGFUSE_NAMESPACE"), cfg_->value("LANGFUSE_SERVICE"),
                              static_cast<int>(cfg_->integer("LANGFUSE_SERVICE_PORT")),
                              std::chrono::seconds(cfg_->integer("LANGFUSE_PORT_FORWARD_TIMEOUT_S")));
  if (!pf)
    return Error{pf.error().kind, "LANGFUSE_BASE_URL is unset and " + pf.error().message};
  forward_ = std::shared_ptr<PortForward>(std::move(pf.value()));
  base_ = forward_->url();
  ++forwards_started_;
  return true;
}

Result<bool> LangfuseEndpoint::reopen() {
  if (!forward_) return true;
  return forward();
}

nlohmann::json LangfuseEndpoint::describe() const {
  if (!forward_) return {{"langfuse_source", "LANGFUSE_BASE_URL"}, {"base_url", base_}};
  return {{"langfuse_source", "port-forward"},
          {"port_forward_command", forward_->command_line()},
          {"port_forward_local_port", forward_->local_port()},
          {"port_forwards_started", forwards_started_}};
}

HttpRequest configured_request(const Config& cfg, std::string method, std::string url) {
  HttpRequest req;
  req.method = std::move(method);
  req.url = std::move(url);
  req.connect_timeout = std::chrono::seconds(cfg.integer("INFRA_DOD_HTTP_CONNECT_TIMEOUT_S"));
  req.max_body_bytes = static_cast<std::size_t>(cfg.integer("INFRA_DOD_HTTP_MAX_BODY_MIB")) << 20;
  req.total_timeout = std::chrono::seconds(cfg.integer("INFRA_DOD_HTTP_TIMEOUT_S"));
  req.max_attempts = static_cast<int>(cfg.integer("INFRA_DOD_HTTP_MAX_ATTEMPTS"));
  return req;
}

namespace {

// The file's non-empty lines.
Result<std::vector<std::string>> read_lines(const std::filesystem::path& file, std::string* text_out = nullptr) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error{ErrorKind::config, "cannot read " + file.string() + ": " + std::strerror(errno)};
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  std::vector<std::string> lines;
  for (std::size_t at = 0; at < text.size();) {
    auto end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    if (end > at) lines.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  if (text_out) *text_out = text;
  return lines;
}

}  // namespace

Result<std::optional<ArtifactFile>> ArtifactFile::open(const Config& cfg, const std::string& variable) {
  const auto value = cfg.get(variable);
  if (!value) return std::optional<ArtifactFile>{};
  const std::filesystem::path file = *value;
  const std::string where = variable + " (" + file.string() + ")";
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    if (errno != ENOENT) return Error{ErrorKind::config, where + ": " + std::strerror(errno)};
    const std::filesystem::path folder = file.parent_path().empty() ? "." : file.parent_path();
    if (::access(folder.c_str(), W_OK) != 0)
      return Error{ErrorKind::config, where + " cannot be created: its folder " + folder.string() + ": " + std::strerror(errno)};
    return std::optional<ArtifactFile>(ArtifactFile(variable, file, 0));
  }
  if (!S_ISREG(st.st_mode)) return Error{ErrorKind::config, where + " is not a regular file"};
  // Root may write through a mode without write bits; an operator who made the file read-only
  // meant it to stay as it is.
  if ((st.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) == 0 || ::access(file.c_str(), W_OK) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Error{ErrorKind::config, where + " is not writable (mode " + mode +
                                        "): the smoke appends to it and never changes its permissions"};
  }
  std::string text;
  auto lines = read_lines(file, &text);
  if (!lines) return Error{ErrorKind::config, where + ": " + lines.error().message};
  if (auto problem = json_lines_problem(text))
    return Error{ErrorKind::config, where + " is not a JSON-lines file: " + *problem +
                                        "; the smoke appends only to JSON lines and never rewrites a file"};
  return std::optional<ArtifactFile>(ArtifactFile(variable, file, lines->size()));
}

Result<bool> ArtifactFile::append(const std::string& line) const {
  auto a = append_line(path_, line);
  if (!a) return Error{a.error().kind, "cannot append to " + variable_ + ": " + a.error().message};
  return true;
}

ArtifactParity ArtifactFile::check(const std::vector<nlohmann::json>& printed, const std::vector<std::string>& echoed) const {
  auto lines = read_lines(path_);
  ArtifactParity parity = check_artifact_parity(lines_before_, lines ? lines.value() : std::vector<std::string>{},
                                                printed, echoed);
  if (!lines) parity.findings.push_back({"artifact readable after the run", false, "readable", lines.error().message, ""});
  parity.record["artifact_variable"] = variable_;
  parity.record["artifact_file"] = path_.string();
  return parity;
}

PrintedLine print_smoke_line(const Evidence& ev, const std::string& evidence_name, const std::string& dod_item,
                             const nlohmann::json& fields, const ArtifactFile* artifact) {
  nlohmann::json stamped = ev.stamp(dod_item);
  stamped.update(fields);
  const std::string text =
      SecretRegistry::process().mask(stamped.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  PrintedLine out;
  out.line = nlohmann::json::parse(text, nullptr, false);
  if (out.line.is_discarded()) out.line = nlohmann::json::object();
  std::printf("%s\n", text.c_str());
  std::fflush(stdout);
  if (auto f = ev.append(evidence_name, dod_item, out.line)) out.evidence_file = f.value();
  if (artifact)
    if (auto a = artifact->append(text); !a) out.artifact_error = a.error().message;
  return out;
}

Judgement judge_with_artifact(Judgement j, const ArtifactFile* artifact, const Evidence& ev,
                              const std::string& dod_item, const std::vector<nlohmann::json>& printed,
                              const std::vector<std::string>& echoed, SmokeResult& out) {
  if (!artifact) return j;
  const auto parity = artifact->check(printed, echoed);
  if (auto f = ev.append("artifact-parity", dod_item, parity.record)) out.evidence.push_back(f.value());
  out.evidence.push_back(artifact->path());
  return with_parity(std::move(j), parity);
}

Result<nlohmann::json> fill_template(const std::string& name, const std::map<std::string, std::string>& values) {
  const std::filesystem::path file = std::filesystem::path(INFRA_DOD_FIXTURES_DIR) / name;
  std::ifstream in(file);
  if (!in) return Error{ErrorKind::config, "cannot read the payload template " + file.string()};
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  for (const auto& [key, value] : values) {
    const std::string mark = "{{" + key + "}}";
    std::string escaped = nlohmann::json(value).dump();
    escaped = escaped.substr(1, escaped.size() - 2);
    for (auto at = text.find(mark); at != std::string::npos; at = text.find(mark, at + escaped.size()))
      text.replace(at, mark.size(), escaped);
  }
  if (const auto left = text.find("{{"); left != std::string::npos)
    return Error{ErrorKind::config, file.string() + ": no value for " + text.substr(left, text.find("}}", left) - left + 2)};
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return Error{ErrorKind::config, file.string() + " is not JSON once filled"};
  return j;
}

}  // namespace infra_dod
