// Ctrl-C on `infra-dod run` ends everything it started: the inner ctest, the DoD cases and their
// children, and the sandbox daemon it brought up. Nothing is left running.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "e2e/support.h"

namespace infra_dod::e2e {
namespace {

namespace fs = std::filesystem;

// Processes (other than zombies) whose environment mentions `marker`.
std::vector<pid_t> processes_mentioning(const std::string& marker) {
  std::vector<pid_t> out;
  for (const auto& d : fs::directory_iterator("/proc")) {
    const std::string name = d.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(d.path() / "environ", std::ios::binary);
    const std::string env((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const pid_t pid = std::stoi(name);
    if (pid != ::getpid() && env.find(marker) != std::string::npos && process_running(pid)) out.push_back(pid);
  }
  return out;
}

TEST(RunInterrupt, CtrlCStopsCtestItsCasesAndTheSandboxItStarted) {
  const auto tmp = fresh_dir("interrupt");
  const std::string state = (tmp / "state").string();
  const std::string out = (tmp / "out").string();
  const pid_t run_pid = ::fork();
  if (run_pid == 0) {
    ::execl(INFRA_DOD_CLI, INFRA_DOD_CLI, "run", "--scenario", "healthy", "--state-dir", state.c_str(), "--out",
            out.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Wait until a DoD case runs (a dod_cases process with the run's folder in its environment).
  bool cases_running = false;
  for (int i = 0; i < 600 && !cases_running; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!fs::exists(tmp / "state/ready.json")) continue;
    for (pid_t p : processes_mentioning(out + "/run")) {
      std::ifstream cmd("/proc/" + std::to_string(p) + "/cmdline", std::ios::binary);
      const std::string argv((std::istreambuf_iterator<char>(cmd)), std::istreambuf_iterator<char>());
      cases_running = cases_running || argv.find("dod_cases") != std::string::npos;
    }
  }
  ASSERT_TRUE(cases_running) << "the run never reached its cases";
  int sandbox_pid = 0;
  std::ifstream(tmp / "state/pid") >> sandbox_pid;
  ASSERT_GT(sandbox_pid, 0);

  ::kill(run_pid, SIGINT);
  int status = 0;
  pid_t waited = 0;
  for (int i = 0; i < 600 && waited == 0; ++i) {
    waited = ::waitpid(run_pid, &status, WNOHANG);
    if (waited == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (waited == 0) ::kill(run_pid, SIGKILL);
  ASSERT_EQ(waited, run_pid) << "infra-dod run did not end within 30 s of Ctrl-C";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGINT) << "status " << status;

  std::vector<pid_t> left;
  for (int i = 0; i < 100; ++i) {
    left = processes_mentioning(out + "/run");
    if (left.empty() && !process_running(sandbox_pid)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(left.empty()) << left.size() << " process(es) of the run outlived it, the first pid " << left.front();
  EXPECT_FALSE(process_running(sandbox_pid)) << "the sandbox it started is still up";
  EXPECT_FALSE(fs::exists(tmp / "state/ready.json"));
  for (pid_t p : left) ::kill(p, SIGKILL);
  if (process_running(sandbox_pid)) ::kill(sandbox_pid, SIGKILL);
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace infra_dod::e2e
