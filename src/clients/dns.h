#pragma once
// Name resolution as the runner sees it: what a service's public name resolves to from where the
// harness runs. The private path check reads this to tell a private endpoint's address from the
// public one. Queries A and AAAA (with ldns) against one server, within one deadline.
//
// The server is a string: empty for the system resolver (the nameservers of /etc/resolv.conf),
// else "host:port", "[v6]:port" or "host" (port 53), the host an IP address. INFRA_DOD_DNS_SERVER
// selects it; the caller reads the variable, this client only takes the string.
#include <chrono>
#include <string>
#include <vector>

#include "runtime/result.h"

namespace infra_dod {

struct DnsLookup {
  std::string name;
  std::string server;                   // "system" or the server as given ("host:port")
  std::vector<std::string> addresses;   // A then AAAA records of the answer sections, textual
  std::string rcode;                    // NOERROR, NXDOMAIN, ...
};

// The addresses `name` resolves to. A CNAME is followed only as far as the server's answer goes:
// every A and AAAA record in the answer section counts. NXDOMAIN is an answer, not an error
// (rcode NXDOMAIN, no addresses); the caller judges it.
// Errors: no answer within `timeout` -> timeout; the server cannot be reached -> unreachable;
// SERVFAIL, REFUSED or another failing rcode -> server; a malformed server string or name ->
// config; an answer that does not belong to the query -> protocol.
Result<DnsLookup> resolve_addresses(const std::string& name, const std::string& server,
                                    std::chrono::milliseconds timeout);

}  // namespace infra_dod
