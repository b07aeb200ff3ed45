// Emulated Kubernetes API server, good enough for the real kubectl (plain http, no auth): legacy
// discovery, GET/LIST/WATCH/PATCH/DELETE on the resources the harness reads, and a deployment
// controller that moves a rollout through its ReplicaSets over time.
//
// Scenario section "kube":
//   "version":  the /version document (absent: /version is 404 and kubectl's dispatcher falls
//               back to its default client).
//   "objects":  every stored object, keyed "<apiVersion>/<namespace>/<plural>/<name>"
//               (cluster-scoped: "<apiVersion>/<plural>/<name>", e.g. "v1/namespaces/default"),
//               each as the API server returns it. The key is for merge patches of fault
//               scenarios; identity comes from the object's apiVersion, kind and metadata.
//               resourceVersion is assigned at load; uid and creationTimestamp when absent.
//   "rollout_ms":      how long a Deployment rollout takes (default 1000).
//   "rollout_outcome": "complete" (default), "stall" (the first new pod never becomes ready) or
//                      "progress_deadline_exceeded" (at rollout_ms the Progressing condition
//                      turns False with reason ProgressDeadlineExceeded).
//   "faults":          the generic fault injection of every sandbox service.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

#include "runtime/crypto.h"
#include "runtime/text.h"
#include "service.h"

namespace infra_dod::sandbox {
namespace {

using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

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

// The API surface this server implements (the schema, not data).
const std::vector<ResourceType>& resource_types() {
  static const std::vector<ResourceType> types = {
      {"", "v1", "namespaces", "namespace", "Namespace", false, {"ns"}, {}},
      {"", "v1", "services", "service", "Service", true, {"svc"}, {"all"}},
      {"", "v1", "endpoints", "endpoints", "Endpoints", true, {"ep"}, {}},
      {"", "v1", "secrets", "secret", "Secret", true, {}, {}},
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

// Kubernetes timestamps are RFC 3339 to the second.
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

json status_body(int code, const std::string& reason, const std::string& message, json details = json::object()) {
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

// Drops nulls and empty maps/lists, which a typed client round trip adds or removes (a template
// sent back by kubectl carries "creationTimestamp": null, "resources": {}), so two templates the
// real server would default to the same object compare equal.
json normalized(const json& j) {
  if (j.is_object()) {
    json out = json::object();
    for (auto& [k, v] : j.items()) {
      json n = normalized(v);
      if (n.is_null() || (n.is_object() && n.empty()) || (n.is_array() && n.empty())) continue;
      out[k] = std::move(n);
    }
    return out;
  }
  if (j.is_array()) {
    json out = json::array();
    for (const auto& v : j) out.push_back(normalized(v));
    return out;
  }
  return j;
}

json template_without_hash(json tmpl) {
  if (tmpl.contains("/metadata/labels"_json_pointer)) tmpl["metadata"]["labels"].erase("pod-template-hash");
  return normalized(tmpl);
}

// The controller's pod-template-hash: a stable digest of the template in the alphabet the real
// controller uses for generated names (no vowels, no look-alike digits).
std::string pod_template_hash(const json& tmpl) {
  static const std::string alphabet = "bcdfghjklmnpqrstvwxz2456789";
  const std::string digest = sha256_hex(template_without_hash(tmpl).dump());
  std::string out;
  for (std::size_t i = 0; i < 10; ++i) {
    const auto byte = std::stoul(digest.substr(i * 2, 2), nullptr, 16);
    out += alphabet[byte % alphabet.size()];
  }
  return out;
}

// Replica counters are omitted when zero, as the real API server serialises them.
void set_count(json& status, const char* key, long n) {
  if (n > 0) {
    status[key] = n;
  } else {
    status.erase(key);
  }
}

long desired_replicas(const json& obj) {
  return obj.contains("/spec/replicas"_json_pointer) ? obj["spec"]["replicas"].get<long>() : 1;
}

long revision_of(const json& obj) {
  const std::string r = str_field(obj, "/metadata/annotations/deployment.kubernetes.io~1revision"_json_pointer);
  try {
    return r.empty() ? 0 : std::stol(r);
  } catch (const std::exception&) {
    return 0;
  }
}

void set_condition(json& obj, const std::string& type, const std::string& status, const std::string& reason,
                   const std::string& message) {
  json& conditions = obj["status"]["conditions"];
  if (!conditions.is_array()) conditions = json::array();
  const std::string now = rfc3339_now();
  for (auto& c : conditions) {
    if (c.value("type", "") != type) continue;
    if (c.value("status", "") != status) c["lastTransitionTime"] = now;
    c["status"] = status;
    c["reason"] = reason;
    c["message"] = message;
    c["lastUpdateTime"] = now;
    return;
  }
  conditions.push_back({{"type", type},
                        {"status", status},
                        {"reason", reason},
                        {"message", message},
                        {"lastTransitionTime", now},
                        {"lastUpdateTime", now}});
}

// --- selectors -------------------------------------------------------------------------------

struct LabelRequirement {
  enum class Op { equals, not_equals, exists, not_exists, in, not_in } op = Op::exists;
  std::string key;
  std::set<std::string> values;
};

std::vector<std::string> split_top_level(const std::string& s) {
  std::vector<std::string> parts;
  std::string cur;
  int depth = 0;
  for (char c : s) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      parts.push_back(trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!trim(cur).empty()) parts.push_back(trim(cur));
  return parts;
}

std::optional<std::vector<LabelRequirement>> parse_label_selector(const std::string& selector) {
  std::vector<LabelRequirement> reqs;
  for (const auto& term : split_top_level(selector)) {
    if (term.empty()) return std::nullopt;
    LabelRequirement r;
    if (term[0] == '!') {
      r.op = LabelRequirement::Op::not_exists;
      r.key = trim(term.substr(1));
    } else if (auto paren = term.find('('); paren != std::string::npos) {
      const auto close = term.rfind(')');
      if (close == std::string::npos || close < paren) return std::nullopt;
      std::istringstream head(term.substr(0, paren));
      std::string op;
      head >> r.key >> op;
      if (op == "in") {
        r.op = LabelRequirement::Op::in;
      } else if (op == "notin") {
        r.op = LabelRequirement::Op::not_in;
      } else {
        return std::nullopt;
      }
      for (const auto& v : split_list(term.substr(paren + 1, close - paren - 1))) r.values.insert(v);
    } else if (auto ne = term.find("!="); ne != std::string::npos) {
      r.op = LabelRequirement::Op::not_equals;
      r.key = trim(term.substr(0, ne));
      r.values.insert(trim(term.substr(ne + 2)));
    } else if (auto eq = term.find('='); eq != std::string::npos) {
      r.op = LabelRequirement::Op::equals;
      r.key = trim(term.substr(0, eq));
      const std::size_t skip = term.compare(eq, 2, "==") == 0 ? 2 : 1;
      r.values.insert(trim(term.substr(eq + skip)));
    } else {
      r.op = LabelRequirement::Op::exists;
      r.key = term;
    }
    if (r.key.empty()) return std::nullopt;
    reqs.push_back(std::move(r));
  }
  return reqs;
}

bool labels_match(const json& obj, const std::vector<LabelRequirement>& reqs) {
  static const json none = json::object();
  const json& labels = obj.contains("/metadata/labels"_json_pointer) ? obj["metadata"]["labels"] : none;
  for (const auto& r : reqs) {
    const bool has = labels.contains(r.key);
    const std::string value = has && labels[r.key].is_string() ? labels[r.key].get<std::string>() : "";
    switch (r.op) {
      case LabelRequirement::Op::equals:
      case LabelRequirement::Op::in:
        if (!has || !r.values.count(value)) return false;
        break;
      case LabelRequirement::Op::not_equals:
      case LabelRequirement::Op::not_in:
        if (has && r.values.count(value)) return false;
        break;
      case LabelRequirement::Op::exists:
        if (!has) return false;
        break;
      case LabelRequirement::Op::not_exists:
        if (has) return false;
        break;
    }
  }
  return true;
}

struct FieldRequirement {
  json::json_pointer field;
  std::string value;
  bool negate;
};

// The field labels the real server supports for every type, plus the type-specific ones used here.
std::optional<json::json_pointer> field_pointer(const ResourceType& t, const std::string& label) {
  if (label == "metadata.name") return "/metadata/name"_json_pointer;
  if (label == "metadata.namespace") return "/metadata/namespace"_json_pointer;
  if (t.kind == "Secret" && label == "type") return "/type"_json_pointer;
  if (t.kind == "Namespace" && label == "status.phase") return "/status/phase"_json_pointer;
  return std::nullopt;
}

struct Selectors {
  std::vector<LabelRequirement> labels;
  std::vector<FieldRequirement> fields;
};

bool matches(const json& obj, const Selectors& sel) {
  if (!labels_match(obj, sel.labels)) return false;
  for (const auto& f : sel.fields) {
    const bool equal = str_field(obj, f.field) == f.value;
    if (equal == f.negate) return false;
  }
  return true;
}

// --- the server --------------------------------------------------------------------------------

struct Stored {
  json obj;
  std::uint64_t created_rv = 0;
};

struct Tombstone {
  std::string key;
  json obj;
  std::uint64_t created_rv = 0;
  std::uint64_t deleted_rv = 0;
};

struct Rollout {
  std::uint64_t id = 0;
  SteadyClock::time_point start;
  int next_step = 0;
  std::string new_rs_key;
  std::string previous_rs_key;
};

struct Watch {
  const ResourceType* type = nullptr;
  std::string ns;
  Selectors selectors;
  std::map<std::string, std::uint64_t> known;  // object key -> last resourceVersion sent
  std::uint64_t seen_change = 0;
  bool first = true;
  SteadyClock::time_point deadline;
  SteadyClock::time_point last_write;
};

class KubeService final : public Service {
 public:
  explicit KubeService(Shared& shared) : Service(shared, "kube") {
    load();
    controller_ = std::thread([this] { run_controller(); });
  }

  ~KubeService() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    changed_.notify_all();
    controller_wake_.notify_all();
    stop();
    if (controller_.joinable()) controller_.join();
  }

 protected:
  void reset_state() override {
    std::lock_guard lock(mu_);
    load();
  }

  json fault_body(int status, const std::string& code, const std::string& message) const override {
    return status_body(status, code.empty() ? reason_for(status) : code, message);
  }

  void routes(httplib::Server& server) override {
    server.Get("/version", [this](const httplib::Request& req, httplib::Response& res) {
      plain(req);
      const auto& version = shared_.section("kube").value("version", json());
      if (version.is_object()) {
        reply(res, 200, version);
      } else {
        reply_no_route(res);
      }
    });
    server.Get("/api", [this](const httplib::Request& req, httplib::Response& res) {
      plain(req);
      reply(res, 200,
            {{"kind", "APIVersions"},
             {"versions", {"v1"}},
             {"serverAddressByClientCIDRs",
              {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", "127.0.0.1:" + std::to_string(port())}}}}});
    });
    server.Get("/apis", [](const httplib::Request& req, httplib::Response& res) {
      plain(req);
      json groups = json::array();
      for (const auto& t : resource_types()) {
        if (t.group.empty()) continue;
        if (std::any_of(groups.begin(), groups.end(), [&](const json& g) { return g["name"] == t.group; })) continue;
        groups.push_back(group_document(t.group));
      }
      reply(res, 200, {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}});
    });
    const auto api = [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); };
    server.Get(R"(/apis?/.+)", api);
    server.Patch(R"(/apis?/.+)", api);
    server.Delete(R"(/apis?/.+)", api);
  }

 private:
  // The real API server does not compress small bodies, and a compressed watch would sit in
  // the compressor's buffer instead of reaching the client; the handler owns the request object
  // httplib hands it as const, so dropping the header keeps every answer uncompressed.
  static void plain(const httplib::Request& req) { const_cast<httplib::Request&>(req).headers.erase("Accept-Encoding"); }

  static json group_document(const std::string& group) {
    json versions = json::array();
    for (const auto& t : resource_types())
      if (t.group == group && std::none_of(versions.begin(), versions.end(), [&](const json& v) {
            return v["version"] == t.version;
          }))
        versions.push_back({{"groupVersion", t.group_version()}, {"version", t.version}});
    return {{"name", group}, {"versions", versions}, {"preferredVersion", versions.at(0)}};
  }

  static json resource_list(const std::string& group_version) {
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
    return {{"kind", "APIResourceList"}, {"apiVersion", "v1"}, {"groupVersion", group_version}, {"resources", resources}};
  }

  // /api/v1[/namespaces/NS]/PLURAL[/NAME] and /apis/GROUP/VERSION/...
  void handle(const httplib::Request& req, httplib::Response& res) {
    plain(req);
    std::vector<std::string> seg;
    for (const auto& s : split_list(req.path, '/')) seg.push_back(s);
    std::string group_version;
    std::size_t i = 0;
    if (seg.size() >= 2 && seg[0] == "api" && seg[1] == "v1") {
      group_version = "v1";
      i = 2;
    } else if (seg.size() >= 3 && seg[0] == "apis") {
      group_version = seg[1] + "/" + seg[2];
      i = 3;
    } else if (seg.size() == 2 && seg[0] == "apis" && req.method == "GET") {
      for (const auto& t : resource_types())
        if (t.group == seg[1]) {
          json doc = group_document(t.group);
          doc["kind"] = "APIGroup";
          doc["apiVersion"] = "v1";
          return reply(res, 200, doc);
        }
      return reply_no_route(res);
    } else {
      return reply_no_route(res);
    }
    const std::vector<std::string> rest(seg.begin() + static_cast<std::ptrdiff_t>(i), seg.end());
    if (rest.empty()) {
      json doc = resource_list(group_version);
      if (doc["resources"].empty() || req.method != "GET") return reply_no_route(res);
      return reply(res, 200, doc);
    }
    std::string ns;
    std::string plural;
    std::string name;
    if (rest.size() >= 3 && rest[0] == "namespaces") {
      if (rest.size() > 4) return reply_no_route(res);  // subresources are not served
      ns = rest[1];
      plural = rest[2];
      if (rest.size() == 4) name = rest[3];
    } else if (rest.size() <= 2) {
      plural = rest[0];
      if (rest.size() == 2) name = rest[1];
    } else {
      return reply_no_route(res);
    }
    const ResourceType* type = find_type(group_version, plural);
    if (!type || (!type->namespaced && !ns.empty())) return reply_no_route(res);
    if (!type->namespaced && !name.empty()) ns.clear();
    if (type->namespaced && !name.empty() && ns.empty()) return reply_no_route(res);
    const bool dry_run = req.get_param_value("dryRun") == "All";
    if (req.method == "GET" && name.empty()) return list_or_watch(req, res, *type, ns);
    if (req.method == "GET") return get(res, *type, ns, name);
    if (req.method == "PATCH" && !name.empty()) return patch(req, res, *type, ns, name, dry_run);
    if (req.method == "DELETE" && !name.empty()) return remove(res, *type, ns, name, dry_run);
    reply(res, 405, status_body(405, "MethodNotAllowed", "the server does not allow this method on the requested resource"));
  }

  void get(httplib::Response& res, const ResourceType& type, const std::string& ns, const std::string& name) {
    std::lock_guard lock(mu_);
    auto it = objects_.find(object_key(type, ns, name));
    if (it == objects_.end()) return reply_not_found(res, type, name);
    reply(res, 200, it->second.obj);
  }

  std::optional<Selectors> parse_selectors(const httplib::Request& req, const ResourceType& type, httplib::Response& res) {
    Selectors sel;
    const std::string label_selector = req.get_param_value("labelSelector");
    if (!label_selector.empty()) {
      auto parsed = parse_label_selector(label_selector);
      if (!parsed) {
        reply(res, 400, status_body(400, "BadRequest", "unable to parse requirement: found '" + label_selector + "'"));
        return std::nullopt;
      }
      sel.labels = std::move(*parsed);
    }
    for (const auto& term : split_list(req.get_param_value("fieldSelector"))) {
      FieldRequirement f{json::json_pointer(), std::string(), false};
      std::string label;
      if (auto ne = term.find("!="); ne != std::string::npos) {
        label = term.substr(0, ne);
        f.value = term.substr(ne + 2);
        f.negate = true;
      } else if (auto eq = term.find('='); eq != std::string::npos) {
        label = term.substr(0, eq);
        f.value = term.substr(term.compare(eq, 2, "==") == 0 ? eq + 2 : eq + 1);
      } else {
        reply(res, 400, status_body(400, "BadRequest", "invalid selector: '" + term + "'; can't understand '" + term + "'"));
        return std::nullopt;
      }
      auto pointer = field_pointer(type, label);
      if (!pointer) {
        reply(res, 400, status_body(400, "BadRequest", "field label not supported: " + label));
        return std::nullopt;
      }
      f.field = *pointer;
      sel.fields.push_back(std::move(f));
    }
    return sel;
  }

  bool in_scope(const Stored& s, const ResourceType& type, const std::string& ns, const Selectors& sel) const {
    return find_kind(s.obj.value("apiVersion", ""), s.obj.value("kind", "")) == &type &&
           (ns.empty() || namespace_of(s.obj) == ns) && matches(s.obj, sel);
  }

  void list_or_watch(const httplib::Request& req, httplib::Response& res, const ResourceType& type, const std::string& ns) {
    auto sel = parse_selectors(req, type, res);
    if (!sel) return;
    const std::string watch = req.get_param_value("watch");
    if (watch == "true" || watch == "1") return start_watch(req, res, type, ns, std::move(*sel));
    std::lock_guard lock(mu_);
    json items = json::array();
    for (const auto& [key, stored] : objects_) {
      if (!in_scope(stored, type, ns, *sel)) continue;
      json item = stored.obj;
      item.erase("apiVersion");
      item.erase("kind");
      items.push_back(std::move(item));
    }
    reply(res, 200,
          {{"kind", type.kind + "List"},
           {"apiVersion", type.group_version()},
           {"metadata", {{"resourceVersion", std::to_string(rv_)}}},
           {"items", items}});
  }

  // A watch streams one JSON event per line on a chunked response whose headers go out at once.
  // Events are computed from the store (changes coalesce, as a slow watcher may see them), and a
  // bare newline, which JSON stream decoders skip, goes out every second while idle: writing is
  // the only way to notice a client that went away without closing the stream.
  void start_watch(const httplib::Request& req, httplib::Response& res, const ResourceType& type, const std::string& ns,
                   Selectors sel) {
    auto w = std::make_shared<Watch>();
    w->type = &type;
    w->ns = ns;
    w->selectors = std::move(sel);
    long timeout_s = 1800;
    try {
      if (req.has_param("timeoutSeconds")) timeout_s = std::stol(req.get_param_value("timeoutSeconds"));
    } catch (const std::exception&) {
      return reply(res, 400, status_body(400, "BadRequest", "invalid timeoutSeconds"));
    }
    w->deadline = SteadyClock::now() + std::chrono::seconds(std::clamp(timeout_s, 0L, 1800L));
    w->last_write = SteadyClock::now();
    std::uint64_t from = 0;
    try {
      const std::string rv = req.get_param_value("resourceVersion");
      if (!rv.empty()) from = std::stoull(rv);
    } catch (const std::exception&) {
      return reply(res, 400, status_body(400, "BadRequest", "invalid resourceVersion"));
    }
    {
      std::lock_guard lock(mu_);
      // Objects the client already has at `from` are known; later changes and deletions become
      // MODIFIED/DELETED events, later creations ADDED. No version: everything current is ADDED.
      if (from > 0) {
        for (const auto& [key, s] : objects_)
          if (s.created_rv <= from && in_scope(s, type, ns, w->selectors)) {
            const auto rv = std::stoull(s.obj["metadata"]["resourceVersion"].get<std::string>());
            w->known[key] = rv <= from ? rv : 0;
          }
        for (const auto& t : tombstones_)
          if (t.created_rv <= from && t.deleted_rv > from && !objects_.count(t.key) &&
              find_kind(t.obj.value("apiVersion", ""), t.obj.value("kind", "")) == &type &&
              (ns.empty() || namespace_of(t.obj) == ns) && matches(t.obj, w->selectors))
            w->known[t.key] = 0;
      }
      w->seen_change = change_seq_;
    }
    res.status = 200;
    res.set_chunked_content_provider("application/json", [this, w](std::size_t, httplib::DataSink& sink) {
      std::string out;
      bool finished = false;
      {
        std::unique_lock lock(mu_);
        if (!w->first) {
          const auto wake = std::min(SteadyClock::now() + std::chrono::milliseconds(200), w->deadline);
          changed_.wait_until(lock, wake, [&] { return stopping_ || change_seq_ != w->seen_change; });
        }
        w->first = false;
        if (stopping_ || SteadyClock::now() >= w->deadline) {
          finished = true;
        } else {
          w->seen_change = change_seq_;
          out = watch_events(*w);
        }
      }
      if (finished) {
        sink.done();
        return true;
      }
      const auto now = SteadyClock::now();
      if (out.empty() && now - w->last_write >= std::chrono::seconds(1)) out = "\n";
      if (out.empty()) return true;
      w->last_write = now;
      return sink.write(out.data(), out.size());
    });
  }

  // Caller holds mu_.
  std::string watch_events(Watch& w) {
    std::string out;
    const auto event = [&](const char* type, const json& obj) {
      out += json{{"type", type}, {"object", obj}}.dump();
      out += "\n";
    };
    std::set<std::string> present;
    for (const auto& [key, s] : objects_) {
      if (!in_scope(s, *w.type, w.ns, w.selectors)) continue;
      present.insert(key);
      const auto rv = std::stoull(s.obj["metadata"]["resourceVersion"].get<std::string>());
      auto it = w.known.find(key);
      if (it == w.known.end()) {
        event("ADDED", s.obj);
      } else if (it->second != rv) {
        event("MODIFIED", s.obj);
      } else {
        continue;
      }
      w.known[key] = rv;
    }
    for (auto it = w.known.begin(); it != w.known.end();) {
      if (present.count(it->first)) {
        ++it;
        continue;
      }
      // Gone, or no longer selected: the real server sends DELETED either way.
      json last;
      if (auto o = objects_.find(it->first); o != objects_.end()) {
        last = o->second.obj;
      } else {
        for (auto t = tombstones_.rbegin(); t != tombstones_.rend(); ++t)
          if (t->key == it->first) {
            last = t->obj;
            break;
          }
      }
      if (!last.is_null()) event("DELETED", last);
      it = w.known.erase(it);
    }
    return out;
  }

  void patch(const httplib::Request& req, httplib::Response& res, const ResourceType& type, const std::string& ns,
             const std::string& name, bool dry_run) {
    const std::string content_type = req.get_header_value("Content-Type");
    const auto media = content_type.substr(0, content_type.find(';'));
    if (media != "application/strategic-merge-patch+json" && media != "application/merge-patch+json" &&
        media != "application/json-patch+json") {
      return reply(res, 415,
                   status_body(415, "UnsupportedMediaType",
                               "the body of the request was in an unknown format - accepted media types include: "
                               "application/json-patch+json, application/merge-patch+json, "
                               "application/strategic-merge-patch+json"));
    }
    const json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded())
      return reply(res, 400, status_body(400, "BadRequest", "error decoding patch: invalid JSON"));
    bool rollout = false;
    json answer;
    {
      std::lock_guard lock(mu_);
      const std::string key = object_key(type, ns, name);
      auto it = objects_.find(key);
      if (it == objects_.end()) return reply_not_found(res, type, name);
      const json& current = it->second.obj;
      json updated;
      try {
        if (media == "application/json-patch+json") {
          if (!body.is_array()) return reply(res, 400, status_body(400, "BadRequest", "json: cannot unmarshal object into Go value of type jsonpatch.Patch"));
          updated = current.patch(body);
        } else {
          // Strategic merge for the maps kubectl patches; lists are replaced whole.
          updated = current;
          updated.merge_patch(body);
        }
      } catch (const json::exception& e) {
        return reply(res, 422, status_body(422, "Invalid", std::string("the server rejected our request due to an error in our request: ") + e.what(), status_details(type, name)));
      }
      const std::string sent_rv = str_field(updated, "/metadata/resourceVersion"_json_pointer);
      if (!sent_rv.empty() && sent_rv != str_field(current, "/metadata/resourceVersion"_json_pointer)) {
        return reply(res, 409,
                     status_body(409, "Conflict",
                                 "Operation cannot be fulfilled on " + type.qualified() + " \"" + name +
                                     "\": the object has been modified; please apply your changes to the latest version and try again",
                                 status_details(type, name)));
      }
      // Server-owned fields are not the client's to change; the main resource ignores status.
      for (const char* field : {"name", "namespace", "uid", "creationTimestamp", "generation", "resourceVersion"}) {
        if (current["metadata"].contains(field)) {
          updated["metadata"][field] = current["metadata"][field];
        } else {
          updated["metadata"].erase(field);
        }
      }
      updated["apiVersion"] = current["apiVersion"];
      updated["kind"] = current["kind"];
      if (current.contains("status")) updated["status"] = current["status"];
      if (updated.value("spec", json()) != current.value("spec", json()) && current["metadata"].contains("generation"))
        updated["metadata"]["generation"] = current["metadata"]["generation"].get<long>() + 1;
      rollout = type.kind == "Deployment" &&
                template_without_hash(updated["spec"].value("template", json::object())) !=
                    template_without_hash(current["spec"].value("template", json::object()));
      if (dry_run) {
        answer = updated;
      } else {
        updated["metadata"]["resourceVersion"] = std::to_string(++rv_);
        it->second.obj = updated;
        answer = updated;
        if (rollout) start_rollout(key);
        ++change_seq_;
      }
    }
    if (!dry_run) {
      changed_.notify_all();
      controller_wake_.notify_all();
    }
    reply(res, 200, answer);
  }

  void remove(httplib::Response& res, const ResourceType& type, const std::string& ns, const std::string& name,
              bool dry_run) {
    json details;
    {
      std::lock_guard lock(mu_);
      const std::string key = object_key(type, ns, name);
      auto it = objects_.find(key);
      if (it == objects_.end()) return reply_not_found(res, type, name);
      details = status_details(type, name);
      details["uid"] = str_field(it->second.obj, "/metadata/uid"_json_pointer);
      if (!dry_run) {
        const std::string uid = details["uid"];
        erase_object(key);
        rollouts_.erase(key);
        // What the garbage collector and the endpoints controller do right after: dependents
        // owned by the object, and a Service's Endpoints, go too.
        std::vector<std::string> dependents;
        for (const auto& [k, s] : objects_) {
          bool owned = false;
          if (s.obj.contains("/metadata/ownerReferences"_json_pointer))
            for (const auto& ref : s.obj["metadata"]["ownerReferences"]) owned = owned || ref.value("uid", "") == uid;
          const bool endpoints = type.kind == "Service" && s.obj.value("kind", "") == "Endpoints" &&
                                 s.obj.value("apiVersion", "") == "v1" && name_of(s.obj) == name && namespace_of(s.obj) == ns;
          if (owned || endpoints) dependents.push_back(k);
        }
        for (const auto& k : dependents) erase_object(k);
        ++change_seq_;
      }
    }
    if (!dry_run) changed_.notify_all();
    reply(res, 200,
          {{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", json::object()}, {"status", "Success"}, {"details", details}});
  }

  // Caller holds mu_.
  void erase_object(const std::string& key) {
    auto it = objects_.find(key);
    if (it == objects_.end()) return;
    Tombstone t{key, it->second.obj, it->second.created_rv, ++rv_};
    t.obj["metadata"]["resourceVersion"] = std::to_string(t.deleted_rv);
    tombstones_.push_back(std::move(t));
    objects_.erase(it);
  }

  // Caller holds mu_.
  void put_object(const std::string& key, json obj) {
    obj["metadata"]["resourceVersion"] = std::to_string(++rv_);
    auto it = objects_.find(key);
    if (it == objects_.end()) {
      objects_[key] = Stored{std::move(obj), rv_};
    } else {
      it->second.obj = std::move(obj);
    }
  }

  // Caller holds mu_.
  void load() {
    objects_.clear();
    tombstones_.clear();
    rollouts_.clear();
    const std::string now = rfc3339_now();
    const auto& objects = shared_.section("kube").value("objects", json::object());
    for (const auto& [fixture_key, value] : objects.items()) {
      if (!value.is_object()) continue;
      const ResourceType* type = find_kind(value.value("apiVersion", ""), value.value("kind", ""));
      if (!type) continue;
      json obj = value;
      if (!obj["metadata"].contains("uid")) obj["metadata"]["uid"] = new_uid();
      if (!obj["metadata"].contains("creationTimestamp")) obj["metadata"]["creationTimestamp"] = now;
      if ((type->kind == "Deployment" || type->kind == "ReplicaSet") && !obj["metadata"].contains("generation"))
        obj["metadata"]["generation"] = 1;
      const std::string key = object_key(*type, namespace_of(obj), name_of(obj));
      put_object(key, std::move(obj));
    }
    ++change_seq_;
  }

  // --- the deployment controller ---------------------------------------------------------------

  std::chrono::milliseconds rollout_duration() const {
    return std::chrono::milliseconds(shared_.section("kube").value("rollout_ms", 1000));
  }

  std::string rollout_outcome() const { return shared_.section("kube").value("rollout_outcome", "complete"); }

  // Caller holds mu_.
  void start_rollout(const std::string& deployment_key) {
    Rollout r;
    r.id = ++rollout_ids_;
    r.start = SteadyClock::now();
    rollouts_[deployment_key] = r;
  }

  // Steps of a rollout of R replicas with a surge of one: 0 observes the new spec and starts the
  // first new pod; k (1..R-1) has k new pods ready and one old pod gone; the last has every new
  // pod ready and the old ReplicaSets scaled to zero. Step i is due at rollout_ms * (i+1)/steps.
  static int step_count(long replicas) { return static_cast<int>(std::max(replicas, 1L)) + 1; }

  SteadyClock::time_point due(const Rollout& r, int steps) const {
    const auto total = rollout_duration();
    if (r.next_step > 0 && rollout_outcome() != "complete") return r.start + total;
    return r.start + total * (r.next_step + 1) / steps;
  }

  void run_controller() {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      auto wake = SteadyClock::now() + std::chrono::seconds(1);
      std::string due_key;
      for (const auto& [key, r] : rollouts_) {
        auto it = objects_.find(key);
        if (it == objects_.end()) continue;
        const auto when = due(r, step_count(desired_replicas(it->second.obj)));
        if (when <= SteadyClock::now()) {
          due_key = key;
          break;
        }
        wake = std::min(wake, when);
      }
      if (due_key.empty()) {
        controller_wake_.wait_until(lock, wake);
        continue;
      }
      advance(lock, due_key);
    }
  }

  // Caller holds mu_ through `lock`; released only around the pods-replaced hook.
  void advance(std::unique_lock<std::mutex>& lock, const std::string& key) {
    Rollout& r = rollouts_.at(key);
    json& deployment = objects_.at(key).obj;
    const long replicas = desired_replicas(deployment);
    const int steps = step_count(replicas);
    const int step = r.next_step++;
    if (step == 0) {
      observe(key, r);
      if (replicas > 0) scale(key, r, 0, replicas);
    } else if (rollout_outcome() == "stall") {
      rollouts_.erase(key);
      return;
    } else if (rollout_outcome() == "progress_deadline_exceeded") {
      json d = deployment;
      const std::string rs_name = name_of(objects_.at(r.new_rs_key).obj);
      set_condition(d, "Progressing", "False", "ProgressDeadlineExceeded",
                    "ReplicaSet \"" + rs_name + "\" has timed out progressing.");
      put_object(key, std::move(d));
      rollouts_.erase(key);
    } else if (step < steps - 1) {
      scale(key, r, step, replicas);
    } else {
      // The new pods are ready: whatever they serve restarts before anyone sees the rollout done.
      const std::uint64_t id = r.id;
      const std::string ns = namespace_of(deployment);
      const std::string name = name_of(deployment);
      lock.unlock();
      if (shared_.on_pods_replaced) shared_.on_pods_replaced(ns, name);
      lock.lock();
      auto again = rollouts_.find(key);
      if (again == rollouts_.end() || again->second.id != id || !objects_.count(key)) return;
      finish(key, again->second, replicas);
      rollouts_.erase(again);
    }
    ++change_seq_;
    changed_.notify_all();
  }

  std::vector<std::string> owned_replicasets(const json& deployment) const {
    std::vector<std::string> keys;
    const std::string uid = str_field(deployment, "/metadata/uid"_json_pointer);
    for (const auto& [k, s] : objects_) {
      if (s.obj.value("kind", "") != "ReplicaSet" || namespace_of(s.obj) != namespace_of(deployment)) continue;
      if (!s.obj.contains("/metadata/ownerReferences"_json_pointer)) continue;
      for (const auto& ref : s.obj["metadata"]["ownerReferences"])
        if (ref.value("uid", "") == uid && ref.value("controller", false)) keys.push_back(k);
    }
    return keys;
  }

  // Step 0: the controller sees the new template, adopts the ReplicaSet that already has it (a
  // rollback) or creates one, gives it the next revision and records that on the Deployment.
  void observe(const std::string& key, Rollout& r) {
    json deployment = objects_.at(key).obj;
    const json tmpl = deployment["spec"]["template"];
    const json wanted = template_without_hash(tmpl);
    const long replicas = desired_replicas(deployment);
    long max_revision = 0;
    long best_old = -1;
    std::string existing;
    for (const auto& k : owned_replicasets(deployment)) {
      const json& rs = objects_.at(k).obj;
      max_revision = std::max(max_revision, revision_of(rs));
      if (template_without_hash(rs["spec"]["template"]) == wanted) {
        existing = k;
      } else if (desired_replicas(rs) > 0 && revision_of(rs) > best_old) {
        best_old = revision_of(rs);
        r.previous_rs_key = k;
      }
    }
    const std::string revision = std::to_string(max_revision + 1);
    json rs;
    if (!existing.empty()) {
      rs = objects_.at(existing).obj;
      const long old_revision = revision_of(rs);
      if (old_revision < max_revision) {
        std::string history = str_field(rs, "/metadata/annotations/deployment.kubernetes.io~1revision-history"_json_pointer);
        history += (history.empty() ? "" : ",") + std::to_string(old_revision);
        rs["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] = history;
        rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = revision;
      }
      r.new_rs_key = existing;
    } else {
      const std::string hash = pod_template_hash(tmpl);
      const std::string ns = namespace_of(deployment);
      const std::string rs_name = name_of(deployment) + "-" + hash;
      json labels = tmpl.contains("/metadata/labels"_json_pointer) ? tmpl["metadata"]["labels"] : json::object();
      labels["pod-template-hash"] = hash;
      json selector = deployment["spec"]["selector"];
      selector["matchLabels"]["pod-template-hash"] = hash;
      json rs_template = tmpl;
      rs_template["metadata"]["labels"] = labels;
      rs = {{"apiVersion", "apps/v1"},
            {"kind", "ReplicaSet"},
            {"metadata",
             {{"name", rs_name},
              {"namespace", ns},
              {"uid", new_uid()},
              {"generation", 1},
              {"creationTimestamp", rfc3339_now()},
              {"labels", labels},
              {"annotations",
               {{"deployment.kubernetes.io/desired-replicas", std::to_string(replicas)},
                {"deployment.kubernetes.io/max-replicas", std::to_string(replicas + 1)},
                {"deployment.kubernetes.io/revision", revision}}},
              {"ownerReferences",
               {{{"apiVersion", "apps/v1"},
                 {"kind", "Deployment"},
                 {"name", name_of(deployment)},
                 {"uid", deployment["metadata"]["uid"]},
                 {"controller", true},
                 {"blockOwnerDeletion", true}}}}}},
            {"spec", {{"replicas", 0}, {"selector", selector}, {"template", rs_template}}},
            {"status", {{"replicas", 0}, {"observedGeneration", 1}}}};
      r.new_rs_key = object_key(*find_kind("apps/v1", "ReplicaSet"), ns, rs_name);
    }
    put_object(r.new_rs_key, std::move(rs));
    deployment["metadata"]["annotations"]["deployment.kubernetes.io/revision"] =
        std::to_string(revision_of(objects_.at(r.new_rs_key).obj));
    deployment["status"]["observedGeneration"] = deployment["metadata"]["generation"];
    set_condition(deployment, "Progressing", "True", "ReplicaSetUpdated",
                  "ReplicaSet \"" + name_of(objects_.at(r.new_rs_key).obj) + "\" is progressing.");
    put_object(key, std::move(deployment));
  }

  void set_rs_pods(const std::string& rs_key, long pods, long ready) {
    json rs = objects_.at(rs_key).obj;
    if (desired_replicas(rs) != pods) rs["metadata"]["generation"] = rs["metadata"].value("generation", 1L) + 1;
    rs["spec"]["replicas"] = pods;
    json& status = rs["status"];
    status["replicas"] = pods;
    set_count(status, "fullyLabeledReplicas", pods);
    set_count(status, "readyReplicas", ready);
    set_count(status, "availableReplicas", ready);
    status["observedGeneration"] = rs["metadata"]["generation"];
    put_object(rs_key, std::move(rs));
  }

  // k new pods ready, one more starting (surge), R-k old pods still serving.
  void scale(const std::string& key, const Rollout& r, long k, long replicas) {
    const long updated = std::min(k + 1, replicas);
    const long old_pods = replicas - k;
    set_rs_pods(r.new_rs_key, updated, k);
    for (const auto& rs_key : owned_replicasets(objects_.at(key).obj)) {
      if (rs_key == r.new_rs_key) continue;
      const long pods = rs_key == r.previous_rs_key ? old_pods : 0;
      if (desired_replicas(objects_.at(rs_key).obj) != pods) set_rs_pods(rs_key, pods, pods);
    }
    json deployment = objects_.at(key).obj;
    json& status = deployment["status"];
    const long total = updated + (r.previous_rs_key.empty() ? 0 : old_pods);
    const long ready = k + (r.previous_rs_key.empty() ? 0 : old_pods);
    set_count(status, "replicas", total);
    set_count(status, "updatedReplicas", updated);
    set_count(status, "readyReplicas", ready);
    set_count(status, "availableReplicas", ready);
    set_count(status, "unavailableReplicas", total - ready);
    put_object(key, std::move(deployment));
  }

  void finish(const std::string& key, const Rollout& r, long replicas) {
    if (objects_.count(r.new_rs_key)) set_rs_pods(r.new_rs_key, replicas, replicas);
    for (const auto& rs_key : owned_replicasets(objects_.at(key).obj))
      if (rs_key != r.new_rs_key && desired_replicas(objects_.at(rs_key).obj) != 0) set_rs_pods(rs_key, 0, 0);
    json deployment = objects_.at(key).obj;
    json& status = deployment["status"];
    set_count(status, "replicas", replicas);
    set_count(status, "updatedReplicas", replicas);
    set_count(status, "readyReplicas", replicas);
    set_count(status, "availableReplicas", replicas);
    status.erase("unavailableReplicas");
    set_condition(deployment, "Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.");
    set_condition(deployment, "Progressing", "True", "NewReplicaSetAvailable",
                  "ReplicaSet \"" + name_of(objects_.count(r.new_rs_key) ? objects_.at(r.new_rs_key).obj : json::object()) +
                      "\" has successfully progressed.");
    put_object(key, std::move(deployment));
  }

  std::mutex mu_;
  std::condition_variable changed_;          // store changed (watches)
  std::condition_variable controller_wake_;  // a rollout started
  std::map<std::string, Stored> objects_;
  std::vector<Tombstone> tombstones_;
  std::map<std::string, Rollout> rollouts_;  // by Deployment key
  std::uint64_t rv_ = 0;
  std::uint64_t change_seq_ = 0;
  std::uint64_t rollout_ids_ = 0;
  bool stopping_ = false;
  std::thread controller_;
};

}  // namespace

std::unique_ptr<Service> make_kube_service(Shared& shared) { return std::make_unique<KubeService>(shared); }

}  // namespace infra_dod::sandbox
