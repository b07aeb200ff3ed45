#pragma once
// The API surface the Kubernetes emulator serves (the schema, not data), and the API server's
// Status replies, shared by its discovery, store, watch, patch and rollout parts.
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace infra_dod::sandbox::kube {

using nlohmann::json;

struct ResourceType {
  std::string group;
  std::string version;
  std::string plural;
  std::string singular;
  std::string kind;
  bool namespaced;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;

  std::string group_version() const { return group.empty() ? version : group + "/" + version; }
  // deployments.apps, secrets: how the API server names the resource in its messages.
  std::string qualified() const { return group.empty() ? plural : plural + "." + group; }
};

const std::vector<ResourceType>& resource_types();
const ResourceType* find_type(const std::string& group_version, const std::string& plural);
const ResourceType* find_kind(const std::string& api_version, const std::string& kind);
// The store's key: "<apiVersion>/<namespace>/<plural>/<name>", no namespace when cluster-scoped.
std::string object_key(const ResourceType& t, const std::string& ns, const std::string& name);

std::string str_field(const json& j, const json::json_pointer& p);
std::string name_of(const json& obj);
std::string namespace_of(const json& obj);
// Kubernetes timestamps are RFC 3339 to the second.
std::string rfc3339_now();
std::string new_uid();

// The Status reason the API server gives for an HTTP status.
std::string reason_for(int status);
json status_body(int code, const std::string& reason, const std::string& message, json details = json::object());
json status_details(const ResourceType& t, const std::string& name);
void reply(httplib::Response& res, int status, const json& body);
void reply_not_found(httplib::Response& res, const ResourceType& t, const std::string& name);
void reply_no_route(httplib::Response& res);

}  // namespace infra_dod::sandbox::kube
