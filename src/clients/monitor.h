#pragma once
// The Log Analytics query API (POST {endpoint}/v1/workspaces/{id}/query) over libcurl. A client
// call: it returns what the service said, or why there is no answer, and never judges.
#include <nlohmann/json.hpp>
#include <string>

#include "runtime/config.h"
#include "runtime/http.h"

namespace infra_dod {

struct LogQueryResult {
  bool ok = false;
  long status = 0;
  nlohmann::json table;       // the first table ({"name", "columns", "rows"}) on success
  bool table_missing = false;  // 400 SEM0100: a custom table exists only after its first ingestion
  std::string error;          // "BadArgumentError/SemanticError/SEM0100: ..." or the transport error
  std::string request;        // "POST /v1/workspaces/<id>/query" and the query, for evidence
};

class LogAnalyticsClient {
 public:
  LogAnalyticsClient(std::string endpoint, std::string token, const HttpClient& http, const Config& cfg);
  LogQueryResult query(const std::string& workspace_id, const std::string& kql, const std::string& timespan) const;

 private:
  std::string endpoint_;
  std::string token_;
  const HttpClient& http_;
  const Config& cfg_;
};

}  // namespace infra_dod
