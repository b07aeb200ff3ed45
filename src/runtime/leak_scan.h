#pragma once
// GUARDRAIL-SECRETS as a plain function: which files under the given roots carry a registered
// secret (any form, found through the run's fingerprints) or a raw token/cookie marker, and the
// same findings counted per target and per marker for the runbook's raw-marker scan record.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runtime/config.h"
#include "runtime/secrets.h"

namespace infra_dod {

struct Leak {
  std::filesystem::path file;
  std::size_t line = 0;
  std::string what;    // "registered secret DATABRICKS_TOKEN (base64)", "raw bearer value"
  std::string marker;  // the runbook's raw marker (token, cookie, set-cookie) or the secret's name
  bool registered = false;
};

// The runbook's raw markers ("token/cookie/set-cookie raw marker NOT_FOUND in evidence
// targets"). `token` stands for every credential-bearing marker that is not a cookie:
// Authorization headers, Bearer and Basic credentials, token, password and secret fields, and
// token query parameters.
inline const std::vector<std::string> kRunbookRawMarkers = {"token", "cookie", "set-cookie"};

// One place the guardrail scans: the run's evidence folder, the case results, the gtest XML, or
// an artifact file outside the evidence folder.
struct ScanTarget {
  std::string kind;  // "evidence", "case-results", "gtest-xml", "artifact"
  std::filesystem::path path;
};

// The guardrail's record for one target and one marker: NOT_FOUND, or how often and where.
struct MarkerScan {
  std::string target_kind;
  std::filesystem::path target;
  std::string marker;
  bool registered = false;  // a registered secret (by name), not a raw marker
  std::size_t count = 0;
  std::vector<std::filesystem::path> files;  // relative to the target when inside it
};

std::vector<Leak> scan_for_leaks(const std::vector<std::filesystem::path>& roots,
                                 const std::vector<SecretFingerprint>& fingerprints);
// What the guardrail scans in a run: its evidence folder, the case results and gtest XML of the
// run, and each smoke artifact file that exists outside the evidence folder.
std::vector<ScanTarget> guardrail_targets(const Config& cfg, const std::filesystem::path& evidence_dir);

// One record per target and per marker: the runbook's raw markers, then every registered
// secret's name, so an auditor reads NOT_FOUND for each.
std::vector<MarkerScan> scan_markers(const std::vector<ScanTarget>& targets,
                                     const std::vector<SecretFingerprint>& fingerprints);
// {"target_kind", "target", "marker", "marker_kind": "raw-marker" | "registered-secret",
//  "result": "NOT_FOUND" | "FOUND", and when found "count" and "files"}: never a value.
nlohmann::json to_json(const MarkerScan& m);
std::vector<Leak> scan_text_for_leaks(const std::string& text, const std::filesystem::path& origin,
                                      const std::vector<SecretFingerprint>& fingerprints);

}  // namespace infra_dod
