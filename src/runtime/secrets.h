#pragma once
// Secret values are registered the moment they are read and masked in every sink. The registry
// also writes salted fingerprints (never values) into the run's own folder (never its evidence
// folder, which is attached to tickets), so the final guardrail case can scan for values that
// other processes of the same run registered.
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace infra_dod {

inline constexpr std::string_view kMask = "***";

struct SecretFingerprint {
  std::size_t length = 0;
  std::uint16_t rolling = 0;  // low 16 bits only: enough to find candidates, too few to reveal
  std::string salt;
  std::string sha256;  // sha256(salt + form)
  std::string name;    // what the secret is (never its value)
  std::string form;    // "plain", "base64", ...
};

struct SecretFinding {
  std::string name;
  std::string form;
  std::size_t offset = 0;
};

class SecretRegistry {
 public:
  // The registry every sink of this process consults.
  static SecretRegistry& process();

  // Registers a value read from a secret store with its encoded forms. A value shorter than eight
  // characters is masked only exactly (plain and JSON-escaped), and says so on stderr.
  void add(std::string_view value, std::string_view name);
  // Every registered form replaced by ***, then raw token/cookie markers masked.
  std::string mask(std::string_view text) const;
  bool contains_registered(std::string_view text) const;
  std::size_t size() const;
  void clear();

  // From now on every added value also lands as fingerprints in this file (appended, whole lines).
  void persist_to(const std::filesystem::path& fingerprint_file);

  static std::vector<SecretFingerprint> load_fingerprints(const std::filesystem::path& file);
  static std::vector<SecretFinding> scan(std::string_view text,
                                         const std::vector<SecretFingerprint>& fingerprints);

  // The forms a value is searched for: plain, JSON-escaped, percent-encoded (upper- and lower-case
  // hex), hex, standard and URL-safe base64 (padded or not) and the alignment-independent cores
  // of its base64 inside a longer encoded blob.
  static std::vector<std::pair<std::string, std::string>> forms_of(std::string_view value);

 private:
  void write_fingerprints(std::string_view value, std::string_view name) const;
  mutable std::mutex mu_;
  std::vector<std::string> forms_;  // longest first
  std::vector<std::pair<std::string, std::string>> values_;  // value, name
  std::filesystem::path fingerprint_file_;
};

// Masks the raw markers a log must never carry whatever was registered: Authorization headers,
// Bearer/Basic credentials, Cookie/Set-Cookie lines, API-key headers (x-api-key, api-key,
// Ocp-Apim-Subscription-Key), token/password/secret JSON fields, token query parameters, the
// password of URL userinfo (postgres://user:pw@host) and connection-string keys (AccountKey=,
// SharedAccessKey=, Password=, Pwd=).
std::string mask_markers(std::string_view text);

struct MarkerFinding {
  std::string marker;
  std::size_t offset = 0;
};
// The markers above whose value is not masked.
std::vector<MarkerFinding> find_raw_markers(std::string_view text);

}  // namespace infra_dod
