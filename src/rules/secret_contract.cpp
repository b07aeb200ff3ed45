#include "rules/secret_contract.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <sstream>

#include "rules/snapshot_reader.h"
#include "runtime/text.h"
#include "runtime/json_field.h"

namespace infra_dod {

using nlohmann::json;

namespace {

constexpr const char* kSecretsGet = "/api/2.0/secrets/get";

// "permanent", "transient" or "" for one name.
std::string kind_in(const std::string& name) {
  const std::string lower = to_lower(name);
  const bool permanent = lower.find("permanent") != std::string::npos;
  const bool transient = lower.find("transient") != std::string::npos;
  if (permanent == transient) return {};
  return permanent ? "Permanent" : "Transient";
}

std::vector<const EndpointRequest*> secret_reads(const std::vector<EndpointRequest>& requests) {
  std::vector<const EndpointRequest*> out;
  for (const auto& r : requests)
    if (r.path == kSecretsGet) out.push_back(&r);
  return out;
}

std::string describe_request(const EndpointRequest& r) {
  std::string s = r.method + " " + r.path;
  if (!r.scope.empty() || !r.key.empty()) s += " scope=" + r.scope + " key=" + r.key;
  return s;
}

std::string describe_requests(const std::vector<EndpointRequest>& requests) {
  std::vector<std::string> parts;
  for (const auto& r : requests) parts.push_back(describe_request(r));
  return std::to_string(requests.size()) + (requests.size() == 1 ? " request: " : " requests: ") + rules::join(parts, "; ");
}

std::string describe_answer(const EndpointRequest& r) {
  if (!r.upstream_error.empty()) return "no answer from the workspace (" + r.upstream_error + ")";
  if (r.status == 0) return "no answer";
  return std::to_string(r.status) + (r.error_code.empty() ? "" : " " + r.error_code);
}

// "raised PermanentSecretError (Permanent, classification attribute): Scope x does not exist!"
std::string describe_outcome(const CallableOutcome& o) {
  if (!o.reported) return "no result line (" + (o.problem.empty() ? std::string("the driver printed none") : o.problem) + ")";
  if (o.ok) return o.non_empty ? "returned a value (" + std::to_string(o.length) + " bytes)" : "returned an empty value";
  std::string s = (o.stage == "import" ? "could not be imported: " : "raised ") + o.exception;
  const std::string kind = classify_exception(o);
  if (o.stage != "import") s += " (" + (kind.empty() ? std::string("unclassified") : kind + ", " + classification_source(o)) + ")";
  if (!o.message.empty()) s += ": " + truncate_utf8(o.message, 200);
  return s;
}

bool is_import_failure(const CallableOutcome& o) { return o.reported && !o.ok && o.stage == "import"; }

// Why step 3 could not be judged, from the workspace's answer to its last read; "" when the
// workspace answered 200 (the callable is to blame) or there was no read at all.
std::string workspace_blocked(const EndpointRequest& r, const SecretSmokeObservation& obs) {
  const std::string answer = describe_answer(r);
  const std::string reads = " (scope " + r.scope + ", key " + r.key + ")";
  if (!r.upstream_error.empty()) return "the recording endpoint could not reach DATABRICKS_HOST: " + r.upstream_error;
  if (r.status == 200) return {};
  if (r.status == 0) return "the workspace did not answer the scope read" + reads + " before the callable gave up";
  if (r.status == 429)
    return "the workspace throttled the scope read" + reads + ": " + answer + "; retry when the workspace's rate limit allows";
  if (r.status >= 500) return "the workspace failed the scope read" + reads + ": " + answer;
  if (r.status == 401 || r.status == 403)
    return "the workspace refused the scope read" + reads + ": " + answer +
           "; check DATABRICKS_TOKEN and its READ permission on the scope";
  if (r.status == 404)
    return "the workspace has no such scope or key" + reads + ": " + answer + "; check " +
           (obs.databricks_scope.empty() ? "KEY_VAULT_SECRET_SCOPE" : "DATABRICKS_SECRET_SCOPE") + " and SECRET_SMOKE_KEY";
  return "the workspace rejected the scope read" + reads + ": " + answer;
}

struct FaultVerdict {
  std::string line;      // "429 Transient"
  std::string mismatch;  // empty when it matches
};

FaultVerdict judge_fault(const FaultCall& f, long timeout_s) {
  const auto reads = secret_reads(f.requests);
  const CallableOutcome& o = f.outcome;
  if (!o.reported) {
    std::string why = o.problem.empty() ? std::string("no result line") : o.problem;
    if (f.name == "hang") why += ": the callable did not give up after its " + std::to_string(timeout_s) + " s timeout";
    return {f.name + " no result", f.name + " -> no result (" + why + ")"};
  }
  if (o.ok) return {f.name + " returned a value", f.name + " -> returned a value, expected " + f.expected};
  const std::string kind = classify_exception(o);
  const std::string shown = kind.empty() ? "unclassified" : kind;
  FaultVerdict v{f.name + " " + shown, {}};
  if (reads.empty()) {
    v.mismatch = f.name + " -> raised " + o.exception + " without a scope read reaching the endpoint";
  } else if (kind != f.expected) {
    std::string bases = o.bases.empty() ? "" : ", bases " + rules::join(o.bases, " < ");
    v.mismatch = f.name + " -> " + shown + " (" + o.exception + bases +
                 (kind.empty() ? "" : ", from its " + classification_source(o)) + "), expected " + f.expected;
  }
  return v;
}

}  // namespace

std::string env_stub_key(std::string_view key) {
  std::string out;
  bool pending = false;
  for (unsigned char c : key) {
    const char up = static_cast<char>(std::toupper(c));
    if ((up >= 'A' && up <= 'Z') || (up >= '0' && up <= '9')) {
      if (pending && !out.empty()) out += '_';
      pending = false;
      out += up;
    } else {
      pending = true;
    }
  }
  return "SECRET_" + out;
}

std::optional<CallableOutcome> parse_driver_line(const std::string& stdout_text) {
  std::istringstream in(stdout_text);
  std::string line;
  std::optional<CallableOutcome> found;
  while (std::getline(in, line)) {
    const json j = json::parse(trim(line), nullptr, false);
    if (!j.is_object() || field(j, "driver", "") != "get_secret") continue;
    CallableOutcome o;
    o.reported = true;
    o.stage = field(j, "stage", "call");
    o.ok = field(j, "ok", false);
    if (j.contains("value") && j["value"].is_string()) o.value = j["value"].get<std::string>();
    o.non_empty = field(j, "non_empty", false);
    o.length = field(j, "length", std::size_t{0});
    o.exception = field(j, "exception", "");
    if (j.contains("bases") && j["bases"].is_array())
      for (const auto& b : j["bases"])
        if (b.is_string()) o.bases.push_back(b.get<std::string>());
    if (j.contains("classification") && j["classification"].is_string())
      o.classification = j["classification"].get<std::string>();
    o.message = field(j, "message", "");
    o.elapsed_ms = field(j, "elapsed_ms", 0L);
    found = std::move(o);
  }
  return found;
}

std::string classify_exception(const CallableOutcome& o) {
  if (o.ok || !o.reported) return {};
  if (o.classification) return kind_in(*o.classification);
  if (auto k = kind_in(o.exception); !k.empty()) return k;
  for (const auto& b : o.bases)
    if (auto k = kind_in(b); !k.empty()) return k;
  return {};
}

std::string classification_source(const CallableOutcome& o) {
  if (o.ok || !o.reported) return {};
  if (o.classification) return kind_in(*o.classification).empty() ? "" : "classification attribute";
  if (!kind_in(o.exception).empty()) return "class name";
  for (const auto& b : o.bases)
    if (!kind_in(b).empty()) return "base " + b;
  return {};
}

std::string scope_source(const std::vector<EndpointRequest>& requests, const std::string& databricks_scope,
                         const std::string& key_vault_scope) {
  const auto reads = secret_reads(requests);
  if (reads.empty()) return {};
  const std::string& scope = reads.front()->scope;
  if (!databricks_scope.empty() && scope == databricks_scope) return "DATABRICKS_SECRET_SCOPE";
  if (!key_vault_scope.empty() && scope == key_vault_scope) return "KEY_VAULT_SECRET_SCOPE";
  return {};
}

Judgement judge_secret_contract(const SecretSmokeObservation& obs) {
  const std::string where = "GET_SECRET_CALLABLE " + obs.callable;
  for (const auto* o : {&obs.env_first, &obs.fallback, &obs.precedence})
    if (is_import_failure(*o))
      return Judgement::cannot_judge(where + " " + describe_outcome(*o) + " (PYTHONPATH AGENT_REPO_DIR)");

  Judgement j;
  std::vector<std::string> not_judged;

  // Step 2: the stub must come back, and nothing may reach the endpoint.
  const CallableOutcome& s2 = obs.env_first;
  const bool stub_back = s2.reported && s2.ok && s2.value && *s2.value == obs.stub_value;
  std::string s2_found = stub_back ? "printed " + obs.stub_variable + "'s value"
                         : s2.reported && s2.ok && s2.value ? "printed a value other than the stub (" + std::to_string(s2.length) + " bytes)"
                                                             : describe_outcome(s2);
  j.findings.push_back({kStubPrinted, stub_back, obs.stub_variable + "=" + obs.stub_value + " printed, both scope variables invalid",
                        s2_found, where});
  const bool no_read = obs.env_first_requests.empty();
  j.findings.push_back({kNoScopeReadWithStub, stub_back && no_read,
                        "no request at DATABRICKS_HOST and " + obs.stub_variable + "'s value returned",
                        !no_read ? describe_requests(obs.env_first_requests) + (stub_back ? ", then the stub value" : "; " + s2_found)
                                 : s2_found,
                        where});

  // Step 3: a non-empty value from the scope.
  if (!obs.fallback_ran) {
    not_judged.push_back(std::string(kScopeValuePrinted) +
                         ": neither DATABRICKS_SECRET_SCOPE nor KEY_VAULT_SECRET_SCOPE is set (step 3 needs one)");
  } else {
    const CallableOutcome& s3 = obs.fallback;
    const auto reads = secret_reads(obs.fallback_requests);
    const std::string source = scope_source(obs.fallback_requests, obs.databricks_scope, obs.key_vault_scope);
    const std::string from = reads.empty() ? "" : " from scope " + reads.back()->scope + (source.empty() ? "" : " (" + source + ")");
    if (s3.reported && s3.ok) {
      const EndpointRequest* last = reads.empty() ? nullptr : reads.back();
      const bool undecoded = last && last->status == 200 && s3.length == last->encoded_length &&
                             s3.length != last->value_length;
      const bool ok = s3.non_empty && !undecoded;
      std::string found = !s3.non_empty ? "an empty value" + from
                          : undecoded   ? "the base64 text of the secret, not decoded (" + std::to_string(s3.length) +
                                            " characters for a " + std::to_string(last->value_length) + "-byte secret)"
                                        : "a non-empty value, " + std::to_string(s3.length) + " bytes" + from;
      j.findings.push_back({kScopeValuePrinted, ok, "a non-empty value read from the scope", found, where});
    } else if (reads.empty()) {
      j.findings.push_back({kScopeValuePrinted, false, "a non-empty value read from the scope",
                            describe_outcome(s3) + ", without a scope read", where});
    } else if (const std::string blocked = workspace_blocked(*reads.back(), obs); !blocked.empty()) {
      not_judged.push_back(std::string(kScopeValuePrinted) + ": " + blocked);
    } else {
      j.findings.push_back({kScopeValuePrinted, false, "a non-empty value read from the scope",
                            describe_outcome(s3) + " after the workspace answered 200" + from, where});
    }
  }

  // Precedence: with both scope variables set, the preferred one is read first (the probe, and
  // step 3 when the operator set both to different scopes).
  {
    std::vector<std::string> wrong;
    std::string seen;
    const auto probe_reads = secret_reads(obs.precedence_requests);
    if (probe_reads.empty()) {
      wrong.push_back("with DATABRICKS_SECRET_SCOPE=" + obs.probe_preferred_scope + " and KEY_VAULT_SECRET_SCOPE=" +
                      obs.probe_fallback_scope + " no scope was read (" + describe_outcome(obs.precedence) + ")");
    } else {
      const std::string src = scope_source(obs.precedence_requests, obs.probe_preferred_scope, obs.probe_fallback_scope);
      if (src != "DATABRICKS_SECRET_SCOPE")
        wrong.push_back("with both set, the first read was scope " + probe_reads.front()->scope +
                        (src.empty() ? "" : " (" + src + ")"));
      else
        seen = "with both set, the first read was DATABRICKS_SECRET_SCOPE's " + obs.probe_preferred_scope;
    }
    if (obs.fallback_ran && !obs.databricks_scope.empty() && !obs.key_vault_scope.empty() &&
        obs.databricks_scope != obs.key_vault_scope) {
      const std::string src = scope_source(obs.fallback_requests, obs.databricks_scope, obs.key_vault_scope);
      if (src == "KEY_VAULT_SECRET_SCOPE")
        wrong.push_back("step 3 read KEY_VAULT_SECRET_SCOPE's " + obs.key_vault_scope + " first");
      else if (src == "DATABRICKS_SECRET_SCOPE")
        seen += "; step 3 read DATABRICKS_SECRET_SCOPE's " + obs.databricks_scope + " first";
    }
    j.findings.push_back({kPreferredScopeFirst, wrong.empty(), "the first secrets/get names DATABRICKS_SECRET_SCOPE's scope",
                          wrong.empty() ? seen : rules::join(wrong, "; "), where});
  }

  // Classification.
  if (obs.faults.empty()) {
    not_judged.push_back(std::string(kClassified) + ": no fault was injected");
  } else {
    std::vector<std::string> lines, mismatches;
    for (const auto& f : obs.faults) {
      auto v = judge_fault(f, obs.timeout_s);
      lines.push_back(v.line);
      if (!v.mismatch.empty()) mismatches.push_back(v.mismatch);
    }
    const std::string expected = "403, 404 missing scope, 404 missing key Permanent; 429, 500, 503, hang Transient";
    j.findings.push_back({kClassified, mismatches.empty(), expected, rules::join(lines), where});
    j.findings.push_back({kNoClassificationMismatch, mismatches.empty(), "no mismatch",
                          mismatches.empty() ? "none" : rules::join(mismatches, "; "), where});
  }

  const bool failed = std::any_of(j.findings.begin(), j.findings.end(), [](const Finding& f) { return !f.ok; });
  if (failed) {
    j.outcome = Outcome::fail;
    // What could not be judged stays in the judgement's error field for the evidence.
    if (!not_judged.empty()) j.error = "not judged: " + rules::join(not_judged, "; ");
    return j;
  }
  if (!not_judged.empty()) {
    std::string verdicts;
    for (const auto& [check, verdict] : criterion_verdicts(j))
      verdicts += (verdicts.empty() ? "" : ", ") + std::string(check) + " " + verdict;
    j.outcome = Outcome::error;
    j.error = rules::join(not_judged, "; ") + " (verdicts: " + verdicts + ")";
    return j;
  }
  j.outcome = Outcome::pass;
  return j;
}

std::vector<std::pair<std::string, std::string>> criterion_verdicts(const Judgement& j) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const char* check : {kStubPrinted, kScopeValuePrinted, kClassified, kNoScopeReadWithStub, kPreferredScopeFirst,
                            kNoClassificationMismatch}) {
    const auto it = std::find_if(j.findings.begin(), j.findings.end(), [&](const Finding& f) { return f.check == check; });
    out.emplace_back(check, it == j.findings.end() ? "not judged" : it->ok ? "pass" : "fail");
  }
  return out;
}

}  // namespace infra_dod
