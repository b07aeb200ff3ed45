#include "rules/snapshot_reader.h"
#include "runtime/json_field.h"

namespace infra_dod::rules {
using nlohmann::json;

const json* at(const json& object, std::initializer_list<std::string_view> path) {
  const json* cursor = &object;
  for (auto key : path) {
    if (!cursor->is_object()) return nullptr;
    auto it = cursor->find(key);
    if (it == cursor->end()) return nullptr;
    cursor = &*it;
  }
  return cursor;
}

std::string text_at(const json& object, std::initializer_list<std::string_view> path) {
  const json* v = at(object, path);
  return v && v->is_string() ? v->get<std::string>() : std::string{};
}

const json& array_at(const json& object, std::initializer_list<std::string_view> path) {
  static const json empty = json::array();
  const json* v = at(object, path);
  return v && v->is_array() ? *v : empty;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string s;
  for (const auto& p : parts) {
    if (!s.empty()) s += sep;
    s += p;
  }
  return s;
}

std::string absence(const json& snapshot, const std::string& name) {
  const json* e = entry(snapshot, name);
  std::string code = e ? text_at(*e, {"error", "code"}) : std::string{};
  const std::string message = e ? text_at(*e, {"error", "message"}) : std::string{};
  if (code.empty()) code = "NotFound";
  return message.empty() ? code : code + ": " + message;
}

const json* EntryReader::object(const std::string& name, bool* not_found) {
  const json* v = read(name, not_found);
  if (v && !v->is_object()) return shape_error(name, "a JSON object");
  return v;
}

const json* EntryReader::array(const std::string& name) {
  static const json empty = json::array();
  bool not_found = false;
  const json* v = read(name, &not_found);
  if (not_found) return &empty;
  if (v && !v->is_array()) return shape_error(name, "a JSON array (the list's merged value)");
  return v;
}

const json* EntryReader::items(const std::string& name) {
  static const json empty = json::array();
  bool not_found = false;
  const json* v = read(name, &not_found);
  if (not_found) return &empty;
  if (!v) return nullptr;
  const json* list = at(*v, {"items"});
  if (!list || !list->is_array()) return shape_error(name, "a kubectl List with items");
  return list;
}

const json* EntryReader::read(const std::string& name, bool* not_found) {
  if (not_found) *not_found = false;
  if (const json* v = entry_value(snapshot_, name)) return v;
  if (not_found && entry_is_not_found(snapshot_, name)) {
    *not_found = true;
    return nullptr;
  }
  const json* e = entry(snapshot_, name);
  errors_.push_back(e && field(*e, "ok", false) ? name + ": no value in the snapshot" : entry_error(snapshot_, name));
  failures_[name] = errors_.back();
  return nullptr;
}

const json* EntryReader::shape_error(const std::string& name, const std::string& expected) {
  errors_.push_back(name + ": expected " + expected);
  failures_[name] = errors_.back();
  return nullptr;
}

std::optional<std::string> EntryReader::failure(const std::string& name) const {
  const auto it = failures_.find(name);
  if (it == failures_.end()) return std::nullopt;
  return it->second;
}

Finding unjudged(std::string check, std::string expected, std::string why, std::string resource) {
  Finding f{std::move(check), false, std::move(expected), std::move(why), std::move(resource)};
  f.judged = false;
  return f;
}

}  // namespace infra_dod::rules
