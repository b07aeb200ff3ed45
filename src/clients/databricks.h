#pragma once
// Databricks REST over libcurl: DATABRICKS_HOST with DATABRICKS_TOKEN as a Bearer header (the
// token is registered as a secret and never goes on a command line). Every call has the
// configured deadline, returns a value or a classified error (auth, not found, throttled,
// server, transport), and is recorded with the `databricks` CLI command an operator would type
// to repeat it (wire-contracts 2.4-2.7).
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runtime/clock.h"
#include "runtime/config.h"
#include "runtime/http.h"
#include "runtime/result.h"

namespace infra_dod {

// One call as evidence records it: never a header, never a secret value.
struct DatabricksCall {
  std::string method;
  std::string path;       // /api/2.2/jobs/runs/get?run_id=1
  std::string cli;        // databricks jobs get-run 1
  long status = 0;        // 0: no answer
  std::string error;      // the classified error, when it failed
  long elapsed_ms = 0;
};

// The error kind of a Databricks answer: 401/403 auth, 404 and "Run N does not exist." (400)
// not found, 429 throttled, 5xx server; any other 4xx a protocol error naming the error_code.
Error classify_databricks_error(long status, const std::string& body);

class DatabricksClient {
 public:
  using Recorder = std::function<void(const DatabricksCall&)>;
  DatabricksClient(const Config& cfg, Clock& clock = SystemClock::instance(), Recorder record = {});
  // Nothing missing: DATABRICKS_HOST and DATABRICKS_TOKEN are set (the error names which is not).
  static Result<bool> configured(const Config& cfg);

  Result<nlohmann::json> current_user();                                  // current-user me
  Result<nlohmann::json> list_directory(const std::string& volume_path);  // fs ls dbfs:/Volumes/...
  Result<std::int64_t> submit_run(const nlohmann::json& payload);         // jobs submit --no-wait
  Result<nlohmann::json> get_run(std::int64_t run_id);                    // jobs get-run
  Result<nlohmann::json> get_run_output(std::int64_t task_run_id);        // jobs get-run-output
  Result<bool> cancel_run(std::int64_t run_id);                           // jobs cancel-run
  // secrets get-secret; the value is base64 as the API returns it, and is never recorded.
  Result<nlohmann::json> get_secret(const std::string& scope, const std::string& key);

 private:
  Result<nlohmann::json> call(const std::string& method, const std::string& path, const std::string& cli,
                              const std::string& body = {});
  const Config& cfg_;
  Clock& clock_;
  Recorder record_;
  std::string host_;
  std::string token_;
};

}  // namespace infra_dod
