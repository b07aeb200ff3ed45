#include "runtime/http.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <thread>

#include "runtime/secrets.h"

namespace infra_dod {
namespace {

using namespace std::chrono_literals;

class Http : public ::testing::Test {
 protected:
  void SetUp() override {
    server.Get("/ok", [](const httplib::Request&, httplib::Response& res) { res.set_content("{\"a\":1}", "application/json"); });
    server.Get("/throttled-once", [this](const httplib::Request&, httplib::Response& res) {
      if (hits++ == 0) {
        res.status = 429;
        res.set_header("Retry-After", "7");
        res.set_content("{\"error\":{\"code\":\"TooManyRequests\"}}", "application/json");
        return;
      }
      res.set_content("{}", "application/json");
    });
    server.Get("/unavailable", [this](const httplib::Request&, httplib::Response& res) {
      ++hits;
      res.status = 503;
    });
    server.Get("/slow", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(1500ms);
      res.set_content("late", "text/plain");
    });
    server.Get("/big", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(3 << 20, 'x'), "application/json");
    });
    server.Get("/html", [](const httplib::Request&, httplib::Response& res) {
      res.status = 502;
      res.set_content("<!DOCTYPE html><html><body>Bad Gateway</body></html>", "text/html");
    });
    port = server.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { server.listen_after_bind(); });
    // httplib's stop() is a no-op until the listen loop runs; TearDown would then wait forever.
    for (int i = 0; i < 5000 && !server.is_running(); ++i) std::this_thread::sleep_for(1ms);
  }
  void TearDown() override {
    server.stop();
    thread.join();
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port) + path; }

  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::atomic<int> hits{0};
  FakeClock clock;
};

TEST_F(Http, ABodyOverTheCapFailsTheRequestNamingTheCap) {
  HttpClient client(clock);
  HttpRequest req;
  req.url = url("/big");
  req.max_body_bytes = 1 << 20;
  const auto r = client.send(req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::protocol);
  EXPECT_NE(r.error().message.find("exceeds the cap of 1048576 bytes"), std::string::npos) << r.error().message;
  req.max_body_bytes = 4 << 20;
  const auto fits = client.send(req);
  ASSERT_TRUE(fits) << fits.error().message;
  EXPECT_EQ(fits->body.size(), std::size_t{3} << 20);
}

TEST_F(Http, ReturnsStatusHeadersBodyAndAttempts) {
  HttpClient client(clock);
  auto r = client.get(url("/ok"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "{\"a\":1}");
  EXPECT_EQ(r->header("Content-Type").value_or(""), "application/json");
  EXPECT_EQ(r->attempts, 1);
}

TEST_F(Http, RetriesA429AfterTheRetryAfterItWasGiven) {
  HttpClient client(clock);
  auto r = client.get(url("/throttled-once"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->attempts, 2);
  EXPECT_EQ(clock.slept(), 7s) << "the wait must be the server's Retry-After, through the injected clock";
}

TEST_F(Http, GivesBackTheLast503AfterBoundedAttempts) {
  HttpClient client(clock);
  HttpRequest req;
  req.url = url("/unavailable");
  req.max_attempts = 3;
  auto r = client.send(req);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->attempts, 3);
  EXPECT_EQ(hits.load(), 3);
}

TEST_F(Http, NoRetryWaitsPastTheOverallDeadline) {
  HttpClient client(clock);
  HttpRequest req;
  req.url = url("/throttled-once");  // asks for a 7 s wait
  req.give_up_at = clock.now() + 5s;
  auto r = client.send(req);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429) << "the 429 is the answer when waiting would pass the deadline";
  EXPECT_EQ(r->attempts, 1);
  EXPECT_EQ(clock.slept(), 0ms);
}

TEST_F(Http, ARefusedConnectionIsAnUnreachableErrorThatCountsAttempts) {
  HttpClient client(clock);
  HttpRequest req;
  req.url = "http://127.0.0.1:1/nothing-listens-here";
  req.max_attempts = 2;
  auto r = client.send(req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::unreachable);
  EXPECT_NE(r.error().message.find("2 attempts"), std::string::npos) << r.error().message;
}

TEST_F(Http, ATotalTimeoutEndsAHungExchange) {
  HttpClient client(clock);
  HttpRequest req;
  req.url = url("/slow");
  req.total_timeout = 200ms;
  req.max_attempts = 1;
  auto r = client.send(req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::timeout);
}

TEST_F(Http, PlainHttpIsRefusedForNonLoopbackHosts) {
  HttpClient client(clock);
  auto r = client.get("http://example.invalid/api");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::config);
  EXPECT_NE(r.error().message.find("plain http"), std::string::npos);
  EXPECT_TRUE(HttpClient::is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(HttpClient::is_loopback_host("localhost"));
  EXPECT_FALSE(HttpClient::is_loopback_host("10.0.0.1"));
  EXPECT_TRUE(HttpClient::is_loopback_host("127.0.0.42"));
  EXPECT_TRUE(HttpClient::is_loopback_host("[::1]"));
  EXPECT_FALSE(HttpClient::is_loopback_host("127.evil.example")) << "a name is not an address";
}

TEST_F(Http, AnHtmlErrorPageIsAProtocolErrorNotJson) {
  HttpClient client(clock);
  auto r = client.get(url("/html"));
  ASSERT_TRUE(r);
  auto d = describe_http_failure(r.value());
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().kind, ErrorKind::protocol);
  EXPECT_NE(d.error().message.find("HTML"), std::string::npos);
}

TEST_F(Http, TheLogNeverCarriesCredentials) {
  SecretRegistry::process().add("query-secret-123456", "TEST");
  std::vector<std::string> lines;
  HttpClient client(clock, [&](const std::string& l) { lines.push_back(l); });
  client.get(url("/ok?key=query-secret-123456"), {{"Authorization", "Bearer abcdefghijklmnop"}});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].find("query-secret-123456"), std::string::npos) << lines[0];
  EXPECT_EQ(lines[0].find("abcdefghijklmnop"), std::string::npos) << lines[0];
}

TEST(RetryAfter, AcceptsSecondsAndHttpDatesAndCapsThem) {
  const auto now = std::chrono::system_clock::from_time_t(1'800'000'000);
  EXPECT_EQ(HttpClient::parse_retry_after("3", now), 3s);
  EXPECT_EQ(HttpClient::parse_retry_after("99999", now), 120s);
  EXPECT_EQ(HttpClient::parse_retry_after("Fri, 15 Jan 2027 08:00:05 GMT", now), 5s);
  EXPECT_FALSE(HttpClient::parse_retry_after("soon", now));
  // Far in the future: capped, never overflowed into "no wait".
  EXPECT_EQ(HttpClient::parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now), 120s);
  EXPECT_EQ(HttpClient::parse_retry_after("Thu, 01 Jan 2300 00:00:00 GMT", now), 120s);
}

}  // namespace
}  // namespace infra_dod
