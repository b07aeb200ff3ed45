#include "kql.h"

#include <algorithm>
#include <optional>
#include <regex>
#include <string_view>

#include "runtime/text.h"

namespace infra_dod::sandbox::kql {

namespace {

struct Condition {
  std::string column, op;
  std::vector<json> values;
};

QueryError syntax(const std::string& token, std::size_t pos) {
  return {"SyntaxError", "A recognition error occurred in the query.",
          {{"code", "SYN0002"},
           {"message", "Query could not be parsed at '" + token + "' on line [1," + std::to_string(pos) + "]"},
           {"line", 1},
           {"pos", pos},
           {"token", token}}};
}

QueryError semantic(const std::string& message) {
  return {"SemanticError", "A semantic error occurred.", {{"code", "SEM0100"}, {"message", message}}};
}

struct Part {
  std::string text;
  std::size_t start;  // offset of the part in the text it was split from
};

// Splits at every `separator` outside single or double quotes.
std::vector<Part> split_outside_quotes(const std::string& text, std::string_view separator) {
  std::vector<Part> out;
  std::string cur;
  std::size_t start = 0;
  char quote = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (text.compare(i, separator.size(), separator) == 0) {
      out.push_back({cur, start});
      cur.clear();
      i += separator.size() - 1;
      start = i + 1;
      continue;
    }
    cur += c;
  }
  out.push_back({cur, start});
  return out;
}

std::optional<json> literal(const std::string& text) {
  const std::string t = trim(text);
  if (t.size() >= 2 && (t.front() == '"' || t.front() == '\'') && t.back() == t.front())
    return json(t.substr(1, t.size() - 2));
  const json number = json::parse(t, nullptr, false);
  if (!number.is_discarded() && (number.is_number() || number.is_boolean())) return number;
  return std::nullopt;
}

std::optional<Condition> parse_condition(const std::string& text) {
  static const std::regex kIn(R"(^\s*([A-Za-z_][A-Za-z0-9_]*)\s+in\s*\((.*)\)\s*$)");
  static const std::regex kCompare(R"(^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(==|!=|=~|\bhas\b|\bcontains\b)\s*(.+?)\s*$)");
  std::smatch m;
  Condition c;
  if (std::regex_match(text, m, kIn)) {
    c.column = m[1];
    c.op = "in";
    // Values are quoted strings or numbers; commas inside quotes stay with their value.
    for (const auto& part : split_outside_quotes(m[2], ",")) {
      auto v = literal(part.text);
      if (!v) return std::nullopt;
      c.values.push_back(*v);
    }
    return c;
  }
  if (std::regex_match(text, m, kCompare)) {
    c.column = m[1];
    c.op = m[2];
    auto v = literal(m[3]);
    if (!v) return std::nullopt;
    c.values.push_back(*v);
    return c;
  }
  return std::nullopt;
}

bool holds(const Condition& c, const json& cell) {
  const auto text = [](const json& j) { return j.is_string() ? j.get<std::string>() : j.dump(); };
  if (c.op == "==") return cell == c.values[0];
  if (c.op == "!=") return cell != c.values[0];
  if (c.op == "=~") return iequals(text(cell), text(c.values[0]));
  if (c.op == "has" || c.op == "contains")
    return to_lower(text(cell)).find(to_lower(text(c.values[0]))) != std::string::npos;
  for (const auto& v : c.values)
    if (cell == v) return true;
  return false;
}

}  // namespace

std::variant<std::string, QueryError> table_of(const std::string& query) {
  const auto parts = split_outside_quotes(query, "|");
  const std::string table_name = trim(parts[0].text);
  static const std::regex kIdent(R"(^[A-Za-z_][A-Za-z0-9_]*$)");
  if (!std::regex_match(table_name, kIdent)) return syntax(table_name.empty() ? "<EOF>" : table_name, parts[0].start);
  return table_name;
}

QueryError unknown_table(const std::string& table) {
  return semantic("Failed to resolve table or column expression named '" + table + "'");
}

std::variant<json, QueryError> run(const std::string& query, json columns, std::vector<json> rows) {
  const auto has_column = [&](const std::string& name) {
    for (const auto& c : columns)
      if (c.value("name", "") == name) return true;
    return false;
  };
  const auto parts = split_outside_quotes(query, "|");
  bool counted = false;
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const std::string op = trim(parts[i].text);
    const std::size_t pos = parts[i].start + 1;
    static const std::regex kWhere(R"(^where\s+(.+)$)");
    static const std::regex kTake(R"(^(take|limit)\s+(\d+)$)");
    static const std::regex kProject(R"(^project\s+(.+)$)");
    std::smatch m;
    if (std::regex_match(op, m, kWhere)) {
      std::vector<Condition> conditions;
      for (const auto& part : split_outside_quotes(m[1], " and ")) {
        auto c = parse_condition(part.text);
        if (!c) return syntax(trim(part.text), pos);
        if (!has_column(c->column))
          return semantic("'where' operator: Failed to resolve column or scalar expression named '" + c->column + "'");
        conditions.push_back(*c);
      }
      std::erase_if(rows, [&](const json& r) {
        for (const auto& c : conditions)
          if (!holds(c, r.value(c.column, json()))) return true;
        return false;
      });
    } else if (std::regex_match(op, m, kTake)) {
      const auto n = static_cast<std::size_t>(std::stoul(m[2]));
      if (rows.size() > n) rows.resize(n);
    } else if (std::regex_match(op, m, kProject)) {
      json projected = json::array();
      for (const auto& name : split_list(m[1].str(), ',')) {
        bool found = false;
        for (const auto& c : columns)
          if (c.value("name", "") == name) {
            projected.push_back(c);
            found = true;
          }
        if (!found) return semantic("'project' operator: Failed to resolve scalar expression named '" + name + "'");
      }
      columns = projected;
    } else if (op == "count" && i + 1 == parts.size()) {
      counted = true;
    } else {
      const std::string token = op.substr(0, op.find(' '));
      return syntax(token.empty() ? "<EOF>" : token, pos);
    }
  }
  json table = {{"name", "PrimaryResult"}};
  if (counted) {
    table["columns"] = json::array({{{"name", "Count"}, {"type", "long"}}});
    table["rows"] = json::array({json::array({rows.size()})});
    return table;
  }
  table["columns"] = columns;
  table["rows"] = json::array();
  for (const auto& r : rows) {
    json cells = json::array();
    for (const auto& c : columns) {
      const json cell = r.value(c.value("name", ""), json());
      if (c.value("type", "") == "dynamic" && !cell.is_null() && !cell.is_string()) {
        cells.push_back(cell.dump());
      } else if (c.value("type", "") == "datetime" && cell.is_string()) {
        const auto t = parse_utc(cell.get<std::string>());
        cells.push_back(t ? json(utc_iso(*t)) : cell);
      } else {
        cells.push_back(cell);
      }
    }
    table["rows"].push_back(cells);
  }
  return table;
}

}  // namespace infra_dod::sandbox::kql
