#include "rules/azure_rules.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "rules/inventory_entries.h"
#include "rules/snapshot_reader.h"
#include "runtime/text.h"
#include "runtime/json_field.h"

namespace infra_dod {
namespace {

using nlohmann::json;
using namespace rules;

std::string or_absent(const std::string& v) { return v.empty() ? "absent" : v; }

// The last segment of an ARM id: the resource's own name.
std::string last_segment(const std::string& id) {
  std::string s = id;
  while (!s.empty() && s.back() == '/') s.pop_back();
  const auto slash = s.rfind('/');
  return slash == std::string::npos ? s : s.substr(slash + 1);
}

// The id the collector asked for, for findings about a resource ARM did not return.
std::string arm_id(const json& snapshot, const std::string& provider_path) {
  return "/subscriptions/" + config_value(snapshot, "AZURE_SUBSCRIPTION_ID") + "/resourceGroups/" +
         config_value(snapshot, "AZURE_RESOURCE_GROUP") + "/providers/" + provider_path;
}

std::string id_or(const json& resource, const std::string& fallback) {
  const std::string id = text_at(resource, {"id"});
  return id.empty() ? fallback : id;
}

// The snapshot's config holds effective values (the catalogue's default included), so there is
// nothing to fall back on here.
std::string postgres_server_name(const json& snapshot) { return config_value(snapshot, "POSTGRES_SERVER_NAME"); }

// A non-empty delegated subnet is the VNet-integration model; without one the server is in
// public-access mode, where Private Link is the only private path.
bool vnet_integrated(const json& server) {
  return !text_at(server, {"properties", "network", "delegatedSubnetResourceId"}).empty();
}

std::string connection_state(const json& connection) {
  return text_at(connection, {"properties", "privateLinkServiceConnectionState", "status"});
}

// "pe-postgres-dev: Approved" for a server-side private endpoint connection.
std::string describe_connection(const json& connection) {
  std::string endpoint = last_segment(text_at(connection, {"properties", "privateEndpoint", "id"}));
  if (endpoint.empty()) endpoint = text_at(connection, {"name"});
  return endpoint + ": " + or_absent(connection_state(connection));
}

struct UnixTime {
  bool present = false;
  std::optional<std::int64_t> seconds;  // empty when present but unreadable
};

// Key Vault attributes are Unix seconds on the ARM plane; a string of digits is read too.
UnixTime unix_time_at(const json& object, std::initializer_list<std::string_view> path) {
  const json* v = at(object, path);
  if (!v || v->is_null()) return {};
  if (v->is_number_integer()) return {true, v->get<std::int64_t>()};
  if (v->is_number_float()) return {true, static_cast<std::int64_t>(std::floor(v->get<double>()))};
  if (v->is_string()) {
    const std::string s = trim(v->get<std::string>());
    if (!s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return {true, std::stoll(s)};
  }
  return {true, std::nullopt};
}

std::string iso(std::int64_t unix_seconds) {
  return utc_iso(std::chrono::system_clock::time_point(std::chrono::seconds(unix_seconds)));
}

// A resource a private endpoint must reach, with the public DNS suffix whose privatelink zone
// resolves it (Azure's fixed zone naming: privatelink.<suffix>).
struct Target {
  std::string what;  // "OpenAI account"
  std::string id;
  std::string zone_suffix;
};

struct Link {
  const json* endpoint = nullptr;
  const json* connection = nullptr;
};

bool link_approved(const Link& l) { return iequals(connection_state(*l.connection), "Approved"); }

bool link_provisioned(const Link& l) {
  const std::string connection = text_at(*l.connection, {"properties", "provisioningState"});
  return iequals(text_at(*l.endpoint, {"properties", "provisioningState"}), "Succeeded") &&
         (connection.empty() || iequals(connection, "Succeeded"));
}

// Where ARM reports an endpoint's private IPs: customDnsConfigs (no DNS zone group), the
// endpoint's static ipConfigurations, expanded network interfaces, or the record sets of its
// DNS zone groups (entry arm.pe_zone_groups.<endpoint name>), where customDnsConfigs is empty.
std::vector<std::string> collect_private_ips(const json& endpoint, const json& snapshot) {
  std::vector<std::string> ips;
  auto add = [&](const json& v) {
    if (v.is_string() && !v.get<std::string>().empty() &&
        std::find(ips.begin(), ips.end(), v.get<std::string>()) == ips.end())
      ips.push_back(v.get<std::string>());
  };
  for (const auto& config : array_at(endpoint, {"properties", "customDnsConfigs"}))
    for (const auto& ip : array_at(config, {"ipAddresses"})) add(ip);
  for (const auto& config : array_at(endpoint, {"properties", "ipConfigurations"}))
    if (const json* ip = at(config, {"properties", "privateIPAddress"})) add(*ip);
  for (const auto& nic : array_at(endpoint, {"properties", "networkInterfaces"}))
    for (const auto& config : array_at(nic, {"properties", "ipConfigurations"}))
      if (const json* ip = at(config, {"properties", "privateIPAddress"})) add(*ip);
  if (const json* groups = entry_value(snapshot, entries::pe_zone_groups(text_at(endpoint, {"name"})));
      groups && groups->is_array())
    for (const auto& group : *groups)
      for (const auto& config : array_at(group, {"properties", "privateDnsZoneConfigs"}))
        for (const auto& set : array_at(config, {"properties", "recordSets"}))
          for (const auto& ip : array_at(set, {"ipAddresses"})) add(ip);
  return ips;
}

std::string trim_dot(std::string s) {
  s = to_lower(trim(s));
  while (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

void judge_endpoint(const Target& target, const json& endpoints, const std::vector<std::string>& zones,
                    const json& snapshot, std::vector<Finding>& findings) {
  std::vector<Link> links;
  for (const auto& endpoint : endpoints)
    // A connection that needed manual approval stays in the manual list even once approved.
    for (const char* list : {"privateLinkServiceConnections", "manualPrivateLinkServiceConnections"})
      for (const auto& connection : array_at(endpoint, {"properties", list}))
        if (same_arm_id(text_at(connection, {"properties", "privateLinkServiceId"}), target.id))
          links.push_back({&endpoint, &connection});

  const std::string check = "private endpoint to the " + target.what;
  if (links.empty()) {
    findings.push_back({check + " exists", false, "a private endpoint whose privateLinkServiceId is " + target.id,
                        "none of the " + std::to_string(endpoints.size()) + " private endpoints in the resource group",
                        target.id});
    return;
  }
  // A stale Rejected endpoint beside a working one does not break the private path.
  const auto best = std::max_element(links.begin(), links.end(), [](const Link& a, const Link& b) {
    return std::pair(link_approved(a), link_provisioned(a)) < std::pair(link_approved(b), link_provisioned(b));
  });
  const json& endpoint = *best->endpoint;
  const std::string endpoint_id = text_at(endpoint, {"id"});
  const std::string name = text_at(endpoint, {"name"});
  findings.push_back({check + " exists", true, "a private endpoint whose privateLinkServiceId is " + target.id,
                      name, endpoint_id});
  findings.push_back({check + " approved", link_approved(*best), "connection status Approved",
                      "status " + or_absent(connection_state(*best->connection)), endpoint_id});
  findings.push_back({check + " provisioned", link_provisioned(*best), "provisioningState Succeeded",
                      "endpoint " + or_absent(text_at(endpoint, {"properties", "provisioningState"})) + ", connection " +
                          or_absent(text_at(*best->connection, {"properties", "provisioningState"})),
                      endpoint_id});

  std::string zone;
  const std::string dotted = "." + target.zone_suffix;
  for (const auto& z : zones)
    if (const std::string n = trim_dot(z);
        n.size() > dotted.size() && n.compare(n.size() - dotted.size(), std::string::npos, dotted) == 0)
      zone = z;
  if (zone.empty()) {
    findings.push_back({"A record for the " + target.what, false,
                        "a zone in PRIVATE_DNS_ZONES ending in " + target.zone_suffix,
                        "PRIVATE_DNS_ZONES " + config_value(snapshot, "PRIVATE_DNS_ZONES"), endpoint_id});
    return;
  }
  const std::string zone_id = arm_id(snapshot, "Microsoft.Network/privateDnsZones/" + zone);
  const auto ips = collect_private_ips(endpoint, snapshot);
  if (ips.empty()) {
    findings.push_back({"A record for the " + target.what, false,
                        "the endpoint's private IPs (customDnsConfigs, ipConfigurations or its DNS zone group) to look up in " + zone,
                        "no private IP on the endpoint", endpoint_id});
    return;
  }
  const json* records = entry_value(snapshot, entries::dns_a_records(zone));
  for (const auto& ip : ips) {
    std::vector<std::string> holders;
    if (records && records->is_array())
      for (const auto& set : *records)
        for (const auto& a : array_at(set, {"properties", "aRecords"}))
          if (text_at(a, {"ipv4Address"}) == ip) holders.push_back(text_at(set, {"name"}));
    findings.push_back({"A record for the " + target.what + " (" + ip + ")", !holders.empty(),
                        "an A record in " + zone + " holding " + ip,
                        holders.empty() ? "no A record in " + zone + " holds " + ip : "record " + join(holders),
                        zone_id});
  }
}

}  // namespace

bool same_arm_id(std::string_view a, std::string_view b) {
  auto normal = [](std::string_view s) {
    std::string t = to_lower(trim(s));
    while (!t.empty() && t.back() == '/') t.pop_back();
    return t;
  };
  const std::string left = normal(a);
  return !left.empty() && left == normal(b);
}

Judgement judge_postgres(const json& snapshot) {
  const std::string expected_id =
      arm_id(snapshot, "Microsoft.DBforPostgreSQL/flexibleServers/" + postgres_server_name(snapshot));
  EntryReader in(snapshot);
  bool absent = false;
  const json* server = in.object(entries::kPostgres, &absent);
  if (in.blocked()) return in.cannot_judge();

  Judgement j;
  if (absent) {
    j.findings.push_back({"server exists", false, "Flexible Server " + postgres_server_name(snapshot),
                          absence(snapshot, entries::kPostgres), expected_id});
    return j.conclude();
  }
  const std::string id = id_or(*server, expected_id);
  j.findings.push_back({"server exists", true, "Flexible Server " + postgres_server_name(snapshot), "exists", id});
  const std::string state = text_at(*server, {"properties", "state"});
  j.findings.push_back({"server state Ready", iequals(state, "Ready"), "state Ready", "state " + or_absent(state), id});
  const std::string public_access = text_at(*server, {"properties", "network", "publicNetworkAccess"});
  j.findings.push_back({"public network access disabled", iequals(public_access, "Disabled"),
                        "publicNetworkAccess Disabled", "publicNetworkAccess " + or_absent(public_access), id});

  const std::string model_expected =
      "VNet integration (delegatedSubnetResourceId and privateDnsZoneArmResourceId set) or Private Link (an "
      "Approved private endpoint connection)";
  if (vnet_integrated(*server)) {
    const std::string zone = text_at(*server, {"properties", "network", "privateDnsZoneArmResourceId"});
    j.findings.push_back({"private networking model complete", !zone.empty(), model_expected,
                          zone.empty() ? "VNet integration with a delegated subnet but no privateDnsZoneArmResourceId"
                                       : "VNet integration, delegated subnet and private DNS zone " + zone,
                          id});
    return j.conclude();
  }
  // Older API versions leave connections out of the server body; the child list always has them.
  std::vector<const json*> connections;
  for (const auto& c : array_at(*server, {"properties", "privateEndpointConnections"})) connections.push_back(&c);
  auto approved = [&] {
    return std::any_of(connections.begin(), connections.end(),
                       [](const json* c) { return iequals(connection_state(*c), "Approved"); });
  };
  if (!approved()) {
    const json* listed = in.array(entries::kPostgresPrivateEndpointConnections);
    if (in.blocked()) return in.cannot_judge();
    for (const auto& c : *listed)
      if (std::none_of(connections.begin(), connections.end(), [&](const json* known) {
            return same_arm_id(text_at(*known, {"id"}), text_at(c, {"id"}));
          }))
        connections.push_back(&c);
  }
  std::vector<std::string> described;
  for (const json* c : connections) described.push_back(describe_connection(*c));
  j.findings.push_back(
      {"private networking model complete", approved(), model_expected,
       connections.empty() ? "neither model: no delegated subnet and no private endpoint connection"
                           : std::string(approved() ? "Private Link" : "Private Link without an Approved connection") +
                                 " (" + join(described) + ")",
       id});
  return j.conclude();
}

Judgement judge_key_vault_secrets(const json& snapshot, std::chrono::system_clock::time_point now) {
  const auto required = split_list(config_value(snapshot, "KEY_VAULT_REQUIRED_SECRETS"));
  if (required.empty())
    return Judgement::cannot_judge("config: KEY_VAULT_REQUIRED_SECRETS is empty; list the secret names the row requires");
  const std::string vault_name = config_value(snapshot, "KEY_VAULT_NAME");
  const std::string vault_id = arm_id(snapshot, "Microsoft.KeyVault/vaults/" + vault_name);

  EntryReader in(snapshot);
  bool vault_absent = false;
  const json* secrets = in.array(entries::kKeyVaultSecrets);
  // The vault GET is not needed for the verdict; only its 404 explains an empty list.
  if (entry_is_not_found(snapshot, entries::kKeyVault)) vault_absent = true;
  if (in.blocked()) return in.cannot_judge();

  Judgement j;
  if (vault_absent || entry_is_not_found(snapshot, entries::kKeyVaultSecrets)) {
    j.findings.push_back({"vault exists", false, "Key Vault " + vault_name,
                          absence(snapshot, vault_absent ? entries::kKeyVault : entries::kKeyVaultSecrets), vault_id});
    return j.conclude();
  }

  // The list is metadata only; a value here means the snapshot (and its evidence) holds a secret.
  std::vector<std::string> holding_values;
  for (const auto& s : *secrets)
    if ((s.is_object() && s.contains("value")) || at(s, {"properties", "value"}))
      holding_values.push_back(or_absent(text_at(s, {"name"})));
  j.findings.push_back({"the snapshot holds no secret value", holding_values.empty(), "names and attributes only",
                        holding_values.empty() ? "no value" : "a value for " + join(holding_values), vault_id});

  const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  for (const auto& name : required) {
    const std::string fallback_id = vault_id + "/secrets/" + name;
    // Key Vault treats secret names case-insensitively.
    const auto it = std::find_if(secrets->begin(), secrets->end(), [&](const json& s) {
      std::string listed = text_at(s, {"name"});
      if (listed.empty()) listed = last_segment(text_at(s, {"id"}));
      return iequals(listed, name);
    });
    if (it == secrets->end()) {
      j.findings.push_back({"secret " + name + " exists", false, "a secret named " + name + " in " + vault_name,
                            "not among the " + std::to_string(secrets->size()) + " listed secrets", fallback_id});
      continue;
    }
    const json& secret = *it;
    const std::string id = id_or(secret, fallback_id);
    j.findings.push_back({"secret " + name + " exists", true, "a secret named " + name + " in " + vault_name,
                          "listed as " + text_at(secret, {"name"}), id});

    const json* enabled = at(secret, {"properties", "attributes", "enabled"});
    const bool is_enabled = enabled && enabled->is_boolean() && enabled->get<bool>();
    j.findings.push_back({"secret " + name + " enabled", is_enabled, "attributes.enabled true",
                          enabled && !enabled->is_null() ? "attributes.enabled " + enabled->dump() : "attributes.enabled absent",
                          id});

    const auto exp = unix_time_at(secret, {"properties", "attributes", "exp"});
    const bool exp_ok = !exp.present || (exp.seconds && *exp.seconds > now_s);
    j.findings.push_back({"secret " + name + " not expired", exp_ok, "no exp, or exp after " + iso(now_s),
                          !exp.present ? "no exp"
                          : exp.seconds ? "exp " + iso(*exp.seconds) + (exp_ok ? "" : " (expired)")
                                        : "unreadable exp " + at(secret, {"properties", "attributes", "exp"})->dump(),
                          id});

    const auto nbf = unix_time_at(secret, {"properties", "attributes", "nbf"});
    const bool nbf_ok = !nbf.present || (nbf.seconds && *nbf.seconds <= now_s);
    j.findings.push_back({"secret " + name + " already valid", nbf_ok, "no nbf, or nbf at or before " + iso(now_s),
                          !nbf.present ? "no nbf"
                          : nbf.seconds ? "nbf " + iso(*nbf.seconds) + (nbf_ok ? "" : " (not yet valid)")
                                        : "unreadable nbf " + at(secret, {"properties", "attributes", "nbf"})->dump(),
                          id});
  }
  return j.conclude();
}

Judgement judge_private_dns(const json& snapshot) {
  const auto zones = split_list(config_value(snapshot, "PRIVATE_DNS_ZONES"));
  const auto vnets = split_list(config_value(snapshot, "PRIVATE_DNS_LINKED_VNETS"));
  if (zones.empty()) return Judgement::cannot_judge("config: PRIVATE_DNS_ZONES is empty");
  if (vnets.empty()) return Judgement::cannot_judge("config: PRIVATE_DNS_LINKED_VNETS is empty");

  EntryReader in(snapshot);
  struct Zone {
    std::string name;
    const json* zone = nullptr;
    bool absent = false;
    const json* links = nullptr;
  };
  std::vector<Zone> read;
  for (const auto& z : zones) {
    Zone zone{z};
    zone.zone = in.object(entries::dns_zone(z), &zone.absent);
    zone.links = in.array(entries::dns_links(z));
    in.array(entries::dns_a_records(z));  // read here so that an unreadable record list blocks the verdict
    read.push_back(zone);
  }
  const json* endpoints = in.array(entries::kPrivateEndpoints);
  bool openai_absent = false, postgres_absent = false;
  const json* openai = in.object(entries::kOpenAi, &openai_absent);
  const json* postgres = in.object(entries::kPostgres, &postgres_absent);
  // The endpoint checks need the endpoint list, every zone's A records and the endpoints' DNS zone
  // groups (a group may hold an endpoint's only record of its IPs); a zone's own checks need only
  // that zone and its links. A failed read leaves only the checks that need it unjudged.
  std::vector<std::string> endpoint_blockers;
  if (auto f = in.failure(entries::kPrivateEndpoints)) endpoint_blockers.push_back(*f);
  for (const auto& z : zones)
    if (auto f = in.failure(entries::dns_a_records(z))) endpoint_blockers.push_back(*f);
  if (const auto e = snapshot.find("entries"); e != snapshot.end() && e->is_object())
    for (const auto& [name, entry_json] : e->items())
      if (entries::is_pe_zone_groups(name) && !field(entry_json, "ok", false) &&
          !entry_is_not_found(snapshot, name))
        endpoint_blockers.push_back(entry_error(snapshot, name));

  Judgement j;
  for (const auto& zone : read) {
    const std::string zone_id = arm_id(snapshot, "Microsoft.Network/privateDnsZones/" + zone.name);
    if (!zone.zone && !zone.absent) {
      j.findings.push_back(unjudged("zone " + zone.name + " exists", "private DNS zone " + zone.name,
                                    *in.failure(entries::dns_zone(zone.name)), zone_id));
      continue;
    }
    if (zone.absent) {
      j.findings.push_back({"zone " + zone.name + " exists", false, "private DNS zone " + zone.name,
                            absence(snapshot, entries::dns_zone(zone.name)), zone_id});
      continue;
    }
    j.findings.push_back({"zone " + zone.name + " exists", true, "private DNS zone " + zone.name, "exists",
                          id_or(*zone.zone, zone_id)});
    if (!zone.links) {
      for (const auto& vnet : vnets)
        j.findings.push_back(unjudged("zone " + zone.name + " linked to " + last_segment(vnet), "a link to " + vnet,
                                      *in.failure(entries::dns_links(zone.name)), zone_id));
      continue;
    }
    for (const auto& vnet : vnets) {
      const json* best = nullptr;
      bool best_ok = false;
      std::vector<std::string> linked;
      for (const auto& link : *zone.links) {
        const std::string target = text_at(link, {"properties", "virtualNetwork", "id"});
        linked.push_back(last_segment(target));
        if (!same_arm_id(target, vnet)) continue;
        const std::string state = text_at(link, {"properties", "virtualNetworkLinkState"});
        const bool ok = iequals(text_at(link, {"properties", "provisioningState"}), "Succeeded") &&
                        (state.empty() || iequals(state, "Completed"));
        if (!best || (ok && !best_ok)) {
          best = &link;
          best_ok = ok;
        }
      }
      const std::string check = "zone " + zone.name + " linked to " + last_segment(vnet);
      const std::string expected = "a link to " + vnet + " with provisioningState Succeeded (and virtualNetworkLinkState "
                                   "Completed when reported)";
      if (!best) {
        j.findings.push_back({check, false, expected,
                              linked.empty() ? "no virtual network link" : "links only to " + join(linked), zone_id});
        continue;
      }
      j.findings.push_back({check, best_ok, expected,
                            "link " + text_at(*best, {"name"}) + ": provisioningState " +
                                or_absent(text_at(*best, {"properties", "provisioningState"})) +
                                ", virtualNetworkLinkState " +
                                or_absent(text_at(*best, {"properties", "virtualNetworkLinkState"})),
                            id_or(*best, zone_id)});
    }
  }

  const std::string account = config_value(snapshot, "OPENAI_ACCOUNT_NAME");
  const std::string openai_id = arm_id(snapshot, "Microsoft.CognitiveServices/accounts/" + account);
  const auto blocked_endpoint = [&](const std::string& check, const std::string& entry, const std::string& id) {
    std::vector<std::string> why = endpoint_blockers;
    if (auto f = in.failure(entry)) why.insert(why.begin(), *f);
    if (why.empty()) return false;
    j.findings.push_back(unjudged(check, "the endpoint, its A records and DNS zone groups", join(why, "; "), id));
    return true;
  };
  if (openai_absent)
    j.findings.push_back({"private endpoint to the OpenAI account exists", false, "OpenAI account " + account,
                          absence(snapshot, entries::kOpenAi), openai_id});
  else if (!blocked_endpoint("private endpoint to the OpenAI account", entries::kOpenAi, openai_id))
    judge_endpoint({"OpenAI account", id_or(*openai, openai_id), "openai.azure.com"}, *endpoints, zones, snapshot,
                   j.findings);

  const std::string server = postgres_server_name(snapshot);
  const std::string postgres_id = arm_id(snapshot, "Microsoft.DBforPostgreSQL/flexibleServers/" + server);
  if (postgres_absent) {
    j.findings.push_back({"private endpoint to the Postgres server exists", false, "Flexible Server " + server,
                          absence(snapshot, entries::kPostgres), postgres_id});
  } else if (!postgres) {
    j.findings.push_back(unjudged("private endpoint to the Postgres server", "the Flexible Server read",
                                  *in.failure(entries::kPostgres), postgres_id));
  } else if (vnet_integrated(*postgres)) {
    // A VNet-integrated server cannot take a private endpoint; its DNS is its own zone.
    j.findings.push_back({"Postgres reached without a private endpoint", true,
                          "a private endpoint only in the Private Link model",
                          "VNet-integrated (delegated subnet " +
                              text_at(*postgres, {"properties", "network", "delegatedSubnetResourceId"}) + ")",
                          id_or(*postgres, postgres_id)});
  } else if (!blocked_endpoint("private endpoint to the Postgres server", entries::kPostgres, postgres_id)) {
    judge_endpoint({"Postgres server", id_or(*postgres, postgres_id), "postgres.database.azure.com"}, *endpoints, zones,
                   snapshot, j.findings);
  }
  return j.conclude();
}

std::vector<std::string> endpoint_private_ips(const nlohmann::json& endpoint, const nlohmann::json& snapshot) {
  return collect_private_ips(endpoint, snapshot);
}

}  // namespace infra_dod
