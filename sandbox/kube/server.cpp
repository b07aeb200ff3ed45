#include "kube/server.h"

#include <variant>

#include "kube/discovery.h"
#include "runtime/text.h"

namespace infra_dod::sandbox {

std::unique_ptr<Service> make_kube_service(Shared& shared) { return std::make_unique<kube::KubeService>(shared); }

namespace kube {

KubeService::KubeService(Shared& shared) : Service(shared, "kube") {
  load();
  controller_ = std::thread([this] { run_controller(); });
}

KubeService::~KubeService() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  controller_wake_.notify_all();
  stop();
  if (controller_.joinable()) controller_.join();
}

void KubeService::reset_state() {
  std::lock_guard lock(mu_);
  load();
}

json KubeService::fault_body(int status, const std::string& code, const std::string& message) const {
  return status_body(status, code.empty() ? reason_for(status) : code, message);
}

void KubeService::routes(httplib::Server& server) {
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
    reply(res, 200, api_versions(port()));
  });
  server.Get("/apis", [](const httplib::Request& req, httplib::Response& res) {
    plain(req);
    reply(res, 200, api_group_list());
  });
  const auto api = [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); };
  server.Get(R"(/apis?/.+)", api);
  server.Patch(R"(/apis?/.+)", api);
  server.Put(R"(/apis?/.+)", api);
  server.Delete(R"(/apis?/.+)", api);
}

// The real API server does not compress small bodies, and a compressed watch would sit in the
// compressor's buffer instead of reaching the client; the handler owns the request object httplib
// hands it as const, so dropping the header keeps every answer uncompressed.
void KubeService::plain(const httplib::Request& req) {
  const_cast<httplib::Request&>(req).headers.erase("Accept-Encoding");
}

// /api/v1[/namespaces/NS]/PLURAL[/NAME] and /apis/GROUP/VERSION/...
void KubeService::handle(const httplib::Request& req, httplib::Response& res) {
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
    const json doc = api_group(seg[1]);
    return doc.is_null() ? reply_no_route(res) : reply(res, 200, doc);
  } else {
    return reply_no_route(res);
  }
  const std::vector<std::string> rest(seg.begin() + static_cast<std::ptrdiff_t>(i), seg.end());
  if (rest.empty()) {
    const json doc = api_resource_list(group_version);
    if (doc.is_null() || req.method != "GET") return reply_no_route(res);
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
  if ((req.method == "PATCH" || req.method == "PUT") && !name.empty()) return patch(req, res, *type, ns, name, dry_run);
  if (req.method == "DELETE" && !name.empty()) return remove(res, *type, ns, name, dry_run);
  reply(res, 405, status_body(405, "MethodNotAllowed", "the server does not allow this method on the requested resource"));
}

void KubeService::get(httplib::Response& res, const ResourceType& type, const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = objects_.find(object_key(type, ns, name));
  if (it == objects_.end()) return reply_not_found(res, type, name);
  reply(res, 200, it->second.obj);
}

std::optional<Selectors> KubeService::read_selectors(const httplib::Request& req, const ResourceType& type,
                                                     httplib::Response& res) {
  auto parsed = parse_selectors(type, req.get_param_value("labelSelector"), req.get_param_value("fieldSelector"));
  if (auto* error = std::get_if<std::string>(&parsed)) {
    reply(res, 400, status_body(400, "BadRequest", *error));
    return std::nullopt;
  }
  return std::get<Selectors>(std::move(parsed));
}

bool KubeService::in_scope(const Stored& s, const ResourceType& type, const std::string& ns, const Selectors& sel) const {
  return find_kind(s.obj.value("apiVersion", ""), s.obj.value("kind", "")) == &type &&
         (ns.empty() || namespace_of(s.obj) == ns) && matches(s.obj, sel);
}

void KubeService::list_or_watch(const httplib::Request& req, httplib::Response& res, const ResourceType& type, const std::string& ns) {
  auto sel = read_selectors(req, type, res);
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

void KubeService::remove(httplib::Response& res, const ResourceType& type, const std::string& ns,
                         const std::string& name, bool dry_run) {
  json details;
  json pending;  // the object itself, when finalizers hold it
  {
    std::lock_guard lock(mu_);
    const std::string key = object_key(type, ns, name);
    auto it = objects_.find(key);
    if (it == objects_.end()) return reply_not_found(res, type, name);
    details = status_details(type, name);
    details["uid"] = str_field(it->second.obj, "/metadata/uid"_json_pointer);
    // An object with finalizers is only marked for deletion: the API server stamps
    // deletionTimestamp, keeps the object until a controller clears its finalizers, and answers
    // with the object rather than a Status.
    const json* finalizers = it->second.obj.contains("/metadata/finalizers"_json_pointer)
                                 ? &it->second.obj["metadata"]["finalizers"]
                                 : nullptr;
    if (finalizers && finalizers->is_array() && !finalizers->empty()) {
      json marked = it->second.obj;
      if (!dry_run && !marked["metadata"].contains("deletionTimestamp")) {
        marked["metadata"]["deletionTimestamp"] = rfc3339_now();
        marked["metadata"]["deletionGracePeriodSeconds"] = 0;
        put_object(key, marked);
        marked = objects_.at(key).obj;
        ++change_seq_;
      }
      pending = std::move(marked);
    } else if (!dry_run) {
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
  if (!pending.is_null()) return reply(res, 200, pending);
  reply(res, 200,
        {{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", json::object()}, {"status", "Success"}, {"details", details}});
}

// Caller holds mu_.
void KubeService::erase_object(const std::string& key) {
  auto it = objects_.find(key);
  if (it == objects_.end()) return;
  Tombstone t{key, it->second.obj, it->second.created_rv, ++rv_};
  t.obj["metadata"]["resourceVersion"] = std::to_string(t.deleted_rv);
  tombstones_.push_back(std::move(t));
  objects_.erase(it);
}

// Caller holds mu_.
void KubeService::put_object(const std::string& key, json obj) {
  obj["metadata"]["resourceVersion"] = std::to_string(++rv_);
  auto it = objects_.find(key);
  if (it == objects_.end()) {
    objects_[key] = Stored{std::move(obj), rv_};
  } else {
    it->second.obj = std::move(obj);
  }
}

// Caller holds mu_.
void KubeService::load() {
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

}  // namespace kube
}  // namespace infra_dod::sandbox
