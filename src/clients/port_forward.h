#pragma once
// `kubectl port-forward svc/<service> :<port> -n <namespace>` run by the harness for as long as a
// case needs it: the local port is read from kubectl's own "Forwarding from 127.0.0.1:N -> P"
// line, and the child is ended with this object, or by the kernel when the harness dies
// (runtime/background_process.h).
#include <chrono>
#include <memory>
#include <string>

#include "clients/kube.h"
#include "runtime/background_process.h"

namespace infra_dod {

// The local port of a "Forwarding from 127.0.0.1:N -> P" line (IPv4 only: the harness dials
// 127.0.0.1); nothing for any other line.
std::optional<int> forwarding_port(const std::string& line);

class PortForward {
 public:
  // Starts the forward and waits, at most `timeout`, for its IPv4 line; kubectl also gets
  // --pod-running-timeout of the same length, so a Service without a Running pod fails in time.
  static Result<std::unique_ptr<PortForward>> open(const Kubectl& kubectl, const std::string& ns,
                                                   const std::string& service, int port,
                                                   std::chrono::seconds timeout);
  int local_port() const { return local_port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(local_port_); }
  const std::string& command_line() const { return command_; }
  pid_t pid() const { return child_.pid(); }
  // kubectl's own messages so far ("Handling connection for ...", errors), masked.
  std::string log() const { return child_.output() + child_.errors(); }
  void close() { child_.stop(); }

 private:
  BackgroundProcess child_;
  int local_port_ = 0;
  std::string command_;
};

}  // namespace infra_dod
