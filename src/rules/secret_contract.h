#pragma once
// ADR-0015's secret resolution contract (runbook "Databricks real-environment secret smoke"):
// the env-stub key normalisation and pure judgements over what the smoke saw: the driver's
// result line of each call of GET_SECRET_CALLABLE and the requests the harness's recording
// endpoint (the DATABRICKS_HOST each call was given) received. One finding per runbook
// criterion, three success and three failure criteria.
//
// How an exception is classified (classify_exception): a `classification` attribute on the
// exception wins when present (a string, or an enum member whose name or value is one); else
// the class name; else its bases, nearest first. The first of these that contains "Permanent"
// or "Transient" (any case) decides; one that contains both, or none at all, leaves the
// exception unclassified.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/judgement.h"

namespace infra_dod {

// SECRET_<KEY>: the key upper-cased, every run of characters other than A-Z and 0-9 one `_`,
// leading and trailing `_` trimmed ("azure-openai-endpoint" -> SECRET_AZURE_OPENAI_ENDPOINT).
// Bytes outside ASCII count as non-alphanumerics (Databricks secret keys are ASCII: letters,
// digits, `-`, `_` and `.`).
std::string env_stub_key(std::string_view key);

// One call of the callable as the driver (fixtures/probes/get_secret_driver.py) reported it.
struct CallableOutcome {
  bool reported = false;   // the driver printed its result line
  std::string problem;     // why there is none: "timed out after 20 s", "exit 1: ..."
  std::string stage;       // "import" (the callable could not be loaded) or "call"
  bool ok = false;         // the callable returned
  std::optional<std::string> value;  // what it returned, only when the driver was asked to print it
  bool non_empty = false;
  std::size_t length = 0;  // UTF-8 bytes of what it returned
  std::string exception;   // the class name, when it raised
  std::vector<std::string> bases;   // its bases, nearest first, without `object`
  std::optional<std::string> classification;  // its `classification` attribute
  std::string message;
  long elapsed_ms = 0;     // the call alone, without the import
};

// The driver's result line in a child's stdout: the last line that parses as an object with
// "driver": "get_secret". Nothing when there is none.
std::optional<CallableOutcome> parse_driver_line(const std::string& stdout_text);

// "Permanent", "Transient" or "" (see the header comment).
std::string classify_exception(const CallableOutcome& outcome);
// Where the classification came from: "classification attribute", "class name", "base X", "".
std::string classification_source(const CallableOutcome& outcome);

// One request the recording endpoint received. Never a header value or a secret value.
struct EndpointRequest {
  std::string method;
  std::string path;
  std::string scope;
  std::string key;
  bool authorization = false;  // an Authorization header came with it
  long status = 0;             // what the endpoint answered (forwarded or injected); 0: no answer
  std::string error_code;      // the answer's error_code, when it was an error
  std::string upstream_error;  // the workspace could not be reached (forwarding only)
  std::size_t value_length = 0;         // forwarded 200: bytes of the decoded secret
  std::size_t encoded_length = 0;       // forwarded 200: characters of its base64
};

// A fault the endpoint injected for one call, and what the callable made of it.
struct FaultCall {
  std::string name;      // "403", "404 missing scope", "404 missing key", "429", "500", "503", "hang"
  std::string expected;  // "Permanent" or "Transient"
  CallableOutcome outcome;
  std::vector<EndpointRequest> requests;
};

struct SecretSmokeObservation {
  std::string callable;        // GET_SECRET_CALLABLE
  std::string key;             // SECRET_SMOKE_KEY
  std::string stub_variable;   // env_stub_key(key)
  std::string stub_value;      // what step 2 put in it
  long timeout_s = 0;          // SECRET_SMOKE_TIMEOUT_S

  // Step 2: the stub set, both scope variables invalid, the endpoint refusing every read.
  CallableOutcome env_first;
  std::vector<EndpointRequest> env_first_requests;

  // Step 3: the stub unset, the operator's scope variables, the endpoint forwarding to the workspace.
  std::string databricks_scope;  // DATABRICKS_SECRET_SCOPE ("" when unset)
  std::string key_vault_scope;   // KEY_VAULT_SECRET_SCOPE ("" when unset)
  bool fallback_ran = false;     // false when neither scope variable is set
  CallableOutcome fallback;
  std::vector<EndpointRequest> fallback_requests;

  // Precedence: both scope variables set to distinct names, the endpoint answering itself.
  std::string probe_preferred_scope;
  std::string probe_fallback_scope;
  CallableOutcome precedence;
  std::vector<EndpointRequest> precedence_requests;

  std::vector<FaultCall> faults;
};

// The scope variable the first secrets/get of `requests` named: "DATABRICKS_SECRET_SCOPE",
// "KEY_VAULT_SECRET_SCOPE" (the preferred one when both hold the same name) or "" (neither, or
// no read).
std::string scope_source(const std::vector<EndpointRequest>& requests, const std::string& databricks_scope,
                         const std::string& key_vault_scope);

// The runbook's criteria, in its order: each finding's `check`.
inline constexpr const char* kStubPrinted = "step 2 prints the env stub value";
inline constexpr const char* kScopeValuePrinted = "step 3 prints a non-empty scope value";
inline constexpr const char* kClassified = "403/404/missing scope/missing secret Permanent; 429/5xx/timeouts Transient";
inline constexpr const char* kNoScopeReadWithStub = "env stub present: no scope read attempted, env value returned";
inline constexpr const char* kPreferredScopeFirst = "DATABRICKS_SECRET_SCOPE set: read before the fallback scope";
inline constexpr const char* kNoClassificationMismatch = "no classification mismatch";

// The whole row. A criterion whose step the environment kept from being judged (the workspace
// throttled or refused the step-3 read, the callable could not be imported) makes the outcome
// `error` naming why, unless another criterion failed: then it is `fail`, and `error` still says
// what could not be judged.
Judgement judge_secret_contract(const SecretSmokeObservation& obs);

// Each criterion's verdict in the runbook's order, {check, "pass" | "fail" | "not judged"}, from
// a judgement of judge_secret_contract: the evidence's one verdict per criterion.
std::vector<std::pair<std::string, std::string>> criterion_verdicts(const Judgement& j);

}  // namespace infra_dod
