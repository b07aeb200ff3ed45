#include "kube/api.h"

#include "runtime/crypto.h"
#include "runtime/text.h"
#include "service.h"

namespace infra_dod::sandbox::kube {

const std::vector<ResourceType>& resource_types() {
  static const std::vector<ResourceType> types = {
      {"", "v1", "namespaces", "namespace", "Namespace", false, {"ns"}, {}},
      {"", "v1", "services", "service", "Service", true, {"svc"}, {"all"}},
      {"", "v1", "endpoints", "endpoints", "Endpoints", true, {"ep"}, {}},
      {"", "v1", "secrets", "secret", "Secret", true, {}, {}},
      {"", "v1", "pods", "pod", "Pod", true, {"po"}, {"all"}},
      {"apps", "v1", "deployments", "deployment", "Deployment", true, {"deploy"}, {"all"}},
      {"apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, {"rs"}, {"all"}},
      {"discovery.k8s.io", "v1", "endpointslices", "endpointslice", "EndpointSlice", true, {}, {}},
      {"networking.k8s.io", "v1", "ingresses", "ingress", "Ingress", true, {"ing"}, {}},
  };
  return types;
}

const ResourceType* find_type(const std::string& group_version, const std::string& plural) {
  for (const auto& t : resource_types())
    if (t.group_version() == group_version && t.plural == plural) return &t;
  return nullptr;
}

const ResourceType* find_kind(const std::string& api_version, const std::string& kind) {
  for (const auto& t : resource_types())
    if (t.group_version() == api_version && t.kind == kind) return &t;
  return nullptr;
}

std::string object_key(const ResourceType& t, const std::string& ns, const std::string& name) {
  return t.group_version() + "/" + (t.namespaced ? ns + "/" : "") + t.plural + "/" + name;
}

std::string str_field(const json& j, const json::json_pointer& p) {
  return j.contains(p) && j[p].is_string() ? j[p].get<std::string>() : std::string();
}

std::string name_of(const json& obj) { return str_field(obj, "/metadata/name"_json_pointer); }
std::string namespace_of(const json& obj) { return str_field(obj, "/metadata/namespace"_json_pointer); }

std::string rfc3339_now() {
  std::string s = utc_iso(std::chrono::system_clock::now());
  if (auto dot = s.find('.'); dot != std::string::npos) s = s.substr(0, dot) + "Z";
  return s;
}

std::string new_uid() {
  const std::string h = random_hex(16);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

std::string reason_for(int status) {
  switch (status) {
    case 400: return "BadRequest";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "NotFound";
    case 405: return "MethodNotAllowed";
    case 406: return "NotAcceptable";
    case 409: return "Conflict";
    case 410: return "Expired";
    case 415: return "UnsupportedMediaType";
    case 422: return "Invalid";
    case 429: return "TooManyRequests";
    case 500: return "InternalError";
    case 503: return "ServiceUnavailable";
    case 504: return "Timeout";
    default: return status >= 500 ? "InternalError" : "Unknown";
  }
}

json status_body(int code, const std::string& reason, const std::string& message, json details) {
  return {{"kind", "Status"},   {"apiVersion", "v1"},  {"metadata", json::object()}, {"status", "Failure"},
          {"message", message}, {"reason", reason},    {"details", std::move(details)}, {"code", code}};
}

json status_details(const ResourceType& t, const std::string& name) {
  json d = {{"name", name}, {"kind", t.plural}};
  if (!t.group.empty()) d["group"] = t.group;
  return d;
}

void reply(httplib::Response& res, int status, const json& body) { reply_json(res, status, body, "application/json"); }

void reply_not_found(httplib::Response& res, const ResourceType& t, const std::string& name) {
  reply(res, 404,
        status_body(404, "NotFound", t.qualified() + " \"" + name + "\" not found", status_details(t, name)));
}

void reply_no_route(httplib::Response& res) {
  reply(res, 404, status_body(404, "NotFound", "the server could not find the requested resource"));
}

}  // namespace infra_dod::sandbox::kube
