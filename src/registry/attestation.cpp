#include "registry/attestation.h"
#include "runtime/text.h"

#include <cctype>
#include <ctime>
#include <fstream>
#include <regex>
#include <sstream>

namespace infra_dod {
namespace fs = std::filesystem;

std::optional<std::string> environment_name_problem(const std::string& environment) {
  if (environment.empty()) return std::string("the environment name is empty");
  if (environment == "." || environment == "..")
    return "the environment name '" + environment + "' would leave the attestation folder";
  for (unsigned char c : environment)
    if (!std::isalnum(c) && c != '.' && c != '_' && c != '-')
      return "the environment name '" + environment +
             "' may hold only letters, digits, '.', '_' and '-' (it names a folder under INFRA_DOD_ATTESTATIONS)";
  return std::nullopt;
}

fs::path attestation_path(const fs::path& dir, const std::string& environment, const std::string& item) {
  return dir / environment / (item + ".json");
}

nlohmann::json to_json(const AttestationRecord& a) {
  nlohmann::json j = {{"item", a.item},           {"operator", a.operator_name}, {"utc", a.utc},
                      {"environment", a.environment}, {"verdict", a.verdict},       {"evidence", a.evidence}};
  if (!a.expires.empty()) j["expires"] = a.expires;
  if (!a.note.empty()) j["note"] = a.note;
  j["evidence_source"] = a.evidence_source;
  return j;
}

Result<AttestationRecord> load_attestation(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error{ErrorKind::not_found, "no attestation at " + file.string()};
  std::ostringstream text;
  text << in.rdbuf();
  return parse_attestation(text.str(), file.string());
}

Result<AttestationRecord> parse_attestation(std::string_view text, const std::string& origin) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Error{ErrorKind::config, origin + " is not a JSON object"};
  auto str = [&](const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string(); };
  AttestationRecord a{str("item"),    str("operator"), str("utc"),     str("environment"),
                      str("verdict"), str("evidence"), str("expires"), str("note")};
  if (!str("evidence_source").empty()) a.evidence_source = str("evidence_source");
  return a;
}

std::optional<std::string> attestation_problem(const AttestationRecord& a, const std::string& item,
                                               const std::string& environment,
                                               std::chrono::system_clock::time_point now) {
  if (a.item != item) return "the record is for '" + a.item + "', not " + item;
  if (a.operator_name.empty()) return "the record names no operator";
  if (a.evidence.empty()) return "the record has no evidence pointer";
  if (a.environment != environment)
    return "the record is for environment '" + a.environment + "', this run is '" + environment + "'";
  const auto when = parse_utc(a.utc);
  if (!when) return "the record's utc '" + a.utc + "' is not an ISO 8601 UTC time";
  if (*when > now + std::chrono::minutes(5)) return "the record's utc " + a.utc + " is in the future";
  if (!a.expires.empty()) {
    const auto until = parse_utc(a.expires);
    if (!until) return "the record's expiry '" + a.expires + "' is not an ISO 8601 date";
    if (*until < now) return "the attestation expired at " + a.expires;
  }
  if (a.verdict != "pass" && a.verdict != "fail") return "verdict must be pass or fail, found '" + a.verdict + "'";
  return std::nullopt;
}

}  // namespace infra_dod
