#include "rules/arm_id.h"

#include <vector>

#include "runtime/text.h"
#include "runtime/json_field.h"

namespace infra_dod {

std::optional<ArmId> parse_arm_id(std::string_view id) {
  if (id.empty() || id.front() != '/') return std::nullopt;
  std::vector<std::string> segs;
  std::size_t start = 1;
  while (start <= id.size()) {
    const auto end = id.find('/', start);
    const auto seg = id.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (seg.empty()) return std::nullopt;  // "//" or a trailing slash
    segs.emplace_back(seg);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  // subscriptions S resourceGroups RG providers NS TYPE NAME (TYPE NAME)*
  if (segs.size() < 8 || segs.size() % 2 != 0 || !iequals(segs[0], "subscriptions") ||
      !iequals(segs[2], "resourceGroups") || !iequals(segs[4], "providers"))
    return std::nullopt;
  ArmId out{segs[1], segs[3], segs[5], segs[6], segs.back()};
  for (std::size_t i = 8; i + 1 < segs.size(); i += 2) out.type += "/" + segs[i];
  return out;
}

std::optional<std::string> provider_api_version(const nlohmann::json& provider, const std::string& type) {
  if (!provider.is_object() || !provider.contains("resourceTypes") || !provider["resourceTypes"].is_array())
    return std::nullopt;
  for (const auto& t : provider["resourceTypes"]) {
    if (!t.is_object() || !iequals(field(t, "resourceType", ""), type)) continue;
    std::optional<std::string> preview;
    for (const auto& v : field(t, "apiVersions", nlohmann::json::array())) {
      if (!v.is_string()) continue;
      const std::string version = v.get<std::string>();
      if (to_lower(version).find("preview") == std::string::npos) return version;
      if (!preview) preview = version;
    }
    return preview;
  }
  return std::nullopt;
}

}  // namespace infra_dod
