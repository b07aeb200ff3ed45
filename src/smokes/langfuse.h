#pragma once
// What every LangFuse smoke shares: where LangFuse is (LANGFUSE_BASE_URL), HTTP requests with
// the configured timeouts, the optional artifact file, and payload templates from fixtures/.
// A smoke's I/O lives in src/smokes/; it returns a SmokeResult that a suite asserts.
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "smokes/smoke_result.h"
#include "runtime/config.h"
#include "runtime/evidence.h"
#include "runtime/http.h"

namespace infra_dod {

// LANGFUSE_BASE_URL without its trailing slashes, or an error naming the variable.
Result<std::string> langfuse_base_url(const Config& cfg);
// A request with the configured connect/total timeouts and attempts.
HttpRequest configured_request(const Config& cfg, std::string method, std::string url);
// Appends the stamped line to the artifact file named by `variable`, when it is set.
Result<bool> append_artifact(const Config& cfg, const std::string& variable, const Evidence& ev,
                             const std::string& dod_item, const nlohmann::json& line);
// fixtures/<name> with every "{{key}}" replaced by its value (values are JSON-escaped), parsed.
Result<nlohmann::json> fill_template(const std::string& name, const std::map<std::string, std::string>& values);

}  // namespace infra_dod
