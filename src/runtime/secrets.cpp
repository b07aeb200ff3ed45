#include "runtime/secrets.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "runtime/crypto.h"
#include "runtime/text.h"

namespace infra_dod {
namespace {

// Encoded forms (base64, percent, hex) of a value shorter than this, and base64 fragments shorter
// than this, would mask ordinary text; such a value is masked only exactly (plain and JSON-escaped).
constexpr std::size_t kMinEncodedLength = 8;
constexpr std::uint64_t kRollBase = 1099511628211ULL;

std::uint64_t roll_hash(std::string_view s) {
  std::uint64_t h = 0;
  for (unsigned char c : s) h = h * kRollBase + c;
  return h;
}

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '~' || c == '+' ||
         c == '/' || c == '=' || c == '-' || c == '%';
}

// Finds `needle` case-insensitively from `from`.
std::size_t ifind(std::string_view hay, std::string_view needle, std::size_t from) {
  if (needle.empty() || hay.size() < needle.size()) return std::string_view::npos;
  for (std::size_t i = from; i + needle.size() <= hay.size(); ++i) {
    bool match = true;
    for (std::size_t j = 0; j < needle.size(); ++j) {
      if (std::tolower(static_cast<unsigned char>(hay[i + j])) != needle[j]) {
        match = false;
        break;
      }
    }
    if (match) return i;
  }
  return std::string_view::npos;
}

// A span of text that holds a credential: [begin, end).
struct Span {
  std::size_t begin, end;
  std::string marker;
};

const std::vector<std::string>& secret_json_keys() {
  static const std::vector<std::string> keys = {
      "\"accesstoken\"", "\"access_token\"", "\"refreshtoken\"", "\"refresh_token\"", "\"id_token\"",
      "\"token\"", "\"password\"", "\"client_secret\"", "\"clientsecret\"", "\"secret\"",
      "\"cookie\"", "\"set-cookie\"", "\"authorization\"", "\"api_key\"", "\"apikey\"",
      "\"secret_key\"", "\"secretkey\"", "\"private_key\"", "\"connection_string\"",
      "\"connectionstring\""};
  return keys;
}

void collect_spans(std::string_view t, std::vector<Span>& spans) {
  // "key": "value" for the credential-bearing keys.
  for (const auto& key : secret_json_keys()) {
    for (std::size_t at = ifind(t, key, 0); at != std::string_view::npos; at = ifind(t, key, at + 1)) {
      std::size_t i = at + key.size();
      while (i < t.size() && std::isspace(static_cast<unsigned char>(t[i]))) ++i;
      if (i >= t.size() || t[i] != ':') continue;
      ++i;
      while (i < t.size() && std::isspace(static_cast<unsigned char>(t[i]))) ++i;
      if (i >= t.size() || t[i] != '"') continue;
      const std::size_t begin = ++i;
      while (i < t.size() && t[i] != '"') i += (t[i] == '\\') ? 2 : 1;
      spans.push_back({begin, std::min(i, t.size()), key});
    }
  }
  // Bearer / Basic credentials, wherever they stand (headers, curl -v, error text).
  for (std::string_view scheme : {std::string_view("bearer "), std::string_view("basic ")}) {
    for (std::size_t at = ifind(t, scheme, 0); at != std::string_view::npos; at = ifind(t, scheme, at + 1)) {
      std::size_t i = at + scheme.size();
      while (i < t.size() && t[i] == ' ') ++i;
      const std::size_t begin = i;
      while (i < t.size() && is_token_char(t[i])) ++i;
      if (i - begin >= 8) spans.push_back({begin, i, std::string(scheme.substr(0, scheme.size() - 1))});
    }
  }
  // Cookie and Set-Cookie header lines, and Authorization headers of other schemes.
  for (std::string_view header : {std::string_view("set-cookie:"), std::string_view("cookie:"),
                                  std::string_view("authorization:"), std::string_view("x-api-key:"),
                                  std::string_view("api-key:"), std::string_view("ocp-apim-subscription-key:")}) {
    for (std::size_t at = ifind(t, header, 0); at != std::string_view::npos; at = ifind(t, header, at + 1)) {
      if (header == "cookie:" && at >= 4 && ifind(t.substr(at - 4, 4), "set-", 0) == 0) continue;
      std::size_t i = at + header.size();
      while (i < t.size() && t[i] == ' ') ++i;
      const std::size_t begin = i;
      while (i < t.size() && t[i] != '\n' && t[i] != '\r' && t[i] != '"') ++i;
      if (header == "authorization:") {
        // "Bearer x" is handled above; mask only the credential, not the scheme name.
        auto space = t.substr(begin, i - begin).find(' ');
        if (space != std::string_view::npos) continue;
      }
      if (i > begin) spans.push_back({begin, i, std::string(header.substr(0, header.size() - 1))});
    }
  }
  // The password of URL userinfo (postgres://user:pw@host, https://user:pw@host): the user
  // name stays, the password goes.
  for (std::size_t at = t.find("://"); at != std::string_view::npos; at = t.find("://", at + 3)) {
    const std::size_t start = at + 3;
    std::size_t end = start;
    while (end < t.size() && t[end] != '/' && t[end] != '?' && t[end] != '#' && t[end] != '"' && t[end] != '\'' &&
           !std::isspace(static_cast<unsigned char>(t[end])))
      ++end;
    const std::string_view authority = t.substr(start, end - start);
    const auto at_sign = authority.rfind('@');
    if (at_sign == std::string_view::npos) continue;
    const auto colon = authority.substr(0, at_sign).find(':');
    if (colon == std::string_view::npos || colon + 1 == at_sign) continue;
    spans.push_back({start + colon + 1, start + at_sign, "url-password"});
  }
  // Connection-string keys (Azure Storage, Service Bus, ADO.NET): the value up to the next ';'.
  for (std::string_view key : {std::string_view("accountkey="), std::string_view("sharedaccesskey="),
                               std::string_view("password="), std::string_view("pwd=")}) {
    for (std::size_t at = ifind(t, key, 0); at != std::string_view::npos; at = ifind(t, key, at + 1)) {
      if (at > 0 && (std::isalnum(static_cast<unsigned char>(t[at - 1])) || t[at - 1] == '_')) continue;
      std::size_t i = at + key.size();
      const std::size_t begin = i;
      while (i < t.size() && t[i] != ';' && t[i] != '"' && t[i] != '&' && t[i] != '\n' &&
             !std::isspace(static_cast<unsigned char>(t[i])))
        ++i;
      if (i > begin) spans.push_back({begin, i, std::string(key.substr(0, key.size() - 1))});
    }
  }
  // Token-bearing query parameters.
  for (std::string_view param : {std::string_view("access_token="), std::string_view("token="),
                                 std::string_view("sig="), std::string_view("code=")}) {
    for (std::size_t at = ifind(t, param, 0); at != std::string_view::npos; at = ifind(t, param, at + 1)) {
      if (at > 0 && (t[at - 1] != '?' && t[at - 1] != '&')) continue;
      std::size_t i = at + param.size();
      const std::size_t begin = i;
      while (i < t.size() && t[i] != '&' && t[i] != ' ' && t[i] != '"' && t[i] != '\n') ++i;
      if (i > begin) spans.push_back({begin, i, std::string(param.substr(0, param.size() - 1))});
    }
  }
}

std::string apply_mask(std::string_view t, std::vector<Span> spans) {
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
  std::string out;
  std::size_t pos = 0;
  for (const auto& s : spans) {
    if (s.begin < pos) continue;  // overlapping spans: the first one already masked it
    out.append(t.substr(pos, s.begin - pos));
    out.append(kMask);
    pos = s.end;
  }
  out.append(t.substr(pos));
  return out;
}

}  // namespace

SecretRegistry& SecretRegistry::process() {
  static SecretRegistry registry;
  return registry;
}

std::vector<std::pair<std::string, std::string>> SecretRegistry::forms_of(std::string_view value) {
  std::vector<std::pair<std::string, std::string>> forms;
  auto add_form = [&](std::string f, const char* kind) {
    if (f.empty()) return;
    for (const auto& [g, k] : forms)
      if (g == f) return;
    forms.emplace_back(std::move(f), kind);
  };
  auto push = [&](std::string f, const char* kind) {
    if (value.size() < kMinEncodedLength || f.size() < kMinEncodedLength) return;
    add_form(std::move(f), kind);
  };
  add_form(std::string(value), "plain");
  // As a JSON string holds it (quotes, backslashes, control characters escaped; and with every
  // non-ASCII character as \uXXXX), without the surrounding quotes.
  for (const bool ascii : {false, true}) {
    const std::string dumped =
        nlohmann::json(std::string(value)).dump(-1, ' ', ascii, nlohmann::json::error_handler_t::ignore);
    if (dumped.size() >= 2) add_form(dumped.substr(1, dumped.size() - 2), "json-escaped");
  }
  const std::string percent = percent_encode(value);
  push(percent, "percent");
  push(to_lower(percent), "percent");
  {
    static const char* kDigits = "0123456789abcdef";
    std::string hex;
    for (unsigned char c : value) {
      hex += kDigits[c >> 4];
      hex += kDigits[c & 15];
    }
    std::string upper = hex;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    push(hex, "hex");
    push(upper, "hex");
  }
  push(base64_encode(value, false, true), "base64");
  push(base64_encode(value, false, false), "base64");
  push(base64_encode(value, true, false), "base64url");
  // Inside a longer base64 blob the value starts at byte offset 0, 1 or 2 of a 3-byte group;
  // the characters that depend on the value alone are the same whatever surrounds it.
  for (std::size_t k = 1; k <= 2; ++k) {
    std::string padded(k, '\0');
    padded.append(value);
    const std::string enc = base64_encode(padded, false, false);
    const std::size_t first = (8 * k + 5) / 6;
    const std::size_t last = (8 * (k + value.size())) / 6;  // exclusive
    if (last > first) push(enc.substr(first, last - first), "base64-inner");
  }
  {
    const std::string enc = base64_encode(value, false, false);
    const std::size_t full = (8 * value.size()) / 6;
    push(enc.substr(0, full), "base64-inner");
  }
  return forms;
}

void SecretRegistry::add(std::string_view value, std::string_view name) {
  if (value.empty()) return;
  std::lock_guard lock(mu_);
  for (const auto& [v, n] : values_)
    if (v == value) return;
  // Said once per value, on stderr (the case log): a short secret is masked where it appears
  // as it is, and its encoded forms cannot be looked for.
  if (value.size() < kMinEncodedLength)
    std::fprintf(stderr, "infra-dod: the secret %.*s is %zu characters long: masked where it appears as it is; its "
                 "base64, percent and hex forms are too short to mask safely\n",
                 static_cast<int>(name.size()), name.data(), value.size());
  values_.emplace_back(std::string(value), std::string(name));
  for (auto& [form, kind] : forms_of(value)) {
    if (std::find(forms_.begin(), forms_.end(), form) == forms_.end()) forms_.push_back(form);
  }
  std::sort(forms_.begin(), forms_.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  if (!fingerprint_file_.empty()) write_fingerprints(value, name);
}

std::string SecretRegistry::mask(std::string_view text) const {
  std::string out(text);
  {
    std::lock_guard lock(mu_);
    for (const auto& form : forms_) {
      for (std::size_t at = out.find(form); at != std::string::npos; at = out.find(form, at + kMask.size()))
        out.replace(at, form.size(), kMask);
    }
  }
  return mask_markers(out);
}

bool SecretRegistry::contains_registered(std::string_view text) const {
  std::lock_guard lock(mu_);
  for (const auto& form : forms_)
    if (text.find(form) != std::string_view::npos) return true;
  return false;
}

std::size_t SecretRegistry::size() const {
  std::lock_guard lock(mu_);
  return values_.size();
}

void SecretRegistry::clear() {
  std::lock_guard lock(mu_);
  values_.clear();
  forms_.clear();
  fingerprint_file_.clear();
}

void SecretRegistry::persist_to(const std::filesystem::path& file) {
  std::lock_guard lock(mu_);
  fingerprint_file_ = file;
  for (const auto& [v, n] : values_) write_fingerprints(v, n);
}

void SecretRegistry::write_fingerprints(std::string_view value, std::string_view name) const {
  std::string lines;
  for (const auto& [form, kind] : forms_of(value)) {
    const std::string salt = random_hex(8);
    nlohmann::json j = {{"length", form.size()},
                        {"rolling", static_cast<std::uint16_t>(roll_hash(form) & 0xffff)},
                        {"salt", salt},
                        {"sha256", sha256_hex(salt + form)},
                        {"name", std::string(name)},
                        {"form", kind}};
    lines += j.dump() + "\n";
  }
  const int fd = ::open(fingerprint_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return;
  [[maybe_unused]] auto n = ::write(fd, lines.data(), lines.size());
  ::close(fd);
}

std::vector<SecretFingerprint> SecretRegistry::load_fingerprints(const std::filesystem::path& file) {
  std::vector<SecretFingerprint> out;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) continue;
    out.push_back({j.value("length", std::size_t{0}), j.value("rolling", std::uint16_t{0}),
                   j.value("salt", ""), j.value("sha256", ""), j.value("name", ""), j.value("form", "")});
  }
  return out;
}

std::vector<SecretFinding> SecretRegistry::scan(std::string_view text,
                                                const std::vector<SecretFingerprint>& fps) {
  std::vector<SecretFinding> findings;
  std::vector<std::size_t> lengths;
  for (const auto& f : fps)
    if (std::find(lengths.begin(), lengths.end(), f.length) == lengths.end()) lengths.push_back(f.length);
  for (std::size_t len : lengths) {
    if (len == 0 || text.size() < len) continue;
    std::uint64_t top = 1;
    for (std::size_t i = 1; i < len; ++i) top *= kRollBase;
    std::uint64_t h = roll_hash(text.substr(0, len));
    for (std::size_t i = 0;; ++i) {
      const auto low = static_cast<std::uint16_t>(h & 0xffff);
      for (const auto& f : fps) {
        if (f.length != len || f.rolling != low) continue;
        if (sha256_hex(f.salt + std::string(text.substr(i, len))) == f.sha256)
          findings.push_back({f.name, f.form, i});
      }
      if (i + len >= text.size()) break;
      h = (h - static_cast<unsigned char>(text[i]) * top) * kRollBase + static_cast<unsigned char>(text[i + len]);
    }
  }
  return findings;
}

std::string mask_markers(std::string_view text) {
  std::vector<Span> spans;
  collect_spans(text, spans);
  if (spans.empty()) return std::string(text);
  return apply_mask(text, std::move(spans));
}

std::vector<MarkerFinding> find_raw_markers(std::string_view text) {
  std::vector<Span> spans;
  collect_spans(text, spans);
  std::vector<MarkerFinding> out;
  for (const auto& s : spans) {
    std::string_view v = text.substr(s.begin, s.end - s.begin);
    if (v == kMask || v.empty() || v == "\\\"***\\\"" || starts_with(v, kMask)) continue;
    out.push_back({s.marker, s.begin});
  }
  return out;
}

}  // namespace infra_dod
