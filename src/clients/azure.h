#pragma once
// Azure through the operator's own `az` login: tokens from `az account get-access-token`
// (handed back on stdout, never on a command line), the active cloud's endpoints from
// `az cloud show`, and raw ARM REST over libcurl.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "runtime/config.h"
#include "runtime/http.h"
#include "runtime/process.h"
#include "runtime/result.h"

namespace infra_dod {

class AzCli {
 public:
  explicit AzCli(const Config& cfg);
  Result<nlohmann::json> account();
  Result<nlohmann::json> cloud();
  // The token is registered as a secret before this returns; an empty resource means the active
  // cloud's Resource Manager.
  Result<std::string> access_token(const std::string& resource);

 private:
  Result<nlohmann::json> run(std::vector<std::string> args);
  const Config& cfg_;
};

struct ArmError {
  std::string kind;  // to_string(ErrorKind)
  std::string code;
  std::string message;
};

// One ARM GET (following nextLink pages for lists); the value, or the error with the status.
struct ArmResult {
  bool ok = false;
  long status = 0;
  int attempts = 0;
  long elapsed_ms = 0;
  nlohmann::json value;
  ArmError error;
  std::string request;  // "GET <path>?api-version=..."
};

class ArmClient {
 public:
  ArmClient(std::string endpoint, std::string token, const HttpClient& http, const Config& cfg,
            std::optional<Clock::Steady::time_point> give_up_at = std::nullopt);
  // path starts with /subscriptions/...; api_version is required by ARM; `query` (already
  // percent-encoded, without a leading '&') adds parameters such as a list's filters.
  ArmResult get(const std::string& path, const std::string& api_version, bool list, const std::string& query = {}) const;
  // The ARM error for a non-2xx answer: ARM's {"error":{code,message}} or what came instead.
  static ArmError error_of(const HttpResponse& r);

 private:
  HttpRequest request_for(const std::string& url) const;
  std::string endpoint_;
  std::string token_;
  const HttpClient& http_;
  const Config& cfg_;
  std::optional<Clock::Steady::time_point> give_up_at_;
};

}  // namespace infra_dod
