#include "runtime/process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "e2e/support.h"
#include "runtime/secrets.h"

namespace infra_dod {
namespace {

using namespace std::chrono_literals;

ProcessSpec cmd(std::vector<std::string> argv) {
  ProcessSpec spec;
  spec.argv = std::move(argv);
  return spec;
}

bool process_gone(pid_t pid) {
  if (::kill(pid, 0) != 0) return true;
  // A killed orphan may linger as a zombie until init reaps it; it is not running.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string content;
  std::getline(stat, content);
  const auto close = content.rfind(')');
  return close != std::string::npos && content.size() > close + 2 && content[close + 2] == 'Z';
}

TEST(Process, ReportsTheExitCodeAndBothStreams) {
  auto r = run_process(cmd({"sh", "-c", "echo out; echo err >&2; exit 3"}));
  EXPECT_TRUE(r.started);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_FALSE(r.succeeded());
}

TEST(Process, AFailedChildIsNoSuccessWhenTheHarnessInheritedAnIgnoredSigchld) {
  struct sigaction ignore {}, before {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  ASSERT_EQ(::sigaction(SIGCHLD, &ignore, &before), 0);
  const auto r = run_process(cmd({"sh", "-c", "exit 3"}));
  // The child's own children report their statuses too: the ignore is not passed on.
  const auto inner = run_process(cmd({"sh", "-c", "sh -c 'exit 4'; echo $?"}));
  ::sigaction(SIGCHLD, &before, nullptr);
  EXPECT_EQ(r.exit_code, 3) << r.describe();
  EXPECT_FALSE(r.succeeded());
  EXPECT_EQ(inner.out, "4\n");
}

TEST(Process, ReportsTheSignalThatEndedTheChild) {
  auto r = run_process(cmd({"sh", "-c", "kill -SEGV $$"}));
  EXPECT_EQ(r.signal, SIGSEGV);
  EXPECT_NE(r.describe().find("signal 11"), std::string::npos) << r.describe();
}

TEST(Process, FeedsStdinAndClosesIt) {
  ProcessSpec spec = cmd({"cat"});
  spec.stdin_data = "token-on-stdin-not-argv";
  auto r = run_process(spec);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "token-on-stdin-not-argv");
}

TEST(Process, AppliesEnvironmentOverridesAndRemovals) {
  ::setenv("INFRA_DOD_TEST_REMOVE_ME", "present", 1);
  ProcessSpec spec = cmd({"sh", "-c", "echo \"${A:-unset} ${INFRA_DOD_TEST_REMOVE_ME:-removed}\""});
  spec.env["A"] = "set";
  spec.env["INFRA_DOD_TEST_REMOVE_ME"] = std::nullopt;
  auto r = run_process(spec);
  EXPECT_EQ(r.out, "set removed\n");
}

TEST(Process, TheHarnesssSecretsAreNotInheritedUnlessAskedFor) {
  ::setenv("DATABRICKS_TOKEN", "dapi-inherited-0123456789", 1);
  auto r = run_process(cmd({"sh", "-c", "echo \"${DATABRICKS_TOKEN:-absent}\""}));
  EXPECT_EQ(r.out, "absent\n");
  ProcessSpec spec = cmd({"sh", "-c", "echo \"${DATABRICKS_TOKEN:-absent}\""});
  spec.inherit_secrets = true;
  EXPECT_EQ(run_process(spec).out, "dapi-inherited-0123456789\n");
  ::unsetenv("DATABRICKS_TOKEN");
}

TEST(Process, AMissingExecutableIsAnErrorNotACrash) {
  auto r = run_process(cmd({"definitely-not-a-command-xyz"}));
  EXPECT_FALSE(r.started);
  EXPECT_NE(r.describe().find("executable not found"), std::string::npos);
}

TEST(Process, DrainsEightMegabytesOnBothPipesWithoutDeadlock) {
  ProcessSpec spec = cmd({"sh", "-c", "head -c 8388608 /dev/zero | tr '\\0' o & head -c 8388608 /dev/zero | tr '\\0' e >&2; wait"});
  spec.deadline = 60s;
  auto r = run_process(spec);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.size(), 8u << 20);
  EXPECT_EQ(r.err.size(), 8u << 20);
}

TEST(Process, CapsWhatItKeepsButStillDrainsTheRest) {
  ProcessSpec spec = cmd({"sh", "-c", "head -c 1048576 /dev/zero"});
  spec.max_output = 1000;
  auto r = run_process(spec);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.size(), 1000u);
  EXPECT_TRUE(r.out_truncated);
}

TEST(Process, DeadlineKillsAChildThatIgnoresSigtermAndItsGrandchild) {
  // The child ignores SIGTERM, starts a grandchild (which inherits that), reports its pid, waits.
  ProcessSpec spec = cmd({"sh", "-c", "trap '' TERM; sleep 300 & echo $!; wait"});
  spec.deadline = 300ms;
  spec.kill_grace = 200ms;
  const auto started = std::chrono::steady_clock::now();
  auto r = run_process(spec);
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_LT(took, 10s);
  const pid_t grandchild = static_cast<pid_t>(std::stol(r.out));
  for (int i = 0; i < 100 && !process_gone(grandchild); ++i) std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(process_gone(grandchild)) << "grandchild " << grandchild << " survived the deadline";
  EXPECT_NE(r.describe().find("timed out"), std::string::npos);
}

TEST(Process, DescribeMasksRegisteredSecretsInArgvAndOutput) {
  SecretRegistry::process().add("proc-secret-value-42", "TEST");
  auto r = run_process(cmd({"sh", "-c", "echo proc-secret-value-42 >&2; exit 1", "proc-secret-value-42"}));
  EXPECT_EQ(r.describe().find("proc-secret-value-42"), std::string::npos) << r.describe();
  EXPECT_NE(r.describe().find("***"), std::string::npos);
  EXPECT_EQ(r.redacted_err(), "***\n");
}

}  // namespace
}  // namespace infra_dod

namespace infra_dod {
namespace {

// Forks a harness that runs `sleep 300` through run_process (with the handlers a DoD case
// installs when `with_handlers`), sends it `sig`, and answers whether the sleep outlived it.
bool child_outlives_a_signalled_harness(int sig, bool with_handlers) {
  const std::string pid_file = "/tmp/infra-dod-orphan-" + std::to_string(::getpid()) + "-" + std::to_string(sig);
  std::remove(pid_file.c_str());
  const pid_t harness = ::fork();
  if (harness == 0) {
    if (with_handlers) forward_termination_signals(true);
    ProcessSpec spec;
    spec.argv = {"/bin/sh", "-c", "echo $$ > " + pid_file + ".tmp && mv " + pid_file + ".tmp " + pid_file + " && exec sleep 300"};
    spec.deadline = std::chrono::seconds(600);
    run_process(spec);
    ::_exit(0);
  }
  pid_t sleeper = 0;
  for (int i = 0; i < 500 && sleeper == 0; ++i) {
    std::ifstream in(pid_file);
    in >> sleeper;
    if (sleeper == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GT(sleeper, 0) << "the harness never started its child";
  ::kill(harness, sig);
  int status = 0;
  ::waitpid(harness, &status, 0);
  bool alive = sleeper > 0;
  for (int i = 0; i < 300 && alive; ++i) {
    alive = e2e::process_running(sleeper);
    if (alive) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (alive) ::kill(sleeper, SIGKILL);
  std::remove(pid_file.c_str());
  return alive;
}

TEST(ProcessTermination, SigtermToTheHarnessReachesItsChild) {
  EXPECT_FALSE(child_outlives_a_signalled_harness(SIGTERM, true)) << "the child kept running under PID 1";
}

TEST(ProcessTermination, SigintToTheHarnessReachesItsChild) {
  EXPECT_FALSE(child_outlives_a_signalled_harness(SIGINT, true));
}

// SIGKILL cannot be handled: the kernel ends the child (PR_SET_PDEATHSIG).
TEST(ProcessTermination, SigkillToTheHarnessStillEndsItsChild) {
  EXPECT_FALSE(child_outlives_a_signalled_harness(SIGKILL, false));
}

TEST(ProcessTermination, NoChildStartsOnceTheHarnessIsStopping) {
  const pid_t harness = ::fork();
  if (harness == 0) {
    forward_termination_signals(false);
    ::raise(SIGTERM);
    ProcessSpec spec;
    spec.argv = {"/bin/true"};
    const auto r = run_process(spec);
    ::_exit(!r.started && r.spawn_error.find("stopping") != std::string::npos ? 0 : 1);
  }
  int status = 0;
  ::waitpid(harness, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

}  // namespace
}  // namespace infra_dod
