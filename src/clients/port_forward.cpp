#include "clients/port_forward.h"

#include <regex>

#include "runtime/secrets.h"

namespace infra_dod {

std::optional<int> forwarding_port(const std::string& line) {
  static const std::regex re(R"(^Forwarding from 127\.0\.0\.1:([0-9]{1,5}) -> [0-9]+\s*$)");
  std::smatch m;
  if (!std::regex_match(line, m, re)) return std::nullopt;
  const int port = std::stoi(m[1].str());
  if (port <= 0 || port > 65535) return std::nullopt;
  return port;
}

Result<std::unique_ptr<PortForward>> PortForward::open(const Kubectl& kubectl, const std::string& ns,
                                                       const std::string& service, int port,
                                                       std::chrono::seconds timeout) {
  auto pf = std::unique_ptr<PortForward>(new PortForward());
  ProcessSpec spec = kubectl.spec({"port-forward", "svc/" + service, ":" + std::to_string(port), "-n", ns,
                                   "--address=127.0.0.1", "--pod-running-timeout=" + std::to_string(timeout.count()) + "s"},
                                  false);
  for (const auto& a : spec.argv) pf->command_ += (pf->command_.empty() ? "" : " ") + a;
  pf->command_ = SecretRegistry::process().mask(pf->command_);
  const auto started = pf->child_.start(spec);
  if (!started) return started.error();
  // A little past kubectl's own pod wait, so its message arrives before the harness gives up.
  const auto line = pf->child_.wait_for_line([](const std::string& l) { return forwarding_port(l).has_value(); },
                                             std::chrono::milliseconds(timeout) + std::chrono::seconds(5));
  if (!line) {
    pf->child_.stop();
    Error e = line.error();
    e.message = "port-forward to svc/" + service + " did not start: " + e.message;
    // kubectl's own words for a Service that selects no pod say nothing of pods.
    if (e.message.find("timed out waiting for the condition") != std::string::npos)
      e.message += " (no Running pod behind svc/" + service + " within --pod-running-timeout)";
    // A kubectl failure is classified by its last stderr line, as for every kubectl command.
    ProcessResult as_run;
    as_run.started = true;
    as_run.exit_code = 1;
    as_run.err = pf->child_.errors();
    const KubeError k = classify_kubectl_failure(as_run);
    if (e.kind == ErrorKind::process && k.kind != ErrorKind::process) e.kind = k.kind;
    return e;
  }
  pf->local_port_ = *forwarding_port(line.value());
  return pf;
}

}  // namespace infra_dod
