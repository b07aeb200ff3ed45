// The ARM client sends its token to the configured endpoint only, and a list that never ends is
// an error, not a silent pass.
#include "clients/azure.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <thread>

namespace infra_dod {
namespace {

class LoopbackServer {
 public:
  explicit LoopbackServer(const std::function<void(httplib::Server&)>& routes) {
    routes(server_);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 2000 && !server_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~LoopbackServer() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

class ArmClientTest : public ::testing::Test {
 protected:
  ArmClientTest()
      : other_([this](httplib::Server& s) {
          s.Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
            if (!req.get_header_value("Authorization").empty()) ++tokens_elsewhere_;
            res.set_content("{}", "application/json");
          });
        }),
        arm_([this](httplib::Server& s) {
          s.Get("/subscriptions/s/self", [this](const httplib::Request&, httplib::Response& res) {
            res.set_content(R"({"value":[{"id":"x"}],"nextLink":")" + arm_url() + R"(/subscriptions/s/self?api-version=1"})",
                            "application/json");
          });
          s.Get("/subscriptions/s/away", [this](const httplib::Request&, httplib::Response& res) {
            res.set_content(R"({"value":[],"nextLink":")" + other_.url() + R"(/page2"})", "application/json");
          });
          s.Get("/subscriptions/s/endless", [](const httplib::Request& req, httplib::Response& res) {
            const int n = std::stoi(req.has_param("n") ? req.get_param_value("n") : "0");
            res.set_content(R"({"value":[],"nextLink":"http://127.0.0.1:)" + std::to_string(req.local_port) +
                                "/subscriptions/s/endless?api-version=1&n=" + std::to_string(n + 1) + R"("})",
                            "application/json");
          });
          s.Get(".*", [](const httplib::Request&, httplib::Response& res) { res.set_content("{}", "application/json"); });
        }) {}

  std::string arm_url() const { return arm_.url(); }
  ArmResult get(const std::string& path, bool list = false) {
    const ArmClient client(arm_.url() + "/", "arm-test-token", http_, cfg_);
    return client.get(path, "1", list);
  }

  std::atomic<int> tokens_elsewhere_{0};
  LoopbackServer other_;
  LoopbackServer arm_;
  Config cfg_ = Config::load({{"INFRA_DOD_HTTP_MAX_ATTEMPTS", "1"}}).value();
  HttpClient http_;
};

TEST_F(ArmClientTest, APathThatNamesAnotherHostIsRefusedBeforeTheTokenIsSent) {
  const std::string other = std::to_string(other_.port());
  for (const std::string& path :
       std::vector<std::string>{"@127.0.0.1:" + other + "/subscriptions/s", ":" + other + "/subscriptions/s", "subscriptions/s"}) {
    const auto r = get(path);
    EXPECT_FALSE(r.ok) << path;
    EXPECT_EQ(r.error.kind, "protocol") << path;
    EXPECT_NE(r.error.message.find("request URL leaves"), std::string::npos) << r.error.message;
  }
  EXPECT_EQ(tokens_elsewhere_.load(), 0);
}

TEST_F(ArmClientTest, ANextLinkToAnotherHostIsRefused) {
  const auto r = get("/subscriptions/s/away", true);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.kind, "protocol");
  EXPECT_EQ(tokens_elsewhere_.load(), 0);
}

TEST_F(ArmClientTest, ASelfReferencingNextLinkIsAnError) {
  const auto r = get("/subscriptions/s/self", true);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.message.find("nextLink repeats"), std::string::npos) << r.error.message;
}

TEST_F(ArmClientTest, AListThatNeverEndsIsAnErrorAtThePageLimit) {
  const auto r = get("/subscriptions/s/endless", true);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.message.find("does not end"), std::string::npos) << r.error.message;
}

TEST_F(ArmClientTest, AnOrdinaryPathOnTheEndpointIsSent) {
  const auto r = get("/subscriptions/s/resourceGroups/rg");
  EXPECT_TRUE(r.ok) << r.error.message;
}

TEST(UrlOrigin, IsWhatLibcurlConnectsTo) {
  EXPECT_EQ(url_origin("https://management.azure.com/x"), "https://management.azure.com:443");
  EXPECT_EQ(url_origin("https://Management.Azure.com:443/"), "https://management.azure.com:443");
  EXPECT_EQ(url_origin("https://management.azure.com@evil.example:8443/x"), "https://evil.example:8443");
  EXPECT_EQ(url_origin("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
  EXPECT_FALSE(url_origin("/relative/path"));
  EXPECT_FALSE(url_origin(""));
}

}  // namespace
}  // namespace infra_dod
