#include "rules/addresses.h"

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <string>

namespace infra_dod {

namespace {

bool ipv4_private(const std::array<std::uint8_t, 4>& a) {
  return a[0] == 10 || (a[0] == 172 && (a[1] & 0xF0) == 16) || (a[0] == 192 && a[1] == 168) ||
         (a[0] == 100 && (a[1] & 0xC0) == 64);
}

}  // namespace

AddressClass classify_address(std::string_view text) {
  // inet_pton needs a terminated string; an embedded NUL or a zone id ("fe80::1%eth0") is not
  // an address a resolver hands back for a service name.
  const std::string s(text);
  if (s.empty() || s.find('\0') != std::string::npos) return AddressClass::not_an_address;
  std::array<std::uint8_t, 4> v4{};
  if (inet_pton(AF_INET, s.c_str(), v4.data()) == 1)
    return ipv4_private(v4) ? AddressClass::private_address : AddressClass::not_private;
  std::array<std::uint8_t, 16> v6{};
  if (inet_pton(AF_INET6, s.c_str(), v6.data()) != 1) return AddressClass::not_an_address;
  bool mapped = v6[10] == 0xFF && v6[11] == 0xFF;
  for (int i = 0; i < 10; ++i) mapped = mapped && v6[i] == 0;
  if (mapped) return ipv4_private({v6[12], v6[13], v6[14], v6[15]}) ? AddressClass::private_address : AddressClass::not_private;
  return (v6[0] & 0xFE) == 0xFC ? AddressClass::private_address : AddressClass::not_private;
}

}  // namespace infra_dod
