#include "smokes/langfuse.h"

#include <fstream>
#include <sstream>

#include "runtime/secrets.h"

namespace infra_dod {

Result<std::string> langfuse_base_url(const Config& cfg) {
  auto base = cfg.require("LANGFUSE_BASE_URL");
  if (!base)
    return Error{base.error().kind,
                 base.error().message + " (the in-VNet LangFuse URL; starting a port-forward by itself is not implemented yet)"};
  std::string url = base.value();
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
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

Result<bool> append_artifact(const Config& cfg, const std::string& variable, const Evidence& ev,
                             const std::string& dod_item, const nlohmann::json& line) {
  const auto artifact = cfg.get(variable);
  if (!artifact) return false;
  nlohmann::json stamped = ev.stamp(dod_item);
  stamped.update(line);
  auto a = append_line(*artifact, SecretRegistry::process().mask(
                                      stamped.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
  if (!a) return Error{a.error().kind, "cannot append to " + variable + ": " + a.error().message};
  return true;
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
