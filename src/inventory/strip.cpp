#include "inventory/strip.h"

#include <string>

#include "runtime/secrets.h"
#include "runtime/json_field.h"

namespace infra_dod {
using nlohmann::json;

namespace {

// An env entry keeps its name (and any valueFrom reference); a literal value becomes the mask.
void strip_pod_template(json& tmpl) {
  auto spec = tmpl.find("spec");
  if (spec == tmpl.end() || !spec->is_object()) return;
  for (const char* list : {"containers", "initContainers", "ephemeralContainers"}) {
    auto containers = spec->find(list);
    if (containers == spec->end() || !containers->is_array()) continue;
    for (auto& c : *containers) {
      auto env = c.find("env");
      if (env == c.end() || !env->is_array()) continue;
      for (auto& e : *env)
        if (e.is_object() && e.contains("value")) e["value"] = std::string(kMask);
    }
  }
}

void strip_object(json& obj) {
  if (!obj.is_object()) return;
  if (auto md = obj.find("metadata"); md != obj.end() && md->is_object())
    if (auto ann = md->find("annotations"); ann != md->end() && ann->is_object())
      ann->erase("kubectl.kubernetes.io/last-applied-configuration");
  if (auto spec = obj.find("spec"); spec != obj.end() && spec->is_object())
    if (auto tmpl = spec->find("template"); tmpl != spec->end() && tmpl->is_object()) strip_pod_template(*tmpl);
  if (field(obj, "kind", "") == "Secret") obj.erase("data"), obj.erase("stringData");
}

}  // namespace

void strip_secret_material(json& j) {
  if (j.is_object() && j.contains("items") && j["items"].is_array()) {
    for (auto& item : j["items"]) strip_object(item);
  } else {
    strip_object(j);
  }
}

}  // namespace infra_dod
