#include "runtime/process.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <cerrno>
#include <sys/types.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <utility>  // before asio: Boost 1.74's awaitable.hpp uses std::exchange without it
#include <boost/asio.hpp>
#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <memory>

#include "runtime/config.h"
#include "runtime/secrets.h"
#include "runtime/text.h"

namespace infra_dod {
namespace bp = boost::process;
namespace asio = boost::asio;

namespace {

struct Drain {
  explicit Drain(asio::io_context& ctx) : pipe(ctx) {}
  bp::async_pipe pipe;
  std::array<char, 65536> buf{};
  std::string* sink = nullptr;
  bool* truncated = nullptr;
  std::size_t cap = 0;
  bool done = false;

  void start() {
    pipe.async_read_some(asio::buffer(buf), [this](const boost::system::error_code& ec, std::size_t n) {
      if (n > 0) {
        const std::size_t room = sink->size() < cap ? cap - sink->size() : 0;
        sink->append(buf.data(), std::min(n, room));
        if (n > room) *truncated = true;
      }
      if (ec) {
        done = true;
        boost::system::error_code ignored;
        pipe.close(ignored);
        return;
      }
      start();
    });
  }
};

}  // namespace

std::string find_executable(const std::string& name, const std::map<std::string, std::optional<std::string>>& env) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : std::string();
  std::string path_var;
  if (auto it = env.find("PATH"); it != env.end() && it->second) {
    path_var = *it->second;
  } else if (const char* p = std::getenv("PATH")) {
    path_var = p;
  }
  for (const auto& dir : split_list(path_var, ':')) {
    std::string candidate = dir + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

namespace {
// With SIGCHLD ignored (some CI agents start us so) the kernel reaps children itself and
// waitpid can never tell an exit 3 from an exit 0; the harness takes default handling back.
void take_back_sigchld() {
  struct sigaction current {};
  if (::sigaction(SIGCHLD, nullptr, &current) == 0 && current.sa_handler == SIG_IGN) {
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    ::sigaction(SIGCHLD, &dfl, nullptr);
  }
}
}  // namespace

namespace {

// The process groups of running children, for the signal handler: a fixed array of atomics,
// so the handler neither allocates nor locks.
constexpr std::size_t kMaxChildren = 256;
std::array<std::atomic<pid_t>, kMaxChildren> g_child_groups{};
std::atomic<int> g_termination{0};
std::atomic<bool> g_die_after{true};

void remember_group(pid_t pgid) {
  for (auto& slot : g_child_groups) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, pgid)) return;
  }
}

void forget_group(pid_t pgid) {
  for (auto& slot : g_child_groups) {
    pid_t mine = pgid;
    if (slot.compare_exchange_strong(mine, 0)) return;
  }
}

extern "C" void on_termination_signal(int sig) {
  const int saved = errno;
  g_termination.store(sig);
  for (auto& slot : g_child_groups)
    if (const pid_t g = slot.load(); g > 0) ::kill(-g, sig);
  if (g_die_after.load()) {
    ::signal(sig, SIG_DFL);
    ::raise(sig);
  }
  errno = saved;
}

}  // namespace

void forward_termination_signals(bool die_after) {
  g_die_after.store(die_after);
  struct sigaction sa {};
  sa.sa_handler = on_termination_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) ::sigaction(sig, &sa, nullptr);
}

int termination_requested() { return g_termination.load(); }

ProcessResult run_process(const ProcessSpec& spec) {
  take_back_sigchld();
  ProcessResult r;
  r.argv = spec.argv;
  const auto start = std::chrono::steady_clock::now();
  if (spec.argv.empty()) {
    r.spawn_error = "empty argv";
    return r;
  }
  const std::string exe = find_executable(spec.argv[0], spec.env);
  if (exe.empty()) {
    r.spawn_error = "executable not found: " + spec.argv[0];
    return r;
  }

  asio::io_context ctx;
  Drain out(ctx), err(ctx);
  out.sink = &r.out;
  out.truncated = &r.out_truncated;
  out.cap = spec.max_output;
  err.sink = &r.err;
  err.truncated = &r.err_truncated;
  err.cap = spec.max_output;
  bp::async_pipe in(ctx);

  // Only set() and erase(): Boost 1.74's environment find() (and operator[], which calls it)
  // compares the key past the end of a shorter entry, a heap overflow ASan reports.
  bp::environment env = boost::this_process::environment();
  if (!spec.inherit_secrets)
    for (const auto& var : variable_catalogue())
      if (var.secret) env.erase(var.name);
  for (const auto& [k, v] : spec.env) {
    if (v) {
      env.set(k, *v);
    } else {
      env.erase(k);
    }
  }
  std::vector<std::string> args(spec.argv.begin() + 1, spec.argv.end());
  std::error_code spawn_ec;
  // The child leads its own process group, so the deadline reaches its grandchildren too.
  // An ignored SIGCHLD survives exec; the child gets default handling so its own children
  // report their exit statuses too.
  // The harness's own termination handlers do not survive exec; the child gets default ones. It
  // dies with the thread that started it (PR_SET_PDEATHSIG), unless that parent is already gone.
  if (const int sig = termination_requested()) {
    r.spawn_error = "not started: the harness is stopping (signal " + std::to_string(sig) + ")";
    return r;
  }
  const pid_t parent = ::getpid();
  auto own_group = bp::extend::on_exec_setup([parent](auto&) {
    ::setpgid(0, 0);
    ::signal(SIGCHLD, SIG_DFL);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
  });
  std::unique_ptr<bp::child> child;
  const std::string dir = spec.cwd ? spec.cwd->string() : std::filesystem::current_path().string();
  child = std::make_unique<bp::child>(exe, bp::args(args), bp::std_out > out.pipe, bp::std_err > err.pipe,
                                      bp::std_in < in, env, bp::start_dir(dir), own_group, spawn_ec);
  if (spawn_ec) {
    r.spawn_error = "cannot start " + spec.argv[0] + ": " + spawn_ec.message();
    return r;
  }
  r.started = true;
  const pid_t pgid = child->id();
  remember_group(pgid);

  auto input = std::make_shared<std::string>(spec.stdin_data);
  if (input->empty()) {
    in.close();
  } else {
    asio::async_write(in, asio::buffer(*input), [&in, input](const boost::system::error_code&, std::size_t) {
      boost::system::error_code ignored;
      in.close(ignored);
    });
  }
  out.start();
  err.start();

  bool exited = false;
  int status = 0;
  bool term_sent = false, kill_sent = false;
  std::chrono::steady_clock::time_point exited_at{}, term_at{};
  const auto deadline_at = start + spec.deadline;
  // One loop owns every decision: drain, reap, enforce the deadline. Polling waitpid keeps
  // SIGCHLD handlers out of a process that may run other children on other threads.
  for (;;) {
    ctx.run_for(std::chrono::milliseconds(5));
    if (ctx.stopped()) ctx.restart();
    const auto now = std::chrono::steady_clock::now();
    if (!exited) {
      const pid_t w = ::waitpid(pgid, &status, WNOHANG);
      if (w == pgid) {
        exited = true;
        exited_at = now;
      } else if (w < 0 && errno == ECHILD) {
        // Someone else reaped it: it is gone, and how it ended is unknown, which is no success.
        exited = true;
        exited_at = now;
        r.wait_error = "its exit status is unknown: waitpid: no such child (reaped elsewhere)";
      }
    }
    // However the child and its pipes behave, the caller gets an answer.
    if (now >= deadline_at + spec.kill_grace + std::chrono::seconds(10)) {
      ::kill(-pgid, SIGKILL);
      r.timed_out = r.timed_out || !exited;
      break;
    }
    if (exited && out.done && err.done) break;
    if (!term_sent && now >= deadline_at) {
      r.timed_out = !exited;
      ::kill(-pgid, SIGTERM);
      term_sent = true;
      term_at = now;
    }
    if (term_sent && !kill_sent && now >= term_at + spec.kill_grace) {
      ::kill(-pgid, SIGKILL);
      kill_sent = true;
    }
    // The child is gone but something it started still holds our pipes open: give it a moment,
    // then end the whole group so a stray background process cannot hold the caller hostage.
    if (exited && !kill_sent && now >= exited_at + std::chrono::milliseconds(500)) {
      ::kill(-pgid, SIGKILL);
      kill_sent = true;
    }
    if (kill_sent && exited && now >= term_at + spec.kill_grace + std::chrono::seconds(5)) break;
  }
  forget_group(pgid);
  child->detach();  // already reaped by waitpid above
  if (r.wait_error.empty()) {
    if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  }
  r.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  return r;
}

std::string ProcessResult::command_line() const {
  std::string s;
  for (const auto& a : argv) {
    if (!s.empty()) s += ' ';
    s += a;
  }
  return SecretRegistry::process().mask(s);
}

std::string ProcessResult::redacted_out() const { return SecretRegistry::process().mask(out); }
std::string ProcessResult::redacted_err() const { return SecretRegistry::process().mask(err); }

std::string ProcessResult::describe() const {
  std::string s = command_line() + ": ";
  if (!started) return s + spawn_error;
  if (!wait_error.empty()) return s + wait_error;
  if (timed_out)
    s += "timed out after " + std::to_string(elapsed.count()) + " ms";
  else if (signal)
    s += "killed by signal " + std::to_string(signal);
  else
    s += "exit " + std::to_string(exit_code);
  std::string tail = trim(redacted_err());
  if (tail.empty()) tail = trim(redacted_out());
  tail = truncate_utf8(tail, 600);
  if (!tail.empty()) s += ": " + tail;
  return s;
}

}  // namespace infra_dod
