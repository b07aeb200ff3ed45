#pragma once
// A manual DoD row passes only on a valid attestation: who, when (UTC), where, the verdict and a
// pointer to the evidence, optionally with an expiry. Records live in
// <INFRA_DOD_ATTESTATIONS>/<environment>/<ITEM-ID>.json and are written by `infra-dod attest`.
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/result.h"

namespace infra_dod {

struct AttestationRecord {
  std::string item;
  std::string operator_name;
  std::string utc;          // ISO 8601, Z
  std::string environment;
  std::string verdict;      // "pass" or "fail"
  std::string evidence;     // URL, ticket or path
  std::string expires;      // optional ISO 8601 date or time
  std::string note;
  // What the evidence pointer is: "link" (a ticket, a change record, a file the operator named),
  // or "adr0024-send" (the run's own ADR-0024 send of the row's event type, found by `attest`).
  std::string evidence_source = "link";
};

// Why `environment` cannot name an attestation folder (it becomes a path component under
// INFRA_DOD_ATTESTATIONS): empty, a path separator, "." or "..", or a character outside
// letters, digits, ".", "_" and "-". Nothing when it can.
std::optional<std::string> environment_name_problem(const std::string& environment);
std::filesystem::path attestation_path(const std::filesystem::path& dir, const std::string& environment,
                                       const std::string& item);
// Not found is ErrorKind::not_found; a malformed record is ErrorKind::config.
Result<AttestationRecord> load_attestation(const std::filesystem::path& file);
// The same from the file's text; `origin` names it in the error.
Result<AttestationRecord> parse_attestation(std::string_view text, const std::string& origin);
nlohmann::json to_json(const AttestationRecord& a);
// Why the record does not attest the item in this environment now; nothing when it does.
std::optional<std::string> attestation_problem(const AttestationRecord& a, const std::string& item,
                                               const std::string& environment,
                                               std::chrono::system_clock::time_point now);

}  // namespace infra_dod
