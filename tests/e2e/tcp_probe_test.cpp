// The in-pod probe (fixtures/probes/tcp_probe.js) run by a real node, as the LangFuse image
// runs it: its line is the one the private-path rule reads, for an open and a refused port and
// for a name that does not resolve. The sandbox's pods answer in this shape; this keeps the two
// honest.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "e2e/support.h"
#include "rules/private_path.h"

namespace infra_dod::e2e {
namespace {

std::string script() { return slurp(source_dir() / "fixtures/probes/tcp_probe.js"); }

// A listening socket on 127.0.0.1; its port, and the fd to close.
std::pair<int, int> listener() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::listen(fd, 4);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return {ntohs(addr.sin_port), fd};
}

class TcpProbe : public ::testing::Test {
 protected:
  void SetUp() override {
    if (find_executable("node", {}).empty()) GTEST_SKIP() << "node is not installed: the probe's own run is not checked";
  }
  nlohmann::json probe(const std::string& host, int port) {
    const auto r = run({"node", "-e", script(), host, std::to_string(port), "1000"}, {}, std::chrono::seconds(30));
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    const auto line = probe_line(r.out);
    EXPECT_TRUE(line) << r.out;
    return line.value_or(nlohmann::json::object());
  }
};

TEST_F(TcpProbe, ReportsTheAddressAndAnOpenConnection) {
  const auto [port, fd] = listener();
  const auto line = probe(std::string("127.0.0.1"), port);
  ::close(fd);
  EXPECT_EQ(line["address"], "127.0.0.1");
  EXPECT_EQ(line["family"], 4);
  EXPECT_EQ(line["connected"], true);
  EXPECT_TRUE(line["connect_error"].is_null());
}

TEST_F(TcpProbe, ReportsARefusedConnection) {
  const auto [port, fd] = listener();
  ::close(fd);
  const auto line = probe("127.0.0.1", port);
  EXPECT_EQ(line["connected"], false);
  EXPECT_EQ(line["connect_error"], "ECONNREFUSED");
}

TEST_F(TcpProbe, ReportsANameThatDoesNotResolve) {
  const auto line = probe("no-such-host.invalid", 5432);
  EXPECT_TRUE(line["address"].is_null());
  EXPECT_EQ(line["resolve_error"], "ENOTFOUND");
}

}  // namespace
}  // namespace infra_dod::e2e
