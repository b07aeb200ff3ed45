#include "kube/selectors.h"

#include <sstream>

#include "runtime/text.h"

namespace infra_dod::sandbox::kube {

namespace {

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

}  // namespace

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

namespace {

// The field labels the real server supports for every type, plus the type-specific ones used here.
std::optional<json::json_pointer> field_pointer(const ResourceType& t, const std::string& label) {
  if (label == "metadata.name") return "/metadata/name"_json_pointer;
  if (label == "metadata.namespace") return "/metadata/namespace"_json_pointer;
  if (t.kind == "Secret" && label == "type") return "/type"_json_pointer;
  if (t.kind == "Namespace" && label == "status.phase") return "/status/phase"_json_pointer;
  return std::nullopt;
}

}  // namespace

std::variant<Selectors, std::string> parse_selectors(const ResourceType& t, const std::string& label_selector,
                                                     const std::string& field_selector) {
  Selectors sel;
  if (!label_selector.empty()) {
    auto parsed = parse_label_selector(label_selector);
    if (!parsed) return "unable to parse requirement: found '" + label_selector + "'";
    sel.labels = std::move(*parsed);
  }
  for (const auto& term : split_list(field_selector)) {
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
      return "invalid selector: '" + term + "'; can't understand '" + term + "'";
    }
    auto pointer = field_pointer(t, label);
    if (!pointer) return "field label not supported: " + label;
    f.field = *pointer;
    sel.fields.push_back(std::move(f));
  }
  return sel;
}

bool matches(const json& obj, const Selectors& sel) {
  if (!labels_match(obj, sel.labels)) return false;
  for (const auto& f : sel.fields) {
    const bool equal = str_field(obj, f.field) == f.value;
    if (equal == f.negate) return false;
  }
  return true;
}

}  // namespace infra_dod::sandbox::kube
