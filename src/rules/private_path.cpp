#include "rules/private_path.h"

#include <algorithm>

#include "rules/addresses.h"
#include "rules/azure_rules.h"
#include "rules/inventory_entries.h"
#include "rules/snapshot_reader.h"
#include "runtime/text.h"
#include "runtime/json_field.h"

namespace infra_dod {

using nlohmann::json;
using rules::join;
using rules::text_at;

namespace {

// https://host[:port]/path -> host
std::string url_host(std::string url) {
  const auto scheme = url.find("://");
  if (scheme != std::string::npos) url = url.substr(scheme + 3);
  url = url.substr(0, url.find_first_of("/?#"));
  if (const auto colon = url.rfind(':'); colon != std::string::npos && url.find(']') == std::string::npos)
    url = url.substr(0, colon);
  return to_lower(url);
}

std::string describe_addresses(const std::vector<std::string>& addresses) {
  if (addresses.empty()) return "no address";
  std::vector<std::string> parts;
  for (const auto& a : addresses) parts.push_back(a + (is_private_address(a) ? " (private)" : " (public)"));
  return join(parts);
}

struct Service {
  const char* entry;
  const char* what;
  std::vector<std::string_view> access_path;
  std::vector<std::string_view> name_path;
  bool name_is_url;
};

const std::vector<Service>& services() {
  static const std::vector<Service> list = {
      {entries::kPostgres, "PostgreSQL server", {"properties", "network", "publicNetworkAccess"},
       {"properties", "fullyQualifiedDomainName"}, false},
      {entries::kOpenAi, "Azure OpenAI account", {"properties", "publicNetworkAccess"}, {"properties", "endpoint"}, true},
      {entries::kKeyVault, "Key Vault", {"properties", "publicNetworkAccess"}, {"properties", "vaultUri"}, true},
  };
  return list;
}

const json* path_at(const json& obj, const std::vector<std::string_view>& path) {
  const json* cur = &obj;
  for (auto key : path) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(std::string(key));
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

std::string string_at(const json& obj, const std::vector<std::string_view>& path) {
  const json* v = path_at(obj, path);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

}  // namespace

std::optional<json> probe_result_line(const std::string& text, std::string_view kind) {
  std::optional<json> found;
  for (const auto& line : split_list(text, '\n')) {
    json j = json::parse(line, nullptr, false);
    if (j.is_object() && field(j, "probe", "") == kind) found = std::move(j);
  }
  return found;
}

std::vector<std::string> private_endpoint_ips(const json& snapshot, const std::string& resource_id, std::string* blocked) {
  std::vector<std::string> ips;
  const json* endpoints = entry_value(snapshot, entries::kPrivateEndpoints);
  if (!endpoints || !endpoints->is_array()) {
    if (blocked) *blocked = entry_error(snapshot, entries::kPrivateEndpoints);
    return ips;
  }
  for (const auto& endpoint : *endpoints) {
    bool targets = false;
    for (const char* list : {"privateLinkServiceConnections", "manualPrivateLinkServiceConnections"})
      for (const auto& connection : rules::array_at(endpoint, {"properties", list}))
        targets = targets || same_arm_id(text_at(connection, {"properties", "privateLinkServiceId"}), resource_id);
    if (!targets) continue;
    for (const auto& ip : endpoint_private_ips(endpoint, snapshot))
      if (std::find(ips.begin(), ips.end(), ip) == ips.end()) ips.push_back(ip);
  }
  return ips;
}

Judgement judge_postgres_private_path(const json& snapshot, const json& probe, const std::string& pod) {
  Judgement j;
  const json* server = entry_value(snapshot, entries::kPostgres);
  if (!server) return Judgement::cannot_judge(entry_error(snapshot, entries::kPostgres));
  const std::string server_id = text_at(*server, {"id"});
  const std::string fqdn = text_at(*server, {"properties", "fullyQualifiedDomainName"});
  std::string blocked;
  const auto endpoint_ips = private_endpoint_ips(snapshot, server_id, &blocked);
  if (!blocked.empty()) return Judgement::cannot_judge(blocked);

  const std::string where = "pod " + pod;
  const std::string host = field(probe, "host", "");
  const json& address_field = probe.contains("address") ? probe["address"] : json();
  const std::string address = address_field.is_string() ? address_field.get<std::string>() : "";
  const json& resolve_error = probe.contains("resolve_error") ? probe["resolve_error"] : json();
  j.findings.push_back({"PostgreSQL FQDN resolves inside the LangFuse pod", !address.empty(),
                        host + " resolves to an address",
                        address.empty() ? "no address (" + (resolve_error.is_string() ? resolve_error.get<std::string>() : std::string("no answer")) + ")"
                                        : host + " -> " + address,
                        where});
  if (address.empty()) return j.conclude();
  j.findings.push_back({"PostgreSQL address seen by the pod is private", is_private_address(address),
                        "an RFC 1918, CGNAT or IPv6 ULA address", describe_addresses({address}), where});
  const bool is_endpoint = std::find(endpoint_ips.begin(), endpoint_ips.end(), address) != endpoint_ips.end();
  j.findings.push_back({"PostgreSQL address is its private endpoint's", is_endpoint,
                        endpoint_ips.empty() ? "a private endpoint to " + (fqdn.empty() ? server_id : fqdn) + " in the inventory"
                                             : "one of the private endpoint addresses " + join(endpoint_ips),
                        address, server_id});
  const bool connected = field(probe, "connected", false);
  const json& connect_error = probe.contains("connect_error") ? probe["connect_error"] : json();
  j.findings.push_back({"TCP connection to PostgreSQL opens from the pod", connected,
                        "a connection to " + address + ":" + std::to_string(field(probe, "port", 0)),
                        connected ? "connected" : (connect_error.is_string() ? connect_error.get<std::string>() : std::string("not connected")),
                        where});
  return j.conclude();
}

std::vector<NameLookup> public_names(const json& snapshot, std::vector<std::string>& blocked) {
  std::vector<NameLookup> out;
  for (const auto& s : services()) {
    const json* resource = entry_value(snapshot, s.entry);
    if (!resource) {
      blocked.push_back(entry_error(snapshot, s.entry));
      continue;
    }
    NameLookup l;
    l.service = std::string(s.what) + " " + text_at(*resource, {"name"});
    l.resource = text_at(*resource, {"id"});
    const std::string raw = string_at(*resource, s.name_path);
    l.name = s.name_is_url ? url_host(raw) : to_lower(raw);
    while (!l.name.empty() && l.name.back() == '.') l.name.pop_back();
    if (l.name.empty()) {
      blocked.push_back(l.service + ": the inventory holds no public host name (" + s.entry + ")");
      continue;
    }
    out.push_back(std::move(l));
  }
  return out;
}

Judgement judge_no_public_fallback(const json& snapshot, const std::vector<NameLookup>& lookups) {
  Judgement j;
  std::vector<std::string> blocked;
  for (const auto& s : services()) {
    const json* resource = entry_value(snapshot, s.entry);
    if (!resource) {
      blocked.push_back(entry_error(snapshot, s.entry));
      continue;
    }
    const std::string access = string_at(*resource, s.access_path);
    j.findings.push_back({"public network access disabled on the " + std::string(s.what), iequals(access, "Disabled"),
                          "publicNetworkAccess Disabled",
                          access.empty() ? "publicNetworkAccess absent (Azure's default is Enabled)" : "publicNetworkAccess " + access,
                          text_at(*resource, {"id"})});
  }
  for (const auto& l : lookups) {
    if (!l.error.empty()) {
      blocked.push_back("resolving " + l.name + ": " + l.error);
      continue;
    }
    const bool only_private = !l.addresses.empty() &&
                              std::all_of(l.addresses.begin(), l.addresses.end(), [](const auto& a) { return is_private_address(a); });
    j.findings.push_back({l.service + " public name resolves only to private addresses from the runner", only_private,
                          l.name + " -> private addresses only (the private DNS zone answers inside the VNet)",
                          l.addresses.empty() ? "no address (" + (l.rcode.empty() ? std::string("no answer") : l.rcode) + ")"
                                              : l.name + " -> " + describe_addresses(l.addresses),
                          l.resource});
  }
  // A verdict on part of the services would hide the rest: an unreadable entry or a failed
  // lookup makes the row an error, naming each.
  if (!blocked.empty()) {
    Judgement e = Judgement::cannot_judge(join(blocked, "; "));
    e.findings = std::move(j.findings);
    return e;
  }
  return j.conclude();
}

}  // namespace infra_dod
