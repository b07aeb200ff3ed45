#pragma once
// Child processes (az, kubectl, the user's python entry points) on Boost.Process: an argv, never
// a shell string; a deadline that ends the child's whole process group; both pipes drained at
// once; the exit code or signal; output redacted before anyone logs it.
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace infra_dod {

struct ProcessSpec {
  std::vector<std::string> argv;
  // Variables to set (a value) or remove (nullopt) on top of the inherited environment.
  std::map<std::string, std::optional<std::string>> env;
  // Fed on stdin, then stdin is closed: the way to hand a child a token.
  std::string stdin_data;
  std::chrono::milliseconds deadline{std::chrono::seconds(120)};
  // After the deadline: SIGTERM to the group, then SIGKILL after this grace.
  std::chrono::milliseconds kill_grace{std::chrono::seconds(2)};
  std::optional<std::filesystem::path> cwd;
  // Per stream; the rest is drained and dropped so the child never blocks on a full pipe.
  std::size_t max_output = 64u << 20;
  // The harness's own secrets (the catalogue's [secret] variables) are removed from the child's
  // environment unless the child needs them and says so here, or sets them in `env`.
  bool inherit_secrets = false;
};

struct ProcessResult {
  std::vector<std::string> argv;
  int exit_code = -1;    // when the child exited
  int signal = 0;        // when a signal ended it
  bool timed_out = false;
  bool started = false;
  std::string spawn_error;  // why it could not start
  std::string wait_error;   // why its exit status is unknown (it was reaped elsewhere)
  std::string out;
  std::string err;
  bool out_truncated = false;
  bool err_truncated = false;
  std::chrono::milliseconds elapsed{0};

  bool succeeded() const { return started && !timed_out && signal == 0 && exit_code == 0 && wait_error.empty(); }
  // "kubectl get deployment langfuse: exit 1: Error from server (NotFound): ..." with every
  // registered secret and raw marker masked; safe to log.
  std::string describe() const;
  std::string redacted_out() const;
  std::string redacted_err() const;
  std::string command_line() const;  // redacted, for evidence
};

ProcessResult run_process(const ProcessSpec& spec);

// What SIGTERM, SIGINT and SIGHUP do to a harness process that runs children. Every child
// run_process starts leads its own process group and is recorded while it runs; the handler
// sends the signal on to each of those groups (async-signal-safe: kill(2) only), so no child is
// left running with no deadline under PID 1. Children also get PR_SET_PDEATHSIG (SIGKILL): if
// the harness dies anyway, by SIGKILL or a crash, the kernel ends them.
//   die_after true   then the harness dies of the same signal (a DoD case, the report).
//   die_after false  the harness lives on to clean up (`infra-dod run` stops its sandbox), and
//                    termination_requested() says which signal came; run_process starts no new
//                    child after it (it returns at once, not started, naming the signal).
void forward_termination_signals(bool die_after);
int termination_requested();

// argv[0] as execvp would find it (on `env`'s PATH when it sets one); empty when it cannot run.
std::string find_executable(const std::string& name, const std::map<std::string, std::optional<std::string>>& env);

}  // namespace infra_dod
