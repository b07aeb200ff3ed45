#pragma once
// GUARDRAIL-SECRETS as a plain function: which files under the given roots carry a registered
// secret (any form, found through the run's fingerprints) or a raw token/cookie marker.
#include <filesystem>
#include <string>
#include <vector>

#include "runtime/secrets.h"

namespace infra_dod {

struct Leak {
  std::filesystem::path file;
  std::size_t line = 0;
  std::string what;  // "registered secret DATABRICKS_TOKEN (base64)", "raw Bearer credential"
};

std::vector<Leak> scan_for_leaks(const std::vector<std::filesystem::path>& roots,
                                 const std::vector<SecretFingerprint>& fingerprints);
std::vector<Leak> scan_text_for_leaks(const std::string& text, const std::filesystem::path& origin,
                                      const std::vector<SecretFingerprint>& fingerprints);

}  // namespace infra_dod
