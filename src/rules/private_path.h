#pragma once
// The private-path-only checklist (DEV-045): pure judgements over what the smokes saw (the TCP
// probe's line from inside a LangFuse pod, the runner's DNS answers) and the run's inventory
// snapshot (the private endpoints' addresses, public network access). "Private" is
// rules/addresses.h.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/judgement.h"

namespace infra_dod {

// A probe's result in what it printed: the last line that parses as a JSON object whose
// "probe" is `kind` ("tcp" for fixtures/probes/tcp_probe.js, "http" for langfuse_probe.py);
// nothing when there is none. Other lines (kubectl's warnings, a job's own logs) are skipped.
std::optional<nlohmann::json> probe_result_line(const std::string& text, std::string_view kind);
inline std::optional<nlohmann::json> probe_line(const std::string& stdout_text) {
  return probe_result_line(stdout_text, "tcp");
}

// The private IPs of every private endpoint in the snapshot whose connection targets
// `resource_id`; `blocked` names the entry that could not be read.
std::vector<std::string> private_endpoint_ips(const nlohmann::json& snapshot, const std::string& resource_id,
                                              std::string* blocked);

// PRIVATE-PATH-POSTGRES: the Postgres FQDN resolved inside `pod` to a private address that is
// one of the server's private endpoint addresses, and a TCP connection to it opened.
Judgement judge_postgres_private_path(const nlohmann::json& snapshot, const nlohmann::json& probe,
                                      const std::string& pod);

// What the runner's resolver said about one service's public name.
struct NameLookup {
  std::string service;   // "Key Vault kv-ai-agent-dev"
  std::string resource;  // its ARM id
  std::string name;      // kv-ai-agent-dev.vault.azure.net
  std::vector<std::string> addresses;
  std::string rcode;     // NOERROR, NXDOMAIN
  std::string error;     // the lookup failed (timeout, SERVFAIL): the row cannot be judged
};

// The services whose public names PRIVATE-PATH-NO-PUBLIC resolves: Postgres, Azure OpenAI and Key
// Vault, each {service, resource id, public host name} from the snapshot. `blocked` collects
// the entries it could not read.
std::vector<NameLookup> public_names(const nlohmann::json& snapshot, std::vector<std::string>& blocked);

// PRIVATE-PATH-NO-PUBLIC: public network access Disabled on each service (from the snapshot),
// and each public name resolving, from the runner, only to private addresses.
Judgement judge_no_public_fallback(const nlohmann::json& snapshot, const std::vector<NameLookup>& lookups);

}  // namespace infra_dod
