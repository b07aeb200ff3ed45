// The DNS client against the sandbox's DNS server over UDP on 127.0.0.1: records, NXDOMAIN,
// CNAME chains, a hung server, SERVFAIL, malformed server strings and garbage datagrams.
// Before ldns: without stdbool.h first, ldns's headers define true and false as the int macros
// 1 and 0 for the rest of the file.
#include <stdbool.h>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "clients/dns.h"
#include "dns.h"

namespace {

using nlohmann::json;
using infra_dod::ErrorKind;
using infra_dod::resolve_addresses;
using infra_dod::sandbox::DnsServer;
using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

const json kSection = {
    {"records",
     {{"kv-prod.privatelink.vaultcore.azure.net", {"10.0.0.4"}},
      {"langfuse.internal.example", {"10.0.1.7", "fd00::5"}},
      {"v6only.internal.example", {"fd00::9"}}}},
    {"cnames",
     {{"kv-prod.vault.azure.net", "kv-prod.privatelink.vaultcore.azure.net"},
      {"alias.example", "kv-prod.vault.azure.net"},
      {"dangling.example", "nowhere.example"},
      {"to-silent.example", "hung.example"}}},
    {"silent", {"hung.example"}},
    {"servfail", {"broken.example"}},
    {"ttl", 30}};

std::string at(int port) { return "127.0.0.1:" + std::to_string(port); }

// A UDP socket on 127.0.0.1 that receives and never answers.
class DeafSocket {
 public:
  DeafSocket() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~DeafSocket() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

void send_datagram(int port, const std::vector<std::uint8_t>& bytes) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  ::sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  ::close(fd);
}

// A query for `name` in wire format, built by ldns.
std::vector<std::uint8_t> query_wire(const std::string& name, ldns_rr_type type, std::uint16_t id, bool rd) {
  ldns_rdf* qname = ldns_dname_new_frm_str(name.c_str());
  ldns_pkt* q = ldns_pkt_query_new(qname, type, LDNS_RR_CLASS_IN, rd ? LDNS_RD : 0);
  ldns_pkt_set_id(q, id);
  std::uint8_t* wire = nullptr;
  std::size_t size = 0;
  EXPECT_EQ(ldns_pkt2wire(&wire, q, &size), LDNS_STATUS_OK);
  std::vector<std::uint8_t> bytes(wire, wire + size);
  std::free(wire);
  ldns_pkt_free(q);
  return bytes;
}

class Dns : public ::testing::Test {
 protected:
  void SetUp() override { port_ = server_.start(); }
  DnsServer server_{kSection};
  int port_ = 0;
};

TEST_F(Dns, ANameWithAPrivateRecordResolvesToItThroughTheSandboxServer) {
  const auto v4 = resolve_addresses("kv-prod.privatelink.vaultcore.azure.net", at(port_), milliseconds(2000));
  ASSERT_TRUE(v4) << v4.error().what();
  EXPECT_EQ(v4->rcode, "NOERROR");
  EXPECT_EQ(v4->server, at(port_));
  EXPECT_EQ(v4->addresses, std::vector<std::string>{"10.0.0.4"});

  const auto both = resolve_addresses("langfuse.internal.example", at(port_), milliseconds(2000));
  ASSERT_TRUE(both) << both.error().what();
  EXPECT_EQ(both->addresses, (std::vector<std::string>{"10.0.1.7", "fd00::5"}));

  const auto v6 = resolve_addresses("v6only.internal.example.", at(port_), milliseconds(2000));
  ASSERT_TRUE(v6) << v6.error().what();
  EXPECT_EQ(v6->rcode, "NOERROR");
  EXPECT_EQ(v6->addresses, std::vector<std::string>{"fd00::9"});
}

TEST_F(Dns, NamesMatchWhateverTheirCaseAndTrailingDot) {
  const auto r = resolve_addresses("KV-Prod.PrivateLink.VaultCore.Azure.Net.", at(port_), milliseconds(2000));
  ASSERT_TRUE(r) << r.error().what();
  EXPECT_EQ(r->addresses, std::vector<std::string>{"10.0.0.4"});
}

TEST_F(Dns, AnUnknownNameIsAnNxdomainAnswerWithNoAddressesNotAnError) {
  const auto r = resolve_addresses("missing.example", at(port_), milliseconds(2000));
  ASSERT_TRUE(r) << r.error().what();
  EXPECT_EQ(r->rcode, "NXDOMAIN");
  EXPECT_TRUE(r->addresses.empty());
}

TEST_F(Dns, ACnameChainYieldsTheTargetsAddresses) {
  const auto r = resolve_addresses("alias.example", at(port_), milliseconds(2000));
  ASSERT_TRUE(r) << r.error().what();
  EXPECT_EQ(r->rcode, "NOERROR");
  EXPECT_EQ(r->addresses, std::vector<std::string>{"10.0.0.4"});
}

TEST_F(Dns, ACnameToAnUnknownNameIsNxdomain) {
  const auto r = resolve_addresses("dangling.example", at(port_), milliseconds(2000));
  ASSERT_TRUE(r) << r.error().what();
  EXPECT_EQ(r->rcode, "NXDOMAIN");
  EXPECT_TRUE(r->addresses.empty());
}

TEST_F(Dns, ASilentNameTimesOutWithinTheDeadlineNamingTheServerAndTheName) {
  for (const std::string name : {"hung.example", "to-silent.example"}) {
    const auto start = SteadyClock::now();
    const auto r = resolve_addresses(name, at(port_), milliseconds(300));
    const auto took = std::chrono::duration_cast<milliseconds>(SteadyClock::now() - start);
    ASSERT_FALSE(r) << name;
    EXPECT_EQ(r.error().kind, ErrorKind::timeout) << r.error().what();
    EXPECT_NE(r.error().message.find(at(port_)), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find(name), std::string::npos) << r.error().message;
    EXPECT_GE(took, milliseconds(250)) << name;
    EXPECT_LT(took, milliseconds(450)) << name;
  }
}

TEST(DnsDeadline, AServerThatNeverAnswersTimesOutInAboutTheTimeout) {
  const DeafSocket deaf;
  const auto start = SteadyClock::now();
  const auto r = resolve_addresses("anything.example", at(deaf.port()), milliseconds(300));
  const auto took = std::chrono::duration_cast<milliseconds>(SteadyClock::now() - start);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::timeout) << r.error().what();
  EXPECT_NE(r.error().message.find(at(deaf.port())), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("anything.example"), std::string::npos) << r.error().message;
  EXPECT_GE(took, milliseconds(250));
  EXPECT_LT(took, milliseconds(450));
  RecordProperty("took_ms", static_cast<int>(took.count()));
}

TEST_F(Dns, ServfailIsAServerErrorNamingTheRcode) {
  const auto r = resolve_addresses("broken.example", at(port_), milliseconds(2000));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::server);
  EXPECT_NE(r.error().message.find("SERVFAIL"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("broken.example"), std::string::npos) << r.error().message;
}

TEST(DnsServerString, AMalformedServerStringIsAConfigError) {
  for (const std::string server : {"dns.example:53", "127.0.0.1:", "127.0.0.1:99999", "127.0.0.1:5x", "[::1",
                                   "[::1]x", "[10.0.0.1]:53", "not an address"}) {
    const auto r = resolve_addresses("anything.example", server, milliseconds(100));
    ASSERT_FALSE(r) << server;
    EXPECT_EQ(r.error().kind, ErrorKind::config) << server << ": " << r.error().what();
    EXPECT_NE(r.error().message.find(server), std::string::npos) << r.error().message;
  }
}

TEST(DnsServerString, BracketedAndBareIpv6ServersAreAccepted) {
  for (const std::string server : {"[::1]:1", "::1"}) {
    const auto r = resolve_addresses("anything.example", server, milliseconds(50));
    ASSERT_FALSE(r) << server;  // nothing listens there
    EXPECT_NE(r.error().kind, ErrorKind::config) << server << ": " << r.error().what();
  }
}

TEST_F(Dns, GarbageDatagramsAreIgnoredAndTheServerStillAnswers) {
  send_datagram(port_, {});
  send_datagram(port_, {0x12});
  send_datagram(port_, {0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff});
  send_datagram(port_, std::vector<std::uint8_t>(700, 0xff));
  auto response = query_wire("langfuse.internal.example.", LDNS_RR_TYPE_A, 7, true);
  response[2] |= 0x80;  // QR: an answer, not a question
  send_datagram(port_, response);
  auto no_question = query_wire("langfuse.internal.example.", LDNS_RR_TYPE_A, 8, true);
  no_question.resize(12);
  no_question[5] = 0;  // QDCOUNT 0
  send_datagram(port_, no_question);

  const auto r = resolve_addresses("langfuse.internal.example", at(port_), milliseconds(2000));
  ASSERT_TRUE(r) << r.error().what();
  EXPECT_EQ(r->addresses, (std::vector<std::string>{"10.0.1.7", "fd00::5"}));
  EXPECT_EQ(server_.queries(), 2);  // the A and AAAA queries, none of the garbage
}

TEST(DnsAnswer, EchoesTheIdAndQuestionWithAuthoritativeAndRecursionFlags) {
  const DnsServer server(kSection);
  const auto wire = query_wire("Langfuse.Internal.Example.", LDNS_RR_TYPE_AAAA, 0x4242, true);
  const auto reply = server.answer(wire.data(), wire.size());
  ASSERT_TRUE(reply);
  ldns_pkt* pkt = nullptr;
  ASSERT_EQ(ldns_wire2pkt(&pkt, reply->data(), reply->size()), LDNS_STATUS_OK);
  EXPECT_EQ(ldns_pkt_id(pkt), 0x4242);
  EXPECT_TRUE(ldns_pkt_qr(pkt));
  EXPECT_TRUE(ldns_pkt_aa(pkt));
  EXPECT_TRUE(ldns_pkt_rd(pkt));
  EXPECT_TRUE(ldns_pkt_ra(pkt));
  EXPECT_EQ(ldns_pkt_get_rcode(pkt), LDNS_RCODE_NOERROR);
  ASSERT_EQ(ldns_pkt_qdcount(pkt), 1);
  char* question = ldns_rr2str(ldns_rr_list_rr(ldns_pkt_question(pkt), 0));
  EXPECT_STREQ(question, "Langfuse.Internal.Example.\tIN\tAAAA\n");
  std::free(question);
  ASSERT_EQ(ldns_pkt_ancount(pkt), 1);
  char* record = ldns_rr2str(ldns_rr_list_rr(ldns_pkt_answer(pkt), 0));
  EXPECT_STREQ(record, "Langfuse.Internal.Example.\t30\tIN\tAAAA\tfd00::5\n");
  std::free(record);
  ldns_pkt_free(pkt);

  const auto no_rd = query_wire("missing.example.", LDNS_RR_TYPE_A, 9, false);
  const auto nx = server.answer(no_rd.data(), no_rd.size());
  ASSERT_TRUE(nx);
  ASSERT_EQ(ldns_wire2pkt(&pkt, nx->data(), nx->size()), LDNS_STATUS_OK);
  EXPECT_FALSE(ldns_pkt_rd(pkt));
  EXPECT_EQ(ldns_pkt_get_rcode(pkt), LDNS_RCODE_NXDOMAIN);
  EXPECT_EQ(ldns_pkt_ancount(pkt), 0);
  ldns_pkt_free(pkt);
}

TEST(DnsAnswer, MutatedAndRandomDatagramsNeverCrashTheServer) {
  const DnsServer server(kSection);
  std::mt19937 rng(20240611);
  const auto valid = query_wire("alias.example.", LDNS_RR_TYPE_A, 3, true);
  for (int i = 0; i < 5000; ++i) {
    std::vector<std::uint8_t> bytes = valid;
    if (i % 2 == 0) {
      bytes.resize(rng() % 80);
      for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
    } else {
      for (int flips = 0; flips < 3; ++flips) bytes[rng() % bytes.size()] = static_cast<std::uint8_t>(rng());
      bytes.resize(bytes.size() - rng() % 4);
    }
    (void)server.answer(bytes.data(), bytes.size());
  }
  EXPECT_TRUE(server.answer(valid.data(), valid.size()));
}

TEST(DnsAnswer, SilentAllAnswersNothing) {
  const DnsServer server(json{{"silent_all", true}, {"records", {{"a.example", {"10.0.0.1"}}}}});
  const auto wire = query_wire("a.example.", LDNS_RR_TYPE_A, 1, true);
  EXPECT_FALSE(server.answer(wire.data(), wire.size()));
}

TEST(DnsAnswer, AMalformedScenarioSectionIsRejectedNamingTheKey) {
  try {
    const DnsServer server(json{{"records", {{"a.example", {"10.0.0.999"}}}}});
    FAIL() << "accepted an invalid address";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("dns.records.a.example"), std::string::npos) << e.what();
  }
}

TEST(DnsLifecycle, StopIsPromptAndIdempotent) {
  DnsServer server(kSection);
  EXPECT_GT(server.start(), 0);
  const auto start = SteadyClock::now();
  server.stop();
  server.stop();
  EXPECT_LT(SteadyClock::now() - start, milliseconds(200));
}

}  // namespace
