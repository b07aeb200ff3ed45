#pragma once
// Hashes and randomness (OpenSSL): kept out of the pure text helpers so the rules stay pure.
#include <cstddef>
#include <string>
#include <string_view>

namespace infra_dod {

std::string sha256_hex(std::string_view bytes);
std::string random_hex(std::size_t bytes);
// A random (version 4) UUID, lower case.
std::string guid_v4();

}  // namespace infra_dod
