#pragma once
// What a rule returns: every check it made (what was expected, what was found, on which
// resource) and an outcome. A rule is a pure function over an inventory snapshot (JSON), so it
// is unit-tested with JSON literals and re-judges saved evidence offline.
//
// The snapshot (written by the collector, src/inventory/collector.h):
// {
//   "schema": 1,
//   "collected_utc": "2026-11-26T20:00:00.000Z",
//   "context": {"tenant": "...", "subscription": "...", "identity": {"name": "...", "type": "user"},
//               "arm_endpoint": "https://management.azure.com/", "environment": "dev"},
//   "config":  {"<VARIABLE>": "<value>", ...}        // the non-secret configuration the rules read
//   "entries": {
//     "<name>": {"source": "arm" | "kubectl", "request": "GET /subscriptions/...?api-version=..." |
//                "kubectl get deployment langfuse -n default -o json",
//                "ok": true, "status": 200, "attempts": 1, "elapsed_ms": 35,
//                "value": <the object; for ARM lists the merged "value" array of every page>}
//     "<name>": {"source": ..., "request": ..., "ok": false, "status": 404, "attempts": 1,
//                "error": {"kind": "not-found" | "auth" | "timeout" | "unreachable" | "protocol" |
//                                  "throttled" | "server" | "process" | "config",
//                          "code": "ResourceNotFound", "message": "..."}}
//   }
// }
// Entry names are fixed (src/rules/inventory_entries.h); a rule that needs an
// entry which is an error ends in `error` naming the entry, except where absence is the
// finding (a 404 on a resource that must exist is a `fail`, not an `error`).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace infra_dod {

struct Finding {
  std::string check;     // "deployment rolled out", "secret langfuse-db-password enabled"
  bool ok = false;
  std::string expected;  // "observedGeneration >= generation (3)"
  std::string found;     // "observedGeneration 2"
  std::string resource;  // ARM id or kind/namespace/name
  // False when an entry the check needs could not be read: not a failure, and `found` says why.
  bool judged = true;
};

enum class Outcome { pass, fail, error };
// "pass", "fail", "error": the words evidence lines use.
const char* to_string(Outcome o);

struct Judgement {
  Outcome outcome = Outcome::error;
  std::vector<Finding> findings;
  std::string error;  // why the rule could not judge (outcome error)

  // "expected X, found Y (resource)" for every failed finding, and "could not judge" for every
  // unjudged one, joined by "; ".
  std::string failure_summary() const;
  // Sets outcome from the findings: fail when a judged one failed (a definite failure stands
  // whatever else could not be read), else error when one could not be judged (naming which and
  // why), else pass (with at least one).
  Judgement& conclude();
  static Judgement cannot_judge(std::string why);
};

// Access to snapshot entries.
const nlohmann::json* entry(const nlohmann::json& snapshot, const std::string& name);
// The entry's value when ok; nothing otherwise.
const nlohmann::json* entry_value(const nlohmann::json& snapshot, const std::string& name);
// `arm.postgres: not-found 404 ResourceNotFound: The Resource ... was not found.` for an error entry.
std::string entry_error(const nlohmann::json& snapshot, const std::string& name);
bool entry_is_not_found(const nlohmann::json& snapshot, const std::string& name);
std::string config_value(const nlohmann::json& snapshot, const std::string& variable);

}  // namespace infra_dod
