// infra-dod-sandbox: every emulated service in one process on 127.0.0.1. Started by
// `infra-dod sandbox up` (and the CTest fixture), it writes a ready file with its endpoints and
// credentials once every port is bound, and stops on SIGTERM/SIGINT.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <vector>

#include "runtime/crypto.h"
#include "runtime/text.h"
#include "dns.h"
#include "scenario.h"
#include "service.h"

using namespace infra_dod;
using namespace infra_dod::sandbox;

namespace {

constexpr const char* kUsage =
    "usage: infra-dod-sandbox --scenarios DIR --scenario NAME --ready-file FILE --state-dir DIR\n\n"
    "Serves the emulated ARM, Kubernetes, LangFuse, Databricks and Azure Monitor endpoints on\n"
    "127.0.0.1 for the scenario, writes FILE (JSON: endpoints, tokens, names) when ready, and runs\n"
    "until SIGTERM or SIGINT. Use `infra-dod sandbox up` rather than calling this directly.\n";

std::string arg(int argc, char** argv, const std::string& name) {
  for (int i = 1; i + 1 < argc; ++i)
    if (name == argv[i]) return argv[i + 1];
  return {};
}

}  // namespace

static int serve(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
  const std::string scenarios = arg(argc, argv, "--scenarios");
  const std::string name = arg(argc, argv, "--scenario");
  const std::string ready = arg(argc, argv, "--ready-file");
  const std::string state = arg(argc, argv, "--state-dir");
  if (scenarios.empty() || name.empty() || ready.empty() || state.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  auto scenario = load_scenario(scenarios, name);
  if (!scenario) {
    std::fprintf(stderr, "infra-dod-sandbox: %s\n", scenario.error().message.c_str());
    return 2;
  }
  // Block the stop signals before any thread starts, so only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  Shared shared;
  shared.scenario = scenario.value();
  // Shaped as Entra ID's access tokens are (a JWT: header.payload.signature, base64url), so the
  // harness reads the object id and tenant from it as it does from a real one.
  {
    const auto& names = shared.scenario.value("names", nlohmann::json::object());
    const nlohmann::json claims = {{"aud", "https://management.azure.com/"},
                                   {"oid", names.value("object_id", "5b0c7d2e-9a41-4f3c-8e6d-1a2b3c4d5e6f")},
                                   {"tid", names.value("tenant", "")},
                                   {"idtyp", "user"},
                                   {"upn", names.value("user", "")},
                                   {"nonce", random_hex(16)}};
    shared.arm_token = base64_encode(R"({"alg":"RS256","typ":"JWT"})", true, false) + "." +
                       base64_encode(claims.dump(), true, false) + "." + base64_encode(random_hex(32), true, false);
  }
  shared.databricks_token = "dapi" + random_hex(16);
  shared.state_dir = state;
  std::filesystem::create_directories(shared.state_dir);
  // The tokens made up above, kept (owner-only) beside the sandbox's other state for the leak
  // corpus (ci/leak-corpus) to look for in what the harness wrote. The harness never reads it.
  {
    const auto file = shared.state_dir / "credentials.json";
    std::ofstream out(file, std::ios::trunc);
    out << nlohmann::json{{"arm_token", shared.arm_token}, {"databricks_token", shared.databricks_token}}.dump() << "\n";
    std::filesystem::permissions(file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  }

  std::vector<std::unique_ptr<Service>> services;
  services.push_back(make_arm_service(shared));
  services.push_back(make_kube_service(shared));
  services.push_back(make_langfuse_service(shared));
  services.push_back(make_databricks_service(shared));
  services.push_back(make_monitor_service(shared));
  Service* langfuse = services[2].get();
  shared.service_port = [&services](const std::string& service) {
    for (const auto& s : services)
      if (s->name() == service) return s->port();
    return 0;
  };
  shared.on_pods_replaced = [&](const std::string& ns, const std::string& deployment) {
    const auto& lf = shared.section("langfuse");
    if (ns == lf.value("namespace", "default") && deployment == lf.value("deployment", "langfuse")) langfuse->restart();
  };

  nlohmann::json ready_doc = {{"pid", ::getpid()},
                              {"scenario", name},
                              {"arm_token", shared.arm_token},
                              {"databricks_token", shared.databricks_token},
                              {"state_dir", shared.state_dir.string()},
                              {"env", shared.scenario.value("env", nlohmann::json::object())},
                              {"az", shared.section("az")},
                              {"agent_repo", shared.section("agent_repo")}};
  std::unique_ptr<DnsServer> dns;
  try {
    // The resolver the runner's lookups of public names go to (INFRA_DOD_DNS_SERVER).
    dns = std::make_unique<DnsServer>(shared.section("dns"));
    ready_doc["endpoints"]["dns_server"] = "127.0.0.1:" + std::to_string(dns->start());
    for (auto& s : services) {
      s->start();
      const nlohmann::json endpoints = s->endpoints();
      for (auto& [k, v] : endpoints.items()) ready_doc["endpoints"][k] = v;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "infra-dod-sandbox: %s\n", e.what());
    return 1;
  }
  {
    const std::string tmp = ready + ".tmp";
    std::ofstream out(tmp, std::ios::trunc);
    out << ready_doc.dump(2) << "\n";
    out.close();
    std::filesystem::rename(tmp, ready);
  }
  std::fprintf(stderr, "infra-dod-sandbox: scenario %s ready (%s)\n", name.c_str(), ready.c_str());
  int sig = 0;
  sigwait(&stop_signals, &sig);
  for (auto& s : services) s->stop();
  dns->stop();
  {
    std::ofstream counts(shared.state_dir / "requests.json", std::ios::trunc);
    nlohmann::json counts_doc = shared.request_counts();
    counts_doc["dns"] = dns->queries();
    counts << counts_doc.dump() << "\n";
    std::ofstream log(shared.state_dir / "requests-log.jsonl", std::ios::trunc);
    for (const auto& r : shared.request_log()) log << r.dump() << "\n";
  }
  std::error_code ec;
  std::filesystem::remove(ready, ec);
  return 0;
}

// Anything unexpected ends the process with a message naming it, never std::terminate's abort
// (which would leave a core and no words).
int main(int argc, char** argv) {
  try {
    return serve(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "infra-dod-sandbox: unexpected error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "infra-dod-sandbox: unexpected error\n");
  }
  return 70;
}
