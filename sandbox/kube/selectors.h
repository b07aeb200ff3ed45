#pragma once
// Label and field selectors as the API server parses and applies them on list and watch.
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "kube/api.h"

namespace infra_dod::sandbox::kube {

struct LabelRequirement {
  enum class Op { equals, not_equals, exists, not_exists, in, not_in } op = Op::exists;
  std::string key;
  std::set<std::string> values;
};

struct FieldRequirement {
  json::json_pointer field;
  std::string value;
  bool negate;
};

struct Selectors {
  std::vector<LabelRequirement> labels;
  std::vector<FieldRequirement> fields;
};

// `a=b,c!=d,e in (f,g),!h`; nullopt when a term does not parse.
std::optional<std::vector<LabelRequirement>> parse_label_selector(const std::string& selector);
bool labels_match(const json& obj, const std::vector<LabelRequirement>& reqs);

// A list's labelSelector and fieldSelector parameters for one resource type, or the message of
// the API server's 400 (field labels are per type, as on the real server).
std::variant<Selectors, std::string> parse_selectors(const ResourceType& t, const std::string& label_selector,
                                                     const std::string& field_selector);
bool matches(const json& obj, const Selectors& sel);

}  // namespace infra_dod::sandbox::kube
