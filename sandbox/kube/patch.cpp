#include "kube/server.h"

#include "kube/rollout.h"

namespace infra_dod::sandbox::kube {

// PATCH (the three patch types kubectl sends) and PUT (a whole object, as `kubectl replace`
// sends it): both end in the same update of the stored object, or its dry run.
void KubeService::patch(const httplib::Request& req, httplib::Response& res, const ResourceType& type,
                        const std::string& ns, const std::string& name, bool dry_run) {
  const std::string content_type = req.get_header_value("Content-Type");
  const auto media = content_type.substr(0, content_type.find(';'));
  const bool put = req.method == "PUT";
  if (put && media != "application/json" && !media.empty())
    return reply(res, 415, status_body(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf"));
  if (!put && media != "application/strategic-merge-patch+json" && media != "application/merge-patch+json" &&
      media != "application/json-patch+json") {
    return reply(res, 415,
                 status_body(415, "UnsupportedMediaType",
                             "the body of the request was in an unknown format - accepted media types include: "
                             "application/json-patch+json, application/merge-patch+json, "
                             "application/strategic-merge-patch+json"));
  }
  const json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded())
    return reply(res, 400, status_body(400, "BadRequest", put ? "the object provided is unrecognized (must be of type " + type.kind + "): couldn't get version/kind; json parse error" : "error decoding patch: invalid JSON"));
  if (put) {
    const std::string body_name = str_field(body, "/metadata/name"_json_pointer);
    if (body.value("kind", "") != type.kind || body.value("apiVersion", "") != type.group_version())
      return reply(res, 400, status_body(400, "BadRequest", "the API version in the data (" + body.value("apiVersion", "") + ") does not match the expected API version (" + type.group_version() + ")"));
    if (body_name != name)
      return reply(res, 400, status_body(400, "BadRequest", "the name of the object (" + body_name + ") does not match the name on the URL (" + name + ")"));
  }
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
      if (put) {
        updated = body;
      } else if (media == "application/json-patch+json") {
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

}  // namespace infra_dod::sandbox::kube
