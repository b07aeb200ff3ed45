#pragma once
// What every fuzz target shares: the input as text, and the input split in two at a length the
// input itself chooses (the first byte), so one input drives a pair of values.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace infra_dod::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

inline std::pair<std::string_view, std::string_view> split_by_first_byte(std::string_view in) {
  if (in.empty()) return {};
  const std::size_t n = std::min<std::size_t>(static_cast<unsigned char>(in[0]), in.size() - 1);
  return {in.substr(1, n), in.substr(1 + n)};
}

}  // namespace infra_dod::fuzz
