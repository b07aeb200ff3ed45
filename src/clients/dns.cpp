#include "clients/dns.h"

// Before ldns: without stdbool.h first, ldns's headers define true and false as the int macros
// 1 and 0 for the rest of the file.
#include <stdbool.h>

#include <arpa/inet.h>
#include <ldns/ldns.h>
#include <sys/time.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>

namespace infra_dod {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct ResolverFree {
  void operator()(ldns_resolver* r) const { ldns_resolver_deep_free(r); }
};
struct PktFree {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
struct RdfFree {
  void operator()(ldns_rdf* r) const { ldns_rdf_deep_free(r); }
};
struct CharFree {
  void operator()(char* s) const { std::free(s); }
};
using ResolverPtr = std::unique_ptr<ldns_resolver, ResolverFree>;
using PktPtr = std::unique_ptr<ldns_pkt, PktFree>;
using RdfPtr = std::unique_ptr<ldns_rdf, RdfFree>;
using CharPtr = std::unique_ptr<char, CharFree>;

struct ServerSpec {
  std::string label;  // "system" or the string as given
  bool system = false;
  std::string host;   // an IP literal
  bool v6 = false;
  std::uint16_t port = 53;
};

Error config_error(const std::string& server, const std::string& why) {
  return {ErrorKind::config, "DNS server \"" + server + "\" is malformed: " + why +
                                 " (expected host, host:port or [v6]:port, the host an IP address)"};
}

Result<ServerSpec> parse_server(const std::string& server) {
  ServerSpec spec;
  if (server.empty()) {
    spec.label = "system";
    spec.system = true;
    return spec;
  }
  spec.label = server;
  std::string host;
  std::optional<std::string> port;
  if (server.front() == '[') {
    const auto close = server.find(']');
    if (close == std::string::npos) return config_error(server, "no closing ']'");
    host = server.substr(1, close - 1);
    const std::string rest = server.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return config_error(server, "unexpected text after ']'");
      port = rest.substr(1);
    }
    in6_addr a6{};
    if (inet_pton(AF_INET6, host.c_str(), &a6) != 1) return config_error(server, "not an IPv6 address in brackets");
    spec.v6 = true;
  } else {
    const auto colons = std::count(server.begin(), server.end(), ':');
    if (colons == 1) {
      const auto colon = server.find(':');
      host = server.substr(0, colon);
      port = server.substr(colon + 1);
    } else {
      host = server;  // no port, or a bare IPv6 address
    }
    in_addr a4{};
    in6_addr a6{};
    if (inet_pton(AF_INET, host.c_str(), &a4) == 1) {
      spec.v6 = false;
    } else if (colons > 1 && inet_pton(AF_INET6, host.c_str(), &a6) == 1) {
      spec.v6 = true;
    } else {
      return config_error(server, "\"" + host + "\" is not an IP address");
    }
  }
  if (port) {
    if (port->empty() || port->size() > 5 ||
        !std::all_of(port->begin(), port->end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
      return config_error(server, "port \"" + *port + "\" is not a number");
    }
    const long p = std::stol(*port);
    if (p < 1 || p > 65535) return config_error(server, "port " + *port + " is out of range");
    spec.port = static_cast<std::uint16_t>(p);
  }
  spec.host = host;
  return spec;
}

Result<ResolverPtr> make_resolver(const ServerSpec& spec) {
  ldns_resolver* raw = nullptr;
  if (spec.system) {
    const ldns_status st = ldns_resolver_new_frm_file(&raw, nullptr);
    if (st != LDNS_STATUS_OK || raw == nullptr) {
      return Error{ErrorKind::config,
                   std::string("the system resolver's configuration cannot be read: ") + ldns_get_errorstr_by_id(st)};
    }
  } else {
    raw = ldns_resolver_new();
    if (raw == nullptr) return Error{ErrorKind::internal, "cannot allocate a DNS resolver"};
  }
  ResolverPtr r(raw);
  if (!spec.system) {
    RdfPtr addr(ldns_rdf_new_frm_str(spec.v6 ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, spec.host.c_str()));
    if (!addr || ldns_resolver_push_nameserver(r.get(), addr.get()) != LDNS_STATUS_OK) {
      return config_error(spec.label, "\"" + spec.host + "\" is not usable as a nameserver address");
    }
    ldns_resolver_set_port(r.get(), spec.port);
  }
  if (ldns_resolver_nameserver_count(r.get()) == 0) {
    return Error{ErrorKind::config, "the system resolver has no nameserver configured"};
  }
  // One deadline over everything: no sleep between rounds, no silent TCP fallback (truncation is
  // handled below within the deadline), no search list, the servers in their configured order.
  ldns_resolver_set_retrans(r.get(), 0);
  ldns_resolver_set_fallback(r.get(), false);
  ldns_resolver_set_usevc(r.get(), false);
  ldns_resolver_set_defnames(r.get(), false);
  ldns_resolver_set_dnsrch(r.get(), false);
  ldns_resolver_set_random(r.get(), false);
  ldns_resolver_set_recursive(r.get(), true);
  ldns_resolver_set_dnssec(r.get(), false);
  ldns_resolver_set_fail(r.get(), false);
  return r;
}

std::string rcode_name(ldns_pkt_rcode rcode) {
  const ldns_lookup_table* entry = ldns_lookup_by_id(ldns_rcodes, static_cast<int>(rcode));
  if (entry != nullptr && entry->name != nullptr) return entry->name;
  return "RCODE" + std::to_string(static_cast<int>(rcode));
}

const char* type_name(ldns_rr_type type) { return type == LDNS_RR_TYPE_AAAA ? "AAAA" : "A"; }

// Nameservers ldns has not written off as unreachable during this lookup.
std::size_t live_nameservers(const ldns_resolver* r) {
  std::size_t live = 0;
  for (std::size_t i = 0; i < ldns_resolver_nameserver_count(r); ++i) {
    if (ldns_resolver_nameserver_rtt(r, i) != LDNS_RESOLV_RTT_INF) ++live;
  }
  return std::max<std::size_t>(live, 1);
}

void set_attempts(ldns_resolver* r, milliseconds remaining, std::uint8_t tries, std::size_t splits) {
  auto per = remaining / static_cast<long>(tries * splits);
  if (per < milliseconds(1)) per = milliseconds(1);
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(per.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((per.count() % 1000) * 1000);
  ldns_resolver_set_timeout(r, tv);
  ldns_resolver_set_retry(r, tries);
}

milliseconds left(SteadyClock::time_point deadline) {
  return std::chrono::duration_cast<milliseconds>(deadline - SteadyClock::now());
}

// One query of `type`, within what is left of the deadline.
Result<PktPtr> query(ldns_resolver* r, const ldns_rdf* qname, ldns_rr_type type, const std::string& name,
                     const std::string& label, SteadyClock::time_point deadline, milliseconds timeout) {
  const auto no_answer = [&] {
    return Error{ErrorKind::timeout, "DNS server " + label + " gave no answer for " + name + " (" + type_name(type) +
                                         ") within " + std::to_string(timeout.count()) + " ms"};
  };
  auto remaining = left(deadline);
  if (remaining <= milliseconds(0)) return no_answer();

  ldns_pkt* raw_query = nullptr;
  const ldns_status prepared =
      ldns_resolver_prepare_query_pkt(&raw_query, r, qname, type, LDNS_RR_CLASS_IN, LDNS_RD);
  PktPtr q(raw_query);
  if (prepared != LDNS_STATUS_OK || !q) {
    return Error{ErrorKind::internal, std::string("cannot build the DNS query for ") + name + ": " +
                                          ldns_get_errorstr_by_id(prepared)};
  }

  // Two tries per nameserver when there is time for them (a lost datagram), one otherwise.
  const std::uint8_t tries = remaining >= milliseconds(20) ? 2 : 1;
  set_attempts(r, remaining, tries, live_nameservers(r));
  ldns_pkt* raw_answer = nullptr;
  ldns_status st = ldns_resolver_send_pkt(&raw_answer, r, q.get());
  PktPtr answer(raw_answer);

  // A truncated answer is asked again over TCP, in what is left (connect, length and body reads).
  if (st == LDNS_STATUS_OK && answer && ldns_pkt_tc(answer.get())) {
    remaining = left(deadline);
    if (remaining > milliseconds(0)) {
      set_attempts(r, remaining, 1, 3 * live_nameservers(r));
      ldns_resolver_set_usevc(r, true);
      ldns_pkt* raw_tcp = nullptr;
      const ldns_status tcp_st = ldns_resolver_send_pkt(&raw_tcp, r, q.get());
      PktPtr tcp_answer(raw_tcp);
      ldns_resolver_set_usevc(r, false);
      if (tcp_st == LDNS_STATUS_OK && tcp_answer) answer = std::move(tcp_answer);
    }
  }

  if (st == LDNS_STATUS_NETWORK_ERR) return no_answer();
  if (st == LDNS_STATUS_SOCKET_ERROR || st == LDNS_STATUS_RES_NO_NS || st == LDNS_STATUS_ERR) {
    return Error{ErrorKind::unreachable, "DNS server " + label + " cannot be reached for " + name + ": " +
                                             ldns_get_errorstr_by_id(st)};
  }
  if (st != LDNS_STATUS_OK || !answer) {
    return Error{ErrorKind::protocol, "DNS server " + label + " sent an unreadable answer for " + name + ": " +
                                          ldns_get_errorstr_by_id(st)};
  }
  if (ldns_pkt_id(answer.get()) != ldns_pkt_id(q.get()) || !ldns_pkt_qr(answer.get())) {
    return Error{ErrorKind::protocol, "DNS server " + label + " sent an answer that is not for the query for " + name};
  }
  return answer;
}

bool is_error_rcode(ldns_pkt_rcode rcode) {
  return rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN;
}

void collect(const ldns_pkt* answer, ldns_rr_type type, std::vector<std::string>& out) {
  const ldns_rr_list* rrs = ldns_pkt_answer(answer);
  for (std::size_t i = 0; rrs != nullptr && i < ldns_rr_list_rr_count(rrs); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(rrs, i);
    if (ldns_rr_get_type(rr) != type || ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN || ldns_rr_rd_count(rr) < 1) {
      continue;
    }
    CharPtr text(ldns_rdf2str(ldns_rr_rdf(rr, 0)));
    if (!text) continue;
    std::string address(text.get());
    if (std::find(out.begin(), out.end(), address) == out.end()) out.push_back(std::move(address));
  }
}

}  // namespace

Result<DnsLookup> resolve_addresses(const std::string& name, const std::string& server, milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  auto spec = parse_server(server);
  if (!spec) return spec.error();
  if (name.empty() || name == ".") return Error{ErrorKind::config, "no name to resolve"};

  const std::string absolute = name.back() == '.' ? name : name + ".";
  RdfPtr qname(ldns_dname_new_frm_str(absolute.c_str()));
  if (!qname) return Error{ErrorKind::config, "\"" + name + "\" is not a valid DNS name"};

  auto resolver = make_resolver(spec.value());
  if (!resolver) return resolver.error();
  ldns_resolver* r = resolver.value().get();
  const std::string& label = spec.value().label;

  DnsLookup lookup;
  lookup.name = name;
  lookup.server = label;
  for (const ldns_rr_type type : {LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA}) {
    auto answer = query(r, qname.get(), type, name, label, deadline, timeout);
    if (!answer) return answer.error();
    const ldns_pkt* pkt = answer.value().get();
    const ldns_pkt_rcode rcode = ldns_pkt_get_rcode(pkt);
    if (is_error_rcode(rcode)) {
      return Error{ErrorKind::server, "DNS server " + label + " answered " + rcode_name(rcode) + " for " + name +
                                          " (" + type_name(type) + ")"};
    }
    if (lookup.rcode.empty() || rcode != LDNS_RCODE_NOERROR) lookup.rcode = rcode_name(rcode);
    collect(pkt, type, lookup.addresses);
    // The name does not exist, whatever the type: no need to ask for AAAA.
    if (rcode == LDNS_RCODE_NXDOMAIN) break;
  }
  return lookup;
}

}  // namespace infra_dod
