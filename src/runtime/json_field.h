#pragma once
// Reading a member of JSON that came from outside (ARM, Kubernetes, Databricks, Azure Monitor,
// az, a probe's line, a record file). nlohmann's value() throws when the document is not an
// object or the member has another type; what the cloud sends is data, so here a wrong type
// reads as the fallback, exactly as a missing member does, and never throws. Header-only: the
// rules use it without linking the runtime.
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <type_traits>

namespace infra_dod {

template <class T>
T field(const nlohmann::json& object, std::string_view key, T fallback) {
  if (!object.is_object()) return fallback;
  const auto it = object.find(key);
  if (it == object.end()) return fallback;
  const nlohmann::json& v = *it;
  if constexpr (std::is_same_v<T, nlohmann::json>) {
    return v;
  } else if constexpr (std::is_same_v<T, bool>) {
    return v.is_boolean() ? v.get<bool>() : fallback;
  } else if constexpr (std::is_same_v<T, std::string>) {
    return v.is_string() ? v.get<std::string>() : fallback;
  } else if constexpr (std::is_integral_v<T>) {
    if (v.is_number_unsigned()) {
      const auto n = v.get<std::uint64_t>();
      return n <= static_cast<std::uint64_t>(std::numeric_limits<T>::max()) ? static_cast<T>(n) : fallback;
    }
    if (v.is_number_integer()) {
      const auto n = v.get<std::int64_t>();
      if constexpr (std::is_unsigned_v<T>) return n >= 0 ? static_cast<T>(n) : fallback;
      else return n >= std::numeric_limits<T>::min() && n <= std::numeric_limits<T>::max() ? static_cast<T>(n) : fallback;
    }
    return fallback;
  } else if constexpr (std::is_floating_point_v<T>) {
    return v.is_number() ? v.get<T>() : fallback;
  } else {
    static_assert(std::is_same_v<T, void>, "field(): no such member type");
  }
}

inline std::string field(const nlohmann::json& object, std::string_view key, const char* fallback) {
  return field<std::string>(object, key, std::string(fallback));
}

// Why `text` is not JSON, in the parser's words without its exception prefix ("parse error at
// line 1, column 189: syntax error while parsing value - invalid string: ill-formed UTF-8 byte");
// empty when it is.
inline std::string json_parse_problem(std::string_view text) {
  try {
    const auto parsed = nlohmann::json::parse(text);
    return parsed.is_discarded() ? "discarded" : std::string();
  } catch (const nlohmann::json::parse_error& e) {
    std::string what = e.what();
    if (const auto at = what.find("] "); at != std::string::npos) what.erase(0, at + 2);
    // The bytes it last read are the text's own, which the caller quotes (masked) if it wants.
    if (const auto at = what.find("; last read:"); at != std::string::npos) what.erase(at);
    return what;
  }
}

}  // namespace infra_dod
