#pragma once
// Small text helpers shared by the runtime: encodings, hashes, UTC stamps, splitting.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace infra_dod {

std::string base64_encode(std::string_view bytes, bool url_safe = false, bool pad = true);
// Standard or URL-safe base64 (padding optional); nothing when the text is not base64.
std::optional<std::string> base64_decode(std::string_view text);
// The whole of `s` as a decimal integer (optional '-'), or nothing: no sign-less garbage, no
// trailing text, no overflow.
std::optional<std::int64_t> parse_integer(std::string_view s);
std::string trim(std::string_view s);
// The last non-blank line, trimmed: a CLI's own message comes after its log lines.
std::string last_line(std::string_view text);
std::vector<std::string> split_list(std::string_view s, char sep = ',');  // trimmed, empties dropped
std::string to_lower(std::string_view s);
// RFC 3986 percent-encoding: every byte but letters, digits and "-_.~" (and "/" when `keep_slash`).
std::string percent_encode(std::string_view s, bool keep_slash = false);
bool iequals(std::string_view a, std::string_view b);
bool starts_with(std::string_view s, std::string_view prefix);
// 2026-11-26T20:31:04.123Z
std::string utc_iso(std::chrono::system_clock::time_point t);
// Parses 2026-11-26, 2026-11-26T10:00:00Z or with fractions; nothing when it is not one. A date
// alone means the end of that day.
std::optional<std::chrono::system_clock::time_point> parse_utc(const std::string& s);
// 20261126T203104Z, for folder names
std::string utc_compact(std::chrono::system_clock::time_point t);
// At most `max` bytes of `s`, cut on a UTF-8 character boundary, with "..." when cut.
std::string truncate_utf8(std::string_view s, std::size_t max);
// The first line of a message: gtest prefixes failures and skips with "<file>:<line>".
std::string drop_source_location(std::string_view gtest_message);

}  // namespace infra_dod
