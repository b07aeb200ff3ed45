#pragma once
// Kubernetes through the real kubectl, so kubeconfig and AKS's exec-plugin auth work unchanged.
// kubectl exits 1 for nearly every failure; the cause is read from its last stderr line.
#include <nlohmann/json.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "runtime/config.h"
#include "runtime/process.h"
#include "runtime/result.h"

namespace infra_dod {

struct KubeError {
  ErrorKind kind = ErrorKind::process;
  std::string code;  // NotFound, Forbidden, Unauthorized, ...
  std::string message;
};

// Classifies a failed kubectl run by its last stderr line (cli-contracts C2).
KubeError classify_kubectl_failure(const ProcessResult& r);

class Kubectl {
 public:
  explicit Kubectl(const Config& cfg);
  // kubectl <args> with the configured context, a per-request timeout and a wall-clock deadline.
  // `deadline` replaces INFRA_DOD_PROCESS_TIMEOUT_S for commands that wait on purpose
  // (rollout status --timeout). `input` is fed on stdin (`-f -`).
  ProcessResult run(std::vector<std::string> args,
                    std::optional<std::chrono::steady_clock::time_point> give_up_at = std::nullopt,
                    std::optional<std::chrono::milliseconds> deadline = std::nullopt,
                    std::string input = {}) const;
  // The argv and environment of `kubectl <args>` with the configured context and kubeconfig;
  // `request_timeout` adds --request-timeout, which a long-lived stream (port-forward) must not get.
  ProcessSpec spec(std::vector<std::string> args, bool request_timeout) const;
  // `kubectl get ... -o json`: the object, or the classified error.
  Result<nlohmann::json> get_json(std::vector<std::string> args, KubeError* error = nullptr) const;
  const std::string& ns() const { return ns_; }

 private:
  const Config& cfg_;
  std::string ns_;
};

}  // namespace infra_dod
