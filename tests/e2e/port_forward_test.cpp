// The port-forward the LangFuse smokes start when LANGFUSE_BASE_URL is unset, with the real
// kubectl against the sandbox: the smoke passes through it, and no kubectl outlives the case:
// not after a pass, not after the harness is signalled, not after CTest kills the case at its
// timeout (a hand-written CTest file runs the case with a 4 s TIMEOUT while LangFuse hangs).
// Also the pieces underneath: kubectl's "Forwarding from" line, and a background child that
// dies with its parent.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <atomic>
#include <thread>

#include "clients/port_forward.h"
#include "e2e/support.h"
#include "runtime/background_process.h"

namespace infra_dod::e2e {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Alive and not a zombie waiting to be reaped.
bool alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string s;
  std::getline(stat, s);
  return stat && s.find(") Z ") == std::string::npos;
}

// Processes still running with this sandbox's kubeconfig (the kubectl wrapper sets it).
std::vector<pid_t> kubectls_of(const fs::path& state) {
  std::vector<pid_t> out;
  const std::string marker = "KUBECONFIG=" + (state / "kubeconfig").string();
  for (const auto& d : fs::directory_iterator("/proc")) {
    const std::string name = d.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream env(d.path() / "environ", std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(env)), std::istreambuf_iterator<char>());
    std::ifstream stat(d.path() / "stat");
    std::string stat_text;
    std::getline(stat, stat_text);
    const bool zombie = stat_text.find(") Z ") != std::string::npos;
    if (!zombie && text.find(marker + '\0') != std::string::npos) out.push_back(std::stoi(name));
  }
  return out;
}

// Polls (real time: this watches real processes) until no kubectl of the sandbox is left.
std::vector<pid_t> left_after(const fs::path& state, std::chrono::seconds within) {
  const auto give_up = std::chrono::steady_clock::now() + within;
  auto left = kubectls_of(state);
  while (!left.empty() && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    left = kubectls_of(state);
  }
  return left;
}

// A scenarios folder with healthy and `name`, which patches healthy's LangFuse section.
fs::path scenarios_with(const fs::path& tmp, const std::string& name, const json& langfuse) {
  const fs::path dir = tmp / "scenarios";
  fs::create_directories(dir);
  fs::copy(source_dir() / "fixtures/sandbox/healthy", dir / "healthy", fs::copy_options::recursive);
  fs::create_directories(dir / name);
  std::ofstream(dir / name / "scenario.json") << json{{"extends", "healthy"}, {"description", "test"}}.dump();
  std::ofstream(dir / name / "langfuse.json") << langfuse.dump();
  return dir;
}

struct Sandbox {
  fs::path tmp;
  fs::path state;
  std::map<std::string, std::optional<std::string>> env;
};

Sandbox sandbox_up(const std::string& prefix, const std::string& scenario = "healthy", const fs::path& scenarios = {}) {
  Sandbox s;
  s.tmp = fresh_dir(prefix);
  s.state = s.tmp / "state";
  std::vector<std::string> argv = {INFRA_DOD_CLI, "sandbox", "up", "--scenario", scenario, "--state-dir", s.state.string()};
  if (!scenarios.empty()) argv.insert(argv.end(), {"--scenarios", scenarios.string()});
  const auto up = run(argv);
  EXPECT_EQ(up.exit_code, 0) << up.describe();
  s.env = {{"INFRA_DOD_ENV_FILE", (s.state / "sandbox.env").string()},
           {"EVIDENCE_DIR", (s.tmp / "evidence").string()},
           {"INFRA_DOD_RUN_DIR", (s.tmp / "run").string()},
           {"HOME", (s.state / "home").string()},
           {"LANGFUSE_BASE_URL", std::nullopt}};
  return s;
}

void sandbox_down(const Sandbox& s) { run({INFRA_DOD_CLI, "sandbox", "down", "--state-dir", s.state.string()}); }

json request_log(const fs::path& state) {
  json out = json::array();
  std::ifstream in(state / "store/requests-log.jsonl");
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line, nullptr, false));
  return out;
}

bool forwarded(const json& log) {
  for (const auto& r : log)
    if (r.is_object() && r.value("target", "").find("/portforward") != std::string::npos) return true;
  return false;
}

TEST(ForwardingPort, IsReadFromKubectlsIpv4Line) {
  EXPECT_EQ(forwarding_port("Forwarding from 127.0.0.1:43215 -> 3000"), 43215);
  EXPECT_FALSE(forwarding_port("Forwarding from [::1]:43215 -> 3000"));
  EXPECT_FALSE(forwarding_port("Handling connection for 43215"));
  EXPECT_FALSE(forwarding_port("Forwarding from 127.0.0.1:99999 -> 3000"));
}

TEST(BackgroundProcess, EndsItsWholeProcessGroupWhenStopped) {
  BackgroundProcess child;
  ProcessSpec spec;
  spec.argv = {"sh", "-c", "sleep 60 & echo started $!; wait"};
  ASSERT_TRUE(child.start(spec));
  const auto line = child.wait_for_line([](const std::string& l) { return l.rfind("started ", 0) == 0; },
                                        std::chrono::seconds(10));
  ASSERT_TRUE(line) << line.error().what();
  const pid_t grandchild = std::stoi(line.value().substr(8));
  child.stop();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(alive(grandchild)) << "the child's own child outlived stop()";
}

TEST(BackgroundProcess, SaysWhyWhenTheChildExitsBeforeItsLine) {
  BackgroundProcess child;
  ProcessSpec spec;
  spec.argv = {"sh", "-c", "echo 'error: unable to forward port' >&2; exit 1"};
  ASSERT_TRUE(child.start(spec));
  const auto line = child.wait_for_line([](const std::string&) { return true; }, std::chrono::seconds(10));
  ASSERT_FALSE(line);
  EXPECT_NE(line.error().message.find("exited 1: error: unable to forward port"), std::string::npos)
      << line.error().message;
}

TEST(BackgroundProcess, DiesWithItsParentEvenWhenTheParentIsKilled) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t parent = ::fork();
  ASSERT_GE(parent, 0);
  if (parent == 0) {
    ::close(fds[0]);
    BackgroundProcess child;
    ProcessSpec spec;
    spec.argv = {"sleep", "60"};
    const auto pid = child.start(spec);
    const std::string text = pid ? std::to_string(pid.value()) + "\n" : "0\n";
    if (::write(fds[1], text.data(), text.size()) < 0) ::_exit(2);
    ::pause();  // until SIGKILL: no destructor runs, as under CTest's timeout
    ::_exit(0);
  }
  ::close(fds[1]);
  char buf[32] = {};
  ASSERT_GT(::read(fds[0], buf, sizeof buf - 1), 0);
  ::close(fds[0]);
  const pid_t sleeper = std::atoi(buf);
  ASSERT_GT(sleeper, 0);
  EXPECT_EQ(::kill(sleeper, 0), 0);
  ::kill(parent, SIGKILL);
  ::waitpid(parent, nullptr, 0);
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = !alive(sleeper);
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(gone) << "the background child outlived its killed parent";
}

TEST(PortForward, TheUiSmokePassesThroughItAndNoKubectlIsLeft) {
  auto s = sandbox_up("pf-pass");
  const auto r = run({INFRA_DOD_CASES, "--gtest_filter=UiSmoke.InternalUiAnswers"}, s.env, std::chrono::seconds(120));
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("PASS: LangFuse UI smoke"), std::string::npos) << r.out;
  EXPECT_TRUE(left_after(s.state, std::chrono::seconds(5)).empty()) << "a kubectl outlived the case";
  sandbox_down(s);
  EXPECT_TRUE(forwarded(request_log(s.state))) << "the smoke did not go through a port-forward";
}

TEST(PortForward, NoKubectlOutlivesAHarnessEndedBySigterm) {
  const auto tmp = fresh_dir("pf-term-scenarios");
  auto s = sandbox_up("pf-term", "hang",
                      scenarios_with(tmp, "hang", {{"faults", {{{"match", "^GET /$"}, {"hang_ms", 6000}, {"status", 0}}}}}));
  ProcessSpec spec;
  spec.argv = {INFRA_DOD_CASES, "--gtest_filter=UiSmoke.InternalUiAnswers"};
  spec.env = s.env;
  BackgroundProcess cases;
  ASSERT_TRUE(cases.start(spec));
  // The forward is up once the case prints nothing yet but kubectl runs: wait for it.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (kubectls_of(s.state).empty() && std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_FALSE(kubectls_of(s.state).empty()) << "the case never started its port-forward";
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ::kill(cases.pid(), SIGTERM);
  cases.stop();
  EXPECT_TRUE(left_after(s.state, std::chrono::seconds(5)).empty()) << "a kubectl outlived the signalled harness";
  sandbox_down(s);
}

TEST(PortForward, NoKubectlOutlivesACaseKilledByCtestsTimeout) {
  const auto tmp = fresh_dir("pf-timeout-scenarios");
  auto s = sandbox_up("pf-timeout", "hang",
                      scenarios_with(tmp, "hang", {{"faults", {{{"match", "^GET /$"}, {"hang_ms", 6000}, {"status", 0}}}}}));
  // A CTest file of its own, so the case gets a 4 s TIMEOUT and CTest itself kills it.
  const fs::path ctest_dir = s.tmp / "ctest";
  fs::create_directories(ctest_dir);
  std::string environment;
  for (const auto& [k, v] : s.env)
    if (v) environment += (environment.empty() ? "" : ";") + k + "=" + *v;
  std::ofstream(ctest_dir / "CTestTestfile.cmake")
      << "add_test(ui_smoke \"" << INFRA_DOD_CASES << "\" \"--gtest_filter=UiSmoke.InternalUiAnswers\")\n"
      << "set_tests_properties(ui_smoke PROPERTIES TIMEOUT 4 ENVIRONMENT \"" << environment << "\")\n";
  const auto started = std::chrono::steady_clock::now();
  std::atomic<bool> done{false};
  ProcessResult ct;
  std::thread ctest([&] {
    ct = run({INFRA_DOD_CTEST, "--test-dir", ctest_dir.string(), "--output-on-failure"}, {}, std::chrono::seconds(120));
    done = true;
  });
  bool forward_seen = false;
  while (!done) {
    forward_seen = forward_seen || !kubectls_of(s.state).empty();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ctest.join();
  EXPECT_TRUE(forward_seen) << "the case was killed before its port-forward started";
  EXPECT_NE(ct.out.find("Timeout"), std::string::npos) << ct.out;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
  EXPECT_TRUE(left_after(s.state, std::chrono::seconds(5)).empty()) << "a kubectl outlived the case CTest killed";
  sandbox_down(s);
}

}  // namespace
}  // namespace infra_dod::e2e
