#include "smokes/private_path.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "clients/dns.h"
#include "clients/kube.h"
#include "rules/inventory_entries.h"
#include "rules/private_path.h"
#include "rules/snapshot_reader.h"
#include "runtime/text.h"
#include "runtime/json_field.h"

namespace infra_dod {

using nlohmann::json;

namespace {

const char kProbe[] = "probes/tcp_probe.js";

Result<std::string> read_probe() {
  const auto file = std::filesystem::path(INFRA_DOD_FIXTURES_DIR) / kProbe;
  std::ifstream in(file);
  if (!in) return Error{ErrorKind::config, "cannot read the probe script " + file.string()};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// "k=v,k2=v2" from the Deployment's matchLabels in the snapshot.
Result<std::string> deployment_selector(const json& snapshot) {
  const json* deployment = entry_value(snapshot, entries::kDeployment);
  if (!deployment) return Error{ErrorKind::not_found, entry_error(snapshot, entries::kDeployment)};
  const json* labels = deployment->contains("/spec/selector/matchLabels"_json_pointer)
                           ? &(*deployment)["spec"]["selector"]["matchLabels"]
                           : nullptr;
  if (!labels || !labels->is_object() || labels->empty())
    return Error{ErrorKind::protocol, "the LangFuse Deployment has no spec.selector.matchLabels in the inventory"};
  std::string sel;
  for (const auto& [k, v] : labels->items())
    sel += (sel.empty() ? "" : ",") + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
  return sel;
}

}  // namespace

SmokeResult run_postgres_private_path(const Config& cfg, const Evidence& ev, const std::string& dod_item,
                                      const json& snapshot) {
  SmokeResult out;
  out.headline = "LangFuse runtime reaches PostgreSQL via private endpoint only";
  const json* server = entry_value(snapshot, entries::kPostgres);
  if (!server) return cannot(std::move(out), entry_error(snapshot, entries::kPostgres));
  const std::string fqdn = server->contains("/properties/fullyQualifiedDomainName"_json_pointer)
                               ? (*server)["properties"]["fullyQualifiedDomainName"].get<std::string>()
                               : std::string();
  if (fqdn.empty()) return cannot(std::move(out), "the PostgreSQL server has no fullyQualifiedDomainName in the inventory");
  const auto selector = deployment_selector(snapshot);
  if (!selector) return cannot(std::move(out), selector.error().message);
  const auto script = read_probe();
  if (!script) return cannot(std::move(out), script.error().message);

  const Kubectl kubectl(cfg);
  const std::string ns = cfg.value("LANGFUSE_NAMESPACE");
  KubeError kerr;
  const auto pods = kubectl.get_json({"get", "pods", "-n", ns, "-l", selector.value(), "-o", "json"}, &kerr);
  if (!pods) return cannot(std::move(out), "listing the LangFuse pods (-l " + selector.value() + "): " + pods.error().what());
  std::string pod, container;
  std::vector<std::string> seen;
  for (const auto& p : field(*pods, "items", json::array())) {
    const std::string name = field(p["metadata"], "name", "");
    const std::string phase = p.contains("/status/phase"_json_pointer) ? p["status"]["phase"].get<std::string>() : "";
    seen.push_back(name + " " + (phase.empty() ? "(no phase)" : phase));
    if (pod.empty() && phase == "Running") {
      pod = name;
      const json& containers = p["spec"]["containers"];
      if (containers.is_array() && !containers.empty()) container = field(containers[0], "name", "");
    }
  }
  if (pod.empty())
    return cannot(std::move(out), "no Running LangFuse pod to run the probe in (-l " + selector.value() + " in " + ns +
                                      ": " + (seen.empty() ? std::string("no pods") : rules::join(seen)) + ")");

  const long connect_ms = cfg.integer("PRIVATE_PATH_CONNECT_TIMEOUT_MS");
  std::vector<std::string> args = {"exec", pod, "-n", ns};
  if (!container.empty()) args.insert(args.end(), {"-c", container});
  args.insert(args.end(), {"--", "node", "-e", script.value(), fqdn, "5432", std::to_string(connect_ms)});
  auto r = kubectl.run(args);
  // kubectl 1.32's websocket exec can drop output that arrives before it has made its streams
  // ("Unknown stream id", fixed in later client-go): the probe is read-only, so it runs once more.
  if (r.succeeded() && !probe_line(r.out) && r.err.find("Unknown stream id") != std::string::npos) r = kubectl.run(args);
  // The script is a fixture; evidence names it rather than repeating it.
  std::string shown = "kubectl exec " + pod + " -n " + ns + (container.empty() ? "" : " -c " + container) +
                      " -- node -e \"$(cat fixtures/" + kProbe + ")\" " + fqdn + " 5432 " + std::to_string(connect_ms);
  json record = {{"check", "postgres-from-langfuse-pod"}, {"pod", pod},  {"container", container},
                 {"command", shown},                      {"exit_code", r.exit_code},
                 {"stdout", truncate_utf8(trim(r.redacted_out()), 2000)},
                 {"stderr", truncate_utf8(trim(r.redacted_err()), 2000)}};
  if (!r.succeeded()) {
    const KubeError e = r.started && !r.timed_out ? classify_kubectl_failure(r) : KubeError{ErrorKind::timeout, "", r.describe()};
    record["error"] = e.message;
    keep(out, ev.append("private-path.jsonl", dod_item, record));
    return cannot(std::move(out), "kubectl exec into " + pod + " failed: " + to_string(e.kind) + ": " + e.message);
  }
  const auto probe = probe_line(r.out);
  if (!probe) {
    keep(out, ev.append("private-path.jsonl", dod_item, record));
    return cannot(std::move(out), "the probe in " + pod + " printed no result line: " + truncate_utf8(trim(r.redacted_out() + r.redacted_err()), 400));
  }
  record["probe"] = *probe;
  keep(out, ev.append("private-path.jsonl", dod_item, record));
  out.judgement = judge_postgres_private_path(snapshot, *probe, pod);
  return out;
}

SmokeResult run_no_public_fallback(const Config& cfg, const Evidence& ev, const std::string& dod_item,
                                   const json& snapshot) {
  SmokeResult out;
  out.headline = "No required runtime dependency succeeds via public endpoint fallback";
  std::vector<std::string> blocked;
  auto lookups = public_names(snapshot, blocked);
  const std::string server = cfg.get("INFRA_DOD_DNS_SERVER").value_or("");
  const auto timeout = std::chrono::seconds(cfg.integer("PRIVATE_PATH_DNS_TIMEOUT_S"));
  for (auto& l : lookups) {
    const auto answer = resolve_addresses(l.name, server, timeout);
    json record = {{"check", "public-name-from-runner"}, {"service", l.service}, {"name", l.name},
                   {"dns_server", server.empty() ? "system" : server}};
    if (answer) {
      l.addresses = answer->addresses;
      l.rcode = answer->rcode;
      record["rcode"] = l.rcode;
      record["addresses"] = l.addresses;
    } else {
      l.error = answer.error().what();
      record["error"] = l.error;
    }
    keep(out, ev.append("private-path.jsonl", dod_item, record));
  }
  out.judgement = judge_no_public_fallback(snapshot, lookups);
  return out;
}

}  // namespace infra_dod
