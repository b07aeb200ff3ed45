#pragma once
// Emulated DNS server for the private path check: plain UDP on 127.0.0.1 (an ephemeral port),
// authoritative for the names of the scenario and nothing else. Not an HTTP service, so not a
// Service: it has its own socket and thread. Queries are parsed and answers built with ldns;
// datagrams that are not a single-question query are ignored.
//
// Scenario section "dns":
//   "records":    {"<name>": ["10.0.0.4", "fd00::5"], ...}: an A query gets the name's IPv4
//                 addresses, an AAAA query its IPv6 ones (none of the asked family: NOERROR with
//                 an empty answer, as for any other type asked of a known name).
//   "cnames":     {"<name>": "<target>"} (optional): the answer holds the CNAME, then what the
//                 target gets, followed through further CNAMEs (NXDOMAIN when the chain ends at
//                 an unknown name; SERVFAIL when it is longer than 16 or loops).
//   "silent":     ["<name>", ...]: queries for these names, or through a CNAME to them, are never
//                 answered (a hung DNS server for that name).
//   "servfail":   ["<name>", ...]: answered SERVFAIL.
//   "silent_all": true: nothing is answered at all.
//   "ttl":        the TTL of every record (default 60).
// Names are compared case-insensitively without the trailing dot; the answer echoes the question
// as asked. Unknown names get NXDOMAIN; a class other than IN gets REFUSED.
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace infra_dod::sandbox {

class DnsServer {
 public:
  // Throws std::invalid_argument when the section is malformed (an address that is neither IPv4
  // nor IPv6, a list where a map belongs, ...), naming the key.
  explicit DnsServer(nlohmann::json section);
  ~DnsServer();
  DnsServer(const DnsServer&) = delete;
  DnsServer& operator=(const DnsServer&) = delete;

  // Binds 127.0.0.1 on an ephemeral UDP port, serves on its own thread, returns the port.
  int start();
  // Stops within a poll interval (50 ms); idempotent.
  void stop();
  int port() const { return port_; }
  // Queries answered so far (silent names and ignored datagrams are not counted).
  long queries() const { return queries_.load(); }

  // The answer to one datagram, or nothing when it is ignored or silent. Public so that the
  // answers can be checked without a socket.
  std::optional<std::vector<std::uint8_t>> answer(const std::uint8_t* data, std::size_t size) const;

 private:
  struct Addresses {
    std::vector<std::string> v4;
    std::vector<std::string> v6;
  };
  void serve();

  std::map<std::string, Addresses> records_;   // keyed by the normalised name
  std::map<std::string, std::string> cnames_;  // normalised name -> target as written
  std::set<std::string> silent_;
  std::set<std::string> servfail_;
  bool silent_all_ = false;
  std::uint32_t ttl_ = 60;

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<long> queries_{0};
  std::mutex lifecycle_mu_;
  std::thread thread_;
};

}  // namespace infra_dod::sandbox
