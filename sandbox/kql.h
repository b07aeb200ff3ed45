#pragma once
// The subset of KQL the Log Analytics emulator answers: `<Table>` followed by any of
// `| where <cond> [and <cond>]` (cond: col == v, col != v, col =~ v, col in (v, ...), col has v,
// col contains v; v a quoted string or a number), `| project c1, c2`, `| take N` / `| limit N`,
// `| count`. Anything else is a SyntaxError; an unknown table or column a SemanticError
// (SEM0100), with the codes and messages Log Analytics puts in its 400.
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

namespace infra_dod::sandbox::kql {

using nlohmann::json;

struct QueryError {
  std::string code;     // SyntaxError | SemanticError
  std::string message;  // the middle level
  json inner;           // the innermost error
};

// The table a query reads, or the SyntaxError when the query does not start with a name.
std::variant<std::string, QueryError> table_of(const std::string& query);
QueryError unknown_table(const std::string& table);

// Runs the query's operators over `rows` (objects, column -> value) of a table whose schema is
// `columns` ([{"name", "type"}]): the PrimaryResult table ({"name", "columns", "rows"}) as the
// query API returns it, or the error of the first operator that does not parse or resolve.
std::variant<json, QueryError> run(const std::string& query, json columns, std::vector<json> rows);

}  // namespace infra_dod::sandbox::kql
