#include "dns.h"

// Before ldns: without stdbool.h first, ldns's headers define true and false as the int macros
// 1 and 0 for the rest of the file.
#include <stdbool.h>

#include <arpa/inet.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace infra_dod::sandbox {
namespace {

using nlohmann::json;

struct PktFree {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
struct CharFree {
  void operator()(char* s) const { std::free(s); }
};
struct WireFree {
  void operator()(std::uint8_t* w) const { std::free(w); }
};
using PktPtr = std::unique_ptr<ldns_pkt, PktFree>;
using CharPtr = std::unique_ptr<char, CharFree>;
using WirePtr = std::unique_ptr<std::uint8_t, WireFree>;

constexpr int kMaxChain = 16;
constexpr std::size_t kPlainUdpLimit = 512;

std::string normalise(std::string name) {
  while (!name.empty() && name.back() == '.') name.pop_back();
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

std::string absolute(const std::string& name) { return name.empty() || name.back() != '.' ? name + "." : name; }

const json& object_member(const json& section, const char* key) {
  static const json empty = json::object();
  if (!section.contains(key)) return empty;
  const json& value = section.at(key);
  if (!value.is_object()) throw std::invalid_argument(std::string("dns.") + key + " must be an object");
  return value;
}

std::set<std::string> name_list(const json& section, const char* key) {
  std::set<std::string> names;
  if (!section.contains(key)) return names;
  const json& value = section.at(key);
  if (!value.is_array()) throw std::invalid_argument(std::string("dns.") + key + " must be a list of names");
  for (const auto& name : value) {
    if (!name.is_string()) throw std::invalid_argument(std::string("dns.") + key + " must be a list of names");
    names.insert(normalise(name.get<std::string>()));
  }
  return names;
}

// What the chain of names from the question ends in.
struct Resolution {
  bool silent = false;
  ldns_pkt_rcode rcode = LDNS_RCODE_NOERROR;
  std::vector<std::string> rrs;  // answer records in presentation format
};

}  // namespace

DnsServer::DnsServer(json section) {
  if (section.is_null()) section = json::object();
  if (!section.is_object()) throw std::invalid_argument("dns must be an object");
  for (const auto& [name, addresses] : object_member(section, "records").items()) {
    if (!addresses.is_array()) throw std::invalid_argument("dns.records." + name + " must be a list of addresses");
    Addresses& entry = records_[normalise(name)];
    for (const auto& address : addresses) {
      const std::string text = address.is_string() ? address.get<std::string>() : address.dump();
      in_addr a4{};
      in6_addr a6{};
      if (address.is_string() && inet_pton(AF_INET, text.c_str(), &a4) == 1) {
        entry.v4.push_back(text);
      } else if (address.is_string() && inet_pton(AF_INET6, text.c_str(), &a6) == 1) {
        entry.v6.push_back(text);
      } else {
        throw std::invalid_argument("dns.records." + name + ": " + text + " is not an IPv4 or IPv6 address");
      }
    }
  }
  for (const auto& [name, target] : object_member(section, "cnames").items()) {
    if (!target.is_string() || target.get<std::string>().empty()) {
      throw std::invalid_argument("dns.cnames." + name + " must be a name");
    }
    cnames_[normalise(name)] = target.get<std::string>();
  }
  silent_ = name_list(section, "silent");
  servfail_ = name_list(section, "servfail");
  if (section.contains("silent_all")) {
    if (!section.at("silent_all").is_boolean()) throw std::invalid_argument("dns.silent_all must be true or false");
    silent_all_ = section.at("silent_all").get<bool>();
  }
  if (section.contains("ttl")) {
    const json& ttl = section.at("ttl");
    if (!ttl.is_number_integer() || ttl.get<long long>() < 0 || ttl.get<long long>() > 2147483647LL) {
      throw std::invalid_argument("dns.ttl must be a whole number of seconds");
    }
    ttl_ = static_cast<std::uint32_t>(ttl.get<long long>());
  }
}

DnsServer::~DnsServer() { stop(); }

int DnsServer::start() {
  std::lock_guard lock(lifecycle_mu_);
  if (thread_.joinable()) return port_;
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("dns: cannot open a UDP socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("dns: cannot bind 127.0.0.1");
  }
  fd_ = fd;
  port_ = ntohs(addr.sin_port);
  stopping_ = false;
  thread_ = std::thread([this] { serve(); });
  return port_;
}

void DnsServer::stop() {
  std::lock_guard lock(lifecycle_mu_);
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

void DnsServer::serve() {
  std::vector<std::uint8_t> buffer(65536);
  while (!stopping_) {
    pollfd pfd{fd_, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, 50);
    if (ready <= 0 || (pfd.revents & POLLIN) == 0) continue;
    sockaddr_storage from{};
    socklen_t from_len = sizeof from;
    const ssize_t got = ::recvfrom(fd_, buffer.data(), buffer.size(), MSG_DONTWAIT,
                                   reinterpret_cast<sockaddr*>(&from), &from_len);
    if (got <= 0) continue;
    const auto reply = answer(buffer.data(), static_cast<std::size_t>(got));
    if (!reply) continue;
    // Counted before the answer leaves, so a client that has its answer sees it counted.
    ++queries_;
    ::sendto(fd_, reply->data(), reply->size(), 0, reinterpret_cast<const sockaddr*>(&from), from_len);
  }
}

std::optional<std::vector<std::uint8_t>> DnsServer::answer(const std::uint8_t* data, std::size_t size) const {
  if (silent_all_ || data == nullptr || size == 0) return std::nullopt;
  ldns_pkt* raw = nullptr;
  if (ldns_wire2pkt(&raw, data, size) != LDNS_STATUS_OK || raw == nullptr) return std::nullopt;
  const PktPtr query(raw);
  if (ldns_pkt_qr(query.get()) || ldns_pkt_get_opcode(query.get()) != LDNS_PACKET_QUERY) return std::nullopt;
  const ldns_rr_list* questions = ldns_pkt_question(query.get());
  if (questions == nullptr || ldns_rr_list_rr_count(questions) != 1) return std::nullopt;
  const ldns_rr* question = ldns_rr_list_rr(questions, 0);
  const CharPtr owner_text(ldns_rdf2str(ldns_rr_owner(question)));
  if (!owner_text) return std::nullopt;
  const std::string asked = owner_text.get();  // as asked, with the trailing dot
  const ldns_rr_type qtype = ldns_rr_get_type(question);
  const ldns_rr_class qclass = ldns_rr_get_class(question);
  const std::string ttl = std::to_string(ttl_);

  Resolution res;
  if (qclass != LDNS_RR_CLASS_IN && qclass != LDNS_RR_CLASS_ANY) {
    res.rcode = LDNS_RCODE_REFUSED;
  } else {
    std::string owner = asked;
    std::string key = normalise(asked);
    std::set<std::string> seen;
    for (int hop = 0;; ++hop) {
      if (silent_.count(key) != 0) return std::nullopt;
      if (servfail_.count(key) != 0 || hop > kMaxChain || !seen.insert(key).second) {
        res.rcode = LDNS_RCODE_SERVFAIL;
        res.rrs.clear();
        break;
      }
      const auto cname = cnames_.find(key);
      if (cname != cnames_.end()) {
        res.rrs.push_back(owner + " " + ttl + " IN CNAME " + absolute(cname->second));
        if (qtype == LDNS_RR_TYPE_CNAME) break;
        owner = absolute(cname->second);
        key = normalise(cname->second);
        continue;
      }
      const auto record = records_.find(key);
      if (record == records_.end()) {
        res.rcode = LDNS_RCODE_NXDOMAIN;
        break;
      }
      const bool any = qtype == LDNS_RR_TYPE_ANY;
      if (qtype == LDNS_RR_TYPE_A || any) {
        for (const auto& a : record->second.v4) res.rrs.push_back(owner + " " + ttl + " IN A " + a);
      }
      if (qtype == LDNS_RR_TYPE_AAAA || any) {
        for (const auto& a : record->second.v6) res.rrs.push_back(owner + " " + ttl + " IN AAAA " + a);
      }
      break;
    }
  }

  // The reply: same id and question, QR and AA set, RD copied, RA set. An answer too large for
  // the asker's UDP size goes out truncated (TC, no records), for it to ask again over TCP.
  const std::uint16_t edns_size = ldns_pkt_edns_udp_size(query.get());
  const std::size_t limit = std::max<std::size_t>(kPlainUdpLimit, edns_size);
  for (const bool with_records : {true, false}) {
    const PktPtr reply(ldns_pkt_new());
    if (!reply) return std::nullopt;
    ldns_pkt_set_id(reply.get(), ldns_pkt_id(query.get()));
    ldns_pkt_set_qr(reply.get(), true);
    ldns_pkt_set_aa(reply.get(), true);
    ldns_pkt_set_rd(reply.get(), ldns_pkt_rd(query.get()));
    ldns_pkt_set_ra(reply.get(), true);
    ldns_pkt_set_opcode(reply.get(), LDNS_PACKET_QUERY);
    ldns_pkt_set_rcode(reply.get(), static_cast<std::uint8_t>(res.rcode));
    ldns_pkt_set_tc(reply.get(), !with_records);
    if (edns_size > 0) ldns_pkt_set_edns_udp_size(reply.get(), static_cast<std::uint16_t>(std::min<std::size_t>(limit, 4096)));
    ldns_pkt_push_rr(reply.get(), LDNS_SECTION_QUESTION, ldns_rr_clone(question));
    if (with_records) {
      for (const auto& text : res.rrs) {
        ldns_rr* rr = nullptr;
        if (ldns_rr_new_frm_str(&rr, text.c_str(), 0, nullptr, nullptr) != LDNS_STATUS_OK || rr == nullptr) {
          // A scenario name ldns cannot write: fail the way a broken zone does.
          ldns_rr_list_deep_free(ldns_pkt_answer(reply.get()));
          ldns_pkt_set_answer(reply.get(), ldns_rr_list_new());
          ldns_pkt_set_ancount(reply.get(), 0);
          ldns_pkt_set_rcode(reply.get(), static_cast<std::uint8_t>(LDNS_RCODE_SERVFAIL));
          break;
        }
        ldns_pkt_push_rr(reply.get(), LDNS_SECTION_ANSWER, rr);
      }
    }
    std::uint8_t* wire = nullptr;
    std::size_t wire_size = 0;
    if (ldns_pkt2wire(&wire, reply.get(), &wire_size) != LDNS_STATUS_OK || wire == nullptr) return std::nullopt;
    const WirePtr owned(wire);
    if (with_records && wire_size > limit) continue;
    return std::vector<std::uint8_t>(wire, wire + wire_size);
  }
  return std::nullopt;
}

}  // namespace infra_dod::sandbox
