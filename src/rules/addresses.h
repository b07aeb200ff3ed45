#pragma once
// What "private" means for the private-path checklist: RFC 1918 (10/8, 172.16/12, 192.168/16),
// the shared CGNAT range (100.64/10, RFC 6598) and IPv6 unique local addresses (fc00::/7); an
// IPv4-mapped IPv6 address is judged by its IPv4 part. Loopback, link-local and every other
// address are not private: a name that resolves to one does not prove a private path.
#include <string_view>

namespace infra_dod {

enum class AddressClass { private_address, not_private, not_an_address };

AddressClass classify_address(std::string_view text);
inline bool is_private_address(std::string_view text) {
  return classify_address(text) == AddressClass::private_address;
}

}  // namespace infra_dod
