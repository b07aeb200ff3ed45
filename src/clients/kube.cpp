#include "clients/kube.h"

#include "clients/cli_json.h"
#include "runtime/text.h"

namespace infra_dod {

KubeError classify_kubectl_failure(const ProcessResult& r) {
  if (!r.started) return {ErrorKind::process, "", r.describe()};
  if (r.timed_out) return {ErrorKind::timeout, "", r.describe()};
  const std::string line = last_error_line(r);
  const std::string l = to_lower(line);
  auto reason = [&]() -> std::string {
    const auto open = line.find("Error from server (");
    if (open == std::string::npos) return {};
    const auto close = line.find(')', open);
    return line.substr(open + 19, close - open - 19);
  };
  const std::string code = reason();
  if (code == "NotFound") return {ErrorKind::not_found, code, line};
  if (code == "Forbidden" || l.find("(unauthorized)") != std::string::npos || l.find("getting credentials") != std::string::npos)
    return {ErrorKind::auth, code.empty() ? "Unauthorized" : code, line};
  if (l.find("was refused") != std::string::npos || l.find("unable to connect to the server") != std::string::npos) {
    const bool timeout = l.find("timeout") != std::string::npos || l.find("deadline exceeded") != std::string::npos;
    return {timeout ? ErrorKind::timeout : ErrorKind::unreachable, "", line};
  }
  if (code == "TooManyRequests") return {ErrorKind::throttled, code, line};
  if (code == "InternalError" || code == "ServiceUnavailable") return {ErrorKind::server, code, line};
  return {ErrorKind::process, code, line.empty() ? r.describe() : line};
}

Kubectl::Kubectl(const Config& cfg) : cfg_(cfg), ns_(cfg.value("LANGFUSE_NAMESPACE")) {}

ProcessSpec Kubectl::spec(std::vector<std::string> args, bool request_timeout) const {
  ProcessSpec spec;
  spec.argv = {cfg_.value("KUBECTL")};
  if (auto ctx = cfg_.get("KUBE_CONTEXT")) spec.argv.push_back("--context=" + *ctx);
  if (request_timeout)
    spec.argv.push_back("--request-timeout=" + std::to_string(cfg_.integer("INFRA_DOD_HTTP_TIMEOUT_S")) + "s");
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  if (auto kc = cfg_.get("KUBECONFIG")) spec.env["KUBECONFIG"] = *kc;
  return spec;
}

ProcessResult Kubectl::run(std::vector<std::string> args,
                           std::optional<std::chrono::steady_clock::time_point> give_up_at,
                           std::optional<std::chrono::milliseconds> deadline, std::string input) const {
  ProcessSpec spec = this->spec(std::move(args), true);
  spec.stdin_data = std::move(input);
  // --request-timeout is per HTTP request and a cold discovery cache makes several; the
  // process deadline bounds the whole command.
  spec.deadline = std::chrono::seconds(cfg_.integer("INFRA_DOD_PROCESS_TIMEOUT_S"));
  if (deadline) spec.deadline = *deadline;
  if (give_up_at) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*give_up_at - std::chrono::steady_clock::now());
    spec.deadline = std::max(std::chrono::milliseconds(1), std::min(spec.deadline, left));
  }
  return run_process(spec);
}

Result<nlohmann::json> Kubectl::get_json(std::vector<std::string> args, KubeError* error) const {
  const auto r = run(std::move(args));
  if (r.started && !r.timed_out && r.exit_code != 0) {
    const auto e = classify_kubectl_failure(r);
    if (error) *error = e;
    return Error{e.kind, e.message};
  }
  auto j = json_from_cli(r);
  if (!j && error) *error = {j.error().kind, "", j.error().message};
  return j;
}

}  // namespace infra_dod
