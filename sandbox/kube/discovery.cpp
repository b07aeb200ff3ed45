#include "kube/discovery.h"

#include <algorithm>

namespace infra_dod::sandbox::kube {

namespace {

json group_document(const std::string& group) {
  json versions = json::array();
  for (const auto& t : resource_types())
    if (t.group == group && std::none_of(versions.begin(), versions.end(), [&](const json& v) {
          return v["version"] == t.version;
        }))
      versions.push_back({{"groupVersion", t.group_version()}, {"version", t.version}});
  return {{"name", group}, {"versions", versions}, {"preferredVersion", versions.at(0)}};
}

}  // namespace

json api_versions(int port) {
  return {{"kind", "APIVersions"},
          {"versions", {"v1"}},
          {"serverAddressByClientCIDRs",
           {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", "127.0.0.1:" + std::to_string(port)}}}}};
}

json api_group_list() {
  json groups = json::array();
  for (const auto& t : resource_types()) {
    if (t.group.empty()) continue;
    if (std::any_of(groups.begin(), groups.end(), [&](const json& g) { return g["name"] == t.group; })) continue;
    groups.push_back(group_document(t.group));
  }
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

json api_group(const std::string& group) {
  for (const auto& t : resource_types())
    if (!t.group.empty() && t.group == group) {
      json doc = group_document(t.group);
      doc["kind"] = "APIGroup";
      doc["apiVersion"] = "v1";
      return doc;
    }
  return nullptr;
}

json api_resource_list(const std::string& group_version) {
  json resources = json::array();
  for (const auto& t : resource_types()) {
    if (t.group_version() != group_version) continue;
    json r = {{"name", t.plural},
              {"singularName", t.singular},
              {"namespaced", t.namespaced},
              {"kind", t.kind},
              {"verbs",
               t.namespaced ? json{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
                            : json{"create", "delete", "get", "list", "patch", "update", "watch"}}};
    if (!t.short_names.empty()) r["shortNames"] = t.short_names;
    if (!t.categories.empty()) r["categories"] = t.categories;
    resources.push_back(r);
  }
  if (resources.empty()) return nullptr;
  return {{"kind", "APIResourceList"}, {"apiVersion", "v1"}, {"groupVersion", group_version}, {"resources", resources}};
}

}  // namespace infra_dod::sandbox::kube
