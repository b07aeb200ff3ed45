#pragma once
// A child that runs beside the case rather than to completion (kubectl port-forward): started in
// its own process group, read line by line while it runs, and always ended by its owner. It also
// dies with the harness: the child asks the kernel for SIGKILL when its parent goes
// (PR_SET_PDEATHSIG), which covers CTest killing the case at its timeout, where no destructor
// runs. That signal survives exec; kubectl's dispatcher execs the matching kubectl in place (one
// process, checked by the port-forward self-test), so it reaches the process that forwards.
// The signal fires when the thread that started the child ends, so start it from the thread
// that owns it for its whole life (a case's own thread).
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "runtime/process.h"
#include "runtime/result.h"

namespace infra_dod {

class BackgroundProcess {
 public:
  BackgroundProcess() = default;
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;
  ~BackgroundProcess();

  // Uses spec.argv, spec.env and spec.inherit_secrets; stdin is /dev/null.
  Result<pid_t> start(const ProcessSpec& spec);
  // The first stdout line `wanted` accepts, waiting at most `timeout`; an error when the child
  // exits first (its stderr, masked, in the message) or the time runs out.
  Result<std::string> wait_for_line(const std::function<bool(const std::string&)>& wanted,
                                    std::chrono::milliseconds timeout);
  bool running();
  // SIGTERM to the group, SIGKILL after `grace`, reaped. Idempotent.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(2000));
  pid_t pid() const { return pid_; }
  // What it printed so far, masked.
  std::string output() const;
  std::string errors() const;

 private:
  void drain();
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  std::string command_;
  mutable std::mutex mu_;
  std::string out_;
  std::string err_;
  std::size_t lines_seen_ = 0;
  bool out_closed_ = false;
  bool err_closed_ = false;
  std::thread drainer_;
};

}  // namespace infra_dod
