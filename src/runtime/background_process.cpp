#include "runtime/background_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <vector>

#include "runtime/config.h"
#include "runtime/secrets.h"
#include "runtime/text.h"

extern char** environ;

namespace infra_dod {

namespace {

std::vector<std::string> child_environment(const ProcessSpec& spec) {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string entry = *e;
    const auto eq = entry.find('=');
    if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  if (!spec.inherit_secrets)
    for (const auto& var : variable_catalogue())
      if (var.secret) env.erase(var.name);
  for (const auto& [k, v] : spec.env) {
    if (v) {
      env[k] = *v;
    } else {
      env.erase(k);
    }
  }
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

}  // namespace

BackgroundProcess::~BackgroundProcess() { stop(); }

Result<pid_t> BackgroundProcess::start(const ProcessSpec& spec) {
  if (pid_ > 0) return Error{ErrorKind::internal, "already started"};
  if (spec.argv.empty()) return Error{ErrorKind::internal, "empty argv"};
  const std::string exe = find_executable(spec.argv[0], spec.env);
  if (exe.empty()) return Error{ErrorKind::process, "executable not found: " + spec.argv[0]};
  for (const auto& a : spec.argv) command_ += (command_.empty() ? "" : " ") + a;
  // Everything the child needs is built before fork: after it, only async-signal-safe calls.
  const std::vector<std::string> env_strings = child_environment(spec);
  std::vector<char*> argv, envp;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : env_strings) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return Error{ErrorKind::process, std::string("pipe: ") + std::strerror(errno)};
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return Error{ErrorKind::process, std::string("pipe: ") + std::strerror(errno)};
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return Error{ErrorKind::process, std::string("fork: ") + std::strerror(errno)};
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent died before the request took effect
    ::signal(SIGCHLD, SIG_DFL);
    ::signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    ::execve(exe.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // both sides set it, so no signal can race the child's own call
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  pid_ = pid;
  out_fd_ = out_pipe[0];
  err_fd_ = err_pipe[0];
  drainer_ = std::thread([this] { drain(); });
  return pid;
}

void BackgroundProcess::drain() {
  char buf[8192];
  for (;;) {
    int open_fds = 0;
    pollfd p[2];
    {
      std::lock_guard lock(mu_);
      p[0] = {out_closed_ ? -1 : out_fd_, POLLIN, 0};
      p[1] = {err_closed_ ? -1 : err_fd_, POLLIN, 0};
      open_fds = (out_closed_ ? 0 : 1) + (err_closed_ ? 0 : 1);
    }
    if (open_fds == 0) return;
    if (::poll(p, 2, 200) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = ::read(p[i].fd, buf, sizeof buf);
      std::lock_guard lock(mu_);
      if (n <= 0) {
        (i == 0 ? out_closed_ : err_closed_) = true;
      } else {
        std::string& sink = i == 0 ? out_ : err_;
        if (sink.size() < (1u << 20)) sink.append(buf, static_cast<std::size_t>(n));
      }
    }
  }
}

Result<std::string> BackgroundProcess::wait_for_line(const std::function<bool(const std::string&)>& wanted,
                                                     std::chrono::milliseconds timeout) {
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      std::size_t at = 0, index = 0;
      while (true) {
        const auto end = out_.find('\n', at);
        if (end == std::string::npos) break;
        if (index++ >= lines_seen_) {
          ++lines_seen_;
          const std::string line = out_.substr(at, end - at);
          if (wanted(line)) return line;
        }
        at = end + 1;
      }
    }
    if (!running()) {
      // Let the drainer collect what the child left in the pipes before it is quoted.
      for (int i = 0; i < 50; ++i) {
        {
          std::lock_guard lock(mu_);
          if (out_closed_ && err_closed_) break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      std::string why = trim(errors());
      if (why.empty()) why = trim(output());
      const std::string how = WIFEXITED(status_) ? "exited " + std::to_string(WEXITSTATUS(status_))
                                                 : "was killed by signal " + std::to_string(WTERMSIG(status_));
      return Error{ErrorKind::process, SecretRegistry::process().mask(command_) + " " + how +
                                           (why.empty() ? std::string() : ": " + truncate_utf8(why, 800))};
    }
    if (std::chrono::steady_clock::now() >= give_up)
      return Error{ErrorKind::timeout, SecretRegistry::process().mask(command_) + " printed no expected line within " +
                                           std::to_string(timeout.count()) + " ms" +
                                           (trim(errors()).empty() ? std::string() : ": " + truncate_utf8(trim(errors()), 800))};
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

bool BackgroundProcess::running() {
  if (pid_ <= 0 || reaped_) return false;
  const pid_t w = ::waitpid(pid_, &status_, WNOHANG);
  if (w == pid_ || (w < 0 && errno == ECHILD)) {
    reaped_ = true;
    return false;
  }
  return true;
}

void BackgroundProcess::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return;
  if (running()) {
    ::kill(-pid_, SIGTERM);
    const auto kill_at = std::chrono::steady_clock::now() + grace;
    while (running() && std::chrono::steady_clock::now() < kill_at)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (running()) {
      ::kill(-pid_, SIGKILL);
      while (running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  // Anything the child left behind in its group goes too.
  ::kill(-pid_, SIGKILL);
  {
    std::lock_guard lock(mu_);
    out_closed_ = err_closed_ = true;
  }
  if (drainer_.joinable()) drainer_.join();
  ::close(out_fd_);
  ::close(err_fd_);
  pid_ = -1;
}

std::string BackgroundProcess::output() const {
  std::lock_guard lock(mu_);
  return SecretRegistry::process().mask(out_);
}

std::string BackgroundProcess::errors() const {
  std::lock_guard lock(mu_);
  return SecretRegistry::process().mask(err_);
}

}  // namespace infra_dod
