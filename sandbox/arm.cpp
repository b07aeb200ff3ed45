// Emulated Azure Resource Manager (management.azure.com), including the Key Vault management
// plane and the AlertsManagement alerts list. Read-only: every resource comes from the scenario's
// "arm.resources" map (keyed by ARM id, stored casing kept), lists are derived from the ids, and
// the alerts list is fed by the Azure Monitor emulator through Shared::fired_alerts.
//
// Scenario section "arm":
//   resources      {"<ARM id>": {resource body}}; id, name and type are filled from the key when
//                  the body leaves them out. Key Vault secrets never carry properties.value.
//   api_versions   {"<Namespace/type>": ["<version>", ...]}: the accepted versions per type (a
//                  child type falls back to its top-level type); a type listed nowhere is unknown
//                  (404 InvalidResourceType). GET /subscriptions/S/providers/<Namespace> lists
//                  them as the provider's resourceTypes, newest first, as ARM does. "Microsoft.Resources/resourceGroups" and
//                  "Microsoft.Resources/subscriptions" cover the ARM-native routes.
//   locations      regions named in NoRegisteredProviderFound messages.
//   principal      {"name", "object_id"}: the caller named in AuthorizationFailed messages.
//   deny           {"<key>": {"match": "<regex over the request path, case-insensitive>"}}:
//                  403 AuthorizationFailed with ARM's message for that action and scope.
//   throttle       {"<key>": {"match": "<regex>", "retry_after": 1, "times": N}}: 429
//                  SubscriptionRequestsThrottled with Retry-After (times absent: always).
//   paging         {"<Namespace/type of the listed items>": {"page_size": N, "empty_page": true}}:
//                  lists page with absolute nextLinks ($skiptoken; ctoken for alerts);
//                  "empty_page" inserts an empty page that still carries a nextLink.
//   faults         the generic injected faults (service.h), rendered in ARM's error envelope.
#include <algorithm>
#include <chrono>
#include <mutex>
#include <optional>
#include <regex>
#include <vector>

#include "runtime/text.h"
#include "service.h"

namespace infra_dod::sandbox {
namespace {

using nlohmann::json;

constexpr const char* kNotFoundFix = "For more details please go to https://aka.ms/ARMResourceNotFoundFix";


std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto end = path.find('/', start);
    const auto seg = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!seg.empty()) out.push_back(seg);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

std::string join_path(const std::vector<std::string>& segs, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count && i < segs.size(); ++i) out += "/" + segs[i];
  return out;
}

std::string percent_encode(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// The type of the resource an id names: Namespace/type[/childType...].
std::string type_of_id(const std::vector<std::string>& segs) {
  if (segs.size() == 2) return "Microsoft.Resources/subscriptions";
  if (segs.size() == 4) return "Microsoft.Resources/resourceGroups";
  std::string type;
  std::size_t providers = 0;
  for (std::size_t i = 0; i < segs.size(); ++i)
    if (iequals(segs[i], "providers")) providers = i;
  if (providers == 0 || providers + 1 >= segs.size()) return {};
  type = segs[providers + 1];
  for (std::size_t i = providers + 2; i < segs.size(); i += 2) type += "/" + segs[i];
  return type;
}

class Arm final : public Service {
 public:
  explicit Arm(Shared& shared) : Service(shared, "arm") {}
  ~Arm() override { stop(); }

 protected:
  void routes(httplib::Server& server) override {
    server.Get(".*", [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); });
  }

  void reset_state() override {
    std::lock_guard lock(mu_);
    throttle_fired_.clear();
  }

  json fault_body(int status, const std::string& code, const std::string& message) const override {
    return {{"error", {{"code", code.empty() ? default_code(status) : code}, {"message", message}}}};
  }

 private:
  static std::string default_code(int status) {
    switch (status) {
      case 400: return "BadRequest";
      case 401: return "InvalidAuthenticationToken";
      case 403: return "AuthorizationFailed";
      case 404: return "ResourceNotFound";
      case 409: return "Conflict";
      case 429: return "TooManyRequests";
      case 500: return "InternalServerError";
      case 502: return "BadGateway";
      case 503: return "ServiceUnavailable";
      case 504: return "GatewayTimeout";
      default: return std::to_string(status);
    }
  }

  const json& arm() const { return shared_.section("arm"); }
  json resources() const { return arm().value("resources", json::object()); }

  void common_headers(httplib::Response& res) const {
    const std::string request_id = guid();
    res.set_header("x-ms-request-id", request_id);
    res.set_header("x-ms-correlation-request-id", request_id);
    const auto loc = to_upper(shared_.section("names").value("location", "local"));
    res.set_header("x-ms-routing-request-id",
                   loc + ":" + utc_compact(std::chrono::system_clock::now()) + ":" + request_id);
    res.set_header("Cache-Control", "no-cache");
    res.set_header("Pragma", "no-cache");
    res.set_header("Expires", "-1");
  }

  static std::string to_upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  }

  void error(httplib::Response& res, int status, const std::string& code, const std::string& message,
             bool gateway) const {
    if (gateway) res.set_header("x-ms-failure-cause", "gateway");
    reply_json(res, status, {{"error", {{"code", code}, {"message", message}}}});
  }

  // Token bucket per principal (250, +25/s) and for the subscription (15x), as ARM meters reads.
  void rate_headers(httplib::Response& res, bool private_dns) {
    std::lock_guard lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - bucket_at_).count();
    bucket_at_ = now;
    reads_ = std::min(250.0, reads_ + 25.0 * elapsed) - 1.0;
    global_reads_ = std::min(3750.0, global_reads_ + 375.0 * elapsed) - 1.0;
    reads_ = std::max(reads_, 0.0);
    global_reads_ = std::max(global_reads_, 0.0);
    res.set_header("x-ms-ratelimit-remaining-subscription-reads", std::to_string(static_cast<int>(reads_)));
    res.set_header("x-ms-ratelimit-remaining-subscription-global-reads",
                   std::to_string(static_cast<int>(global_reads_)));
    if (private_dns) res.set_header("x-ms-ratelimit-remaining-subscription-resource-requests", "499");
  }

  // Fills the envelope from the id, and keeps secret values off the wire whatever a scenario says.
  static json render(const std::string& id, json body) {
    const auto segs = split_path(id);
    if (!body.contains("id")) body["id"] = id;
    // A subscription body has neither name nor type.
    if (segs.size() <= 2) return body;
    if (!body.contains("name") && !segs.empty()) body["name"] = segs.back();
    if (!body.contains("type")) body["type"] = type_of_id(segs);
    if (iequals(body.value("type", ""), "Microsoft.KeyVault/vaults/secrets") && body.contains("properties") &&
        body["properties"].is_object())
      body["properties"].erase("value");
    return body;
  }

  static bool is_private_dns(const std::string& type) {
    return starts_with(to_lower(type), "microsoft.network/privatednszones");
  }

  // The private DNS provider escapes '/' in every string; '/' occurs only inside strings in JSON.
  void send(httplib::Response& res, const json& body, bool private_dns) {
    std::string text = body.dump();
    if (private_dns) {
      std::string escaped;
      for (char c : text) {
        if (c == '/') escaped += '\\';
        escaped += c;
      }
      text = escaped;
    }
    rate_headers(res, private_dns);
    res.status = 200;
    res.set_content(text, "application/json; charset=utf-8");
  }

  std::optional<std::string> find_id(const json& all, const std::string& path) const {
    for (auto& [id, _] : all.items())
      if (iequals(id, path)) return id;
    return std::nullopt;
  }

  bool subscription_known(const json& all, const std::string& sub) const {
    const std::string prefix = to_lower("/subscriptions/" + sub);
    for (auto& [id, _] : all.items()) {
      const auto lid = to_lower(id);
      if (lid == prefix || starts_with(lid, prefix + "/")) return true;
    }
    return false;
  }

  std::optional<json> versions_for(const std::string& type) const {
    const json versions = arm().value("api_versions", json::object());
    for (auto& [t, v] : versions.items())
      if (iequals(t, type)) return v;
    const auto segs = split_path(type);
    if (segs.size() > 2) {
      const std::string top = segs[0] + "/" + segs[1];
      for (auto& [t, v] : versions.items())
        if (iequals(t, top)) return v;
    }
    return std::nullopt;
  }

  // False when the answer (an error) has been written.
  bool check_version(httplib::Response& res, const std::string& type, const std::string& version) const {
    const auto versions = versions_for(type);
    const auto slash = type.find('/');
    const std::string ns = type.substr(0, slash);
    if (!versions) {
      error(res, 404, "InvalidResourceType",
            "The resource type could not be found in the namespace '" + ns + "' for api version '" + version + "'.",
            false);
      return false;
    }
    for (const auto& v : *versions)
      if (v.is_string() && v.get<std::string>() == version) return true;
    std::vector<std::string> list;
    for (const auto& v : *versions) list.push_back(v.get<std::string>());
    if (iequals(ns, "Microsoft.Resources")) {
      std::string joined;
      for (const auto& v : list) joined += (joined.empty() ? "" : ",") + v;
      error(res, 400, "InvalidApiVersionParameter",
            "The api-version '" + version + "' is invalid. The supported versions are '" + joined + "'.", false);
      return false;
    }
    std::string joined, locations;
    for (const auto& v : list) joined += (joined.empty() ? "" : ", ") + v;
    for (const auto& l : arm().value("locations", json::array())) locations += (locations.empty() ? "" : ",") + l.get<std::string>();
    error(res, 400, "NoRegisteredProviderFound",
          "No registered resource provider found for location '" +
              shared_.section("names").value("location", "") + "' and API version '" + version + "' for type '" +
              type.substr(slash + 1) + "'. The supported api-versions are '" + joined +
              "'. The supported locations are '" + locations + "'.",
          false);
    return false;
  }

  static bool matches(const json& rule, const std::string& path) {
    return std::regex_search(path, std::regex(rule.value("match", "^$"), std::regex::icase));
  }

  bool denied(httplib::Response& res, const std::string& path, const std::string& type) const {
    for (auto& [_, rule] : member(arm(), "deny").items()) {
      if (!rule.is_object() || !matches(rule, path)) continue;
      const json principal = arm().value("principal", json::object());
      error(res, 403, "AuthorizationFailed",
            "The client '" + principal.value("name", "") + "' with object id '" + principal.value("object_id", "") +
                "' does not have authorization to perform action '" + type + "/read' over scope '" + path +
                "' or the scope is invalid. If access was recently granted, please refresh your credentials.",
            true);
      return true;
    }
    return false;
  }

  bool throttled(httplib::Response& res, const std::string& path, const std::string& sub) {
    for (auto& [key, rule] : member(arm(), "throttle").items()) {
      if (!rule.is_object() || !matches(rule, path)) continue;
      {
        std::lock_guard lock(mu_);
        if (rule.contains("times") && throttle_fired_[key] >= rule["times"].get<int>()) continue;
        ++throttle_fired_[key];
      }
      const int after = rule.value("retry_after", 1);
      const json principal = arm().value("principal", json::object());
      res.set_header("Retry-After", std::to_string(after));
      res.set_header("x-ms-ratelimit-remaining-subscription-reads", "0");
      res.set_header("x-ms-ratelimit-remaining-subscription-global-reads", "0");
      error(res, 429, "SubscriptionRequestsThrottled",
            "Number of 'read' requests for subscription '" + sub + "' actor '" + principal.value("object_id", "") +
                "' exceeded. Please try again after '" + std::to_string(after) +
                "' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling for "
                "additional information.",
            false);
      return true;
    }
    return false;
  }

  bool authenticated(const httplib::Request& req, httplib::Response& res) const {
    const std::string challenge = "Bearer authorization_uri=\"https://login.windows.net/\", error=\"invalid_token\", ";
    const std::string auth = req.get_header_value("Authorization");
    if (auth.empty()) {
      res.set_header("WWW-Authenticate",
                     challenge + "error_description=\"The authentication failed because of missing 'Authorization' header.\"");
      error(res, 401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.", true);
      return false;
    }
    if (!starts_with(auth, "Bearer ") || trim(auth.substr(7)) != shared_.arm_token) {
      res.set_header("WWW-Authenticate", challenge + "error_description=\"The access token is invalid.\"");
      error(res, 401, "InvalidAuthenticationToken", "The access token is invalid.", true);
      return false;
    }
    return true;
  }

  void handle(const httplib::Request& req, httplib::Response& res) {
    common_headers(res);
    if (!authenticated(req, res)) return;
    if (!req.has_param("api-version")) {
      error(res, 400, "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.", false);
      return;
    }
    const std::string version = req.get_param_value("api-version");
    std::string path = req.path;
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    const auto segs = split_path(path);
    const json all = resources();
    if (segs.size() < 2 || !iequals(segs[0], "subscriptions")) {
      error(res, 400, "InvalidRequestUri", "The request URI '" + req.path + "' is not valid.", true);
      return;
    }
    const std::string& sub = segs[1];
    if (throttled(res, path, sub)) return;
    if (!subscription_known(all, sub)) {
      error(res, 404, "SubscriptionNotFound", "The subscription '" + sub + "' could not be found.", true);
      return;
    }
    if (segs.size() == 2) {
      if (!check_version(res, "Microsoft.Resources/subscriptions", version) ||
          denied(res, path, "Microsoft.Resources/subscriptions"))
        return;
      return get_resource(req, res, all, path, segs, "Microsoft.Resources/subscriptions");
    }
    if (iequals(segs[2], "providers")) return subscription_provider(req, res, all, path, segs, version);
    if (!iequals(segs[2], "resourcegroups")) {
      error(res, 404, "InvalidResourceType",
            "The resource type could not be found in the namespace 'Microsoft.Resources' for api version '" + version +
                "'.",
            false);
      return;
    }
    if (segs.size() == 3) {
      if (!check_version(res, "Microsoft.Resources/resourceGroups", version) ||
          denied(res, path, "Microsoft.Resources/subscriptions/resourceGroups"))
        return;
      return list(req, res, all, path, children_of(all, path, "Microsoft.Resources/resourceGroups"),
                  "Microsoft.Resources/resourceGroups");
    }
    const std::string group_path = join_path(segs, 4);
    const std::string type = segs.size() == 4 ? "Microsoft.Resources/resourceGroups" : type_of_id(segs);
    const std::string action_type =
        segs.size() == 4 ? "Microsoft.Resources/subscriptions/resourceGroups" : type;
    if (denied(res, path, action_type)) return;
    if (!find_id(all, group_path)) {
      error(res, 404, "ResourceGroupNotFound", "Resource group '" + segs[3] + "' could not be found.", true);
      return;
    }
    if (segs.size() == 4) {
      if (!check_version(res, type, version)) return;
      return get_resource(req, res, all, path, segs, type);
    }
    if (segs.size() < 7 || !iequals(segs[4], "providers")) {
      error(res, 400, "InvalidRequestUri", "The request URI '" + req.path + "' is not valid.", true);
      return;
    }
    if (!check_version(res, type, version)) return;
    const bool collection = (segs.size() - 6) % 2 == 1;
    if (!collection) return get_resource(req, res, all, path, segs, type);
    // A list below a resource needs that resource; a provider-level list needs only the group.
    if (segs.size() > 7) {
      const std::string parent = join_path(segs, segs.size() - 1);
      if (!find_id(all, parent)) return not_found(res, split_path(parent), segs[3]);
    }
    auto items = children_of(all, path, type);
    if (items.empty() && segs.size() > 7) items = embedded(all, join_path(segs, segs.size() - 1), segs.back());
    list(req, res, all, path, items, type);
  }

  void not_found(httplib::Response& res, const std::vector<std::string>& segs, const std::string& group) const {
    std::string typed;
    for (std::size_t i = 5; i < segs.size(); ++i) typed += (typed.empty() ? "" : "/") + segs[i];
    error(res, 404, "ResourceNotFound",
          "The Resource '" + typed + "' under resource group '" + group + "' was not found. " + kNotFoundFix, true);
  }

  // Items stored directly below a collection path: ids one segment deeper.
  std::vector<json> children_of(const json& all, const std::string& collection, const std::string&) const {
    std::vector<json> out;
    const std::string prefix = to_lower(collection) + "/";
    for (auto& [id, body] : all.items()) {
      const auto lid = to_lower(id);
      if (starts_with(lid, prefix) && lid.find('/', prefix.size()) == std::string::npos) out.push_back(render(id, body));
    }
    return out;
  }

  // Children a provider returns inside the parent (securityRules, privateEndpointConnections...).
  std::vector<json> embedded(const json& all, const std::string& parent_path, const std::string& segment) const {
    std::vector<json> out;
    const auto parent = find_id(all, parent_path);
    if (!parent) return out;
    const json& props = all[*parent].value("properties", json::object());
    for (auto& [key, value] : props.items())
      if (iequals(key, segment) && value.is_array())
        for (const auto& item : value) out.push_back(item);
    return out;
  }

  void get_resource(const httplib::Request&, httplib::Response& res, const json& all, const std::string& path,
                    const std::vector<std::string>& segs, const std::string& type) {
    if (const auto id = find_id(all, path)) {
      json body = render(*id, all[*id]);
      if (body.contains("etag") && body["etag"].is_string()) res.set_header("ETag", body["etag"].get<std::string>());
      return send(res, body, is_private_dns(type));
    }
    if (segs.size() >= 9) {
      for (const auto& item : embedded(all, join_path(segs, segs.size() - 2), segs[segs.size() - 2]))
        if (iequals(item.value("name", ""), segs.back()) || iequals(item.value("id", ""), path))
          return send(res, item, is_private_dns(type));
    }
    if (segs.size() == 4) {
      error(res, 404, "ResourceGroupNotFound", "Resource group '" + segs[3] + "' could not be found.", true);
      return;
    }
    not_found(res, segs, segs.size() > 3 ? segs[3] : "");
  }

  // GET /subscriptions/S/providers/NS: what `az resource show` reads to choose an api-version.
  // The resource types and their versions (newest first) come from "api_versions".
  void provider_registration(httplib::Response& res, const std::string& path, const std::string& ns,
                             const std::string& version) {
    if (!check_version(res, "Microsoft.Resources/resourceGroups", version) ||
        denied(res, path, "Microsoft.Resources/providers"))
      return;
    json types = json::array();
    std::string canonical;
    const json versions = arm().value("api_versions", json::object());
    for (auto& [t, v] : versions.items()) {
      const auto slash = t.find('/');
      if (slash == std::string::npos || !iequals(t.substr(0, slash), ns)) continue;
      canonical = t.substr(0, slash);
      types.push_back({{"resourceType", t.substr(slash + 1)}, {"apiVersions", v}});
    }
    if (types.empty() || iequals(ns, "Microsoft.Resources")) {
      error(res, 404, "InvalidResourceNamespace", "The resource namespace '" + ns + "' is invalid.", false);
      return;
    }
    send(res, {{"id", path}, {"namespace", canonical}, {"registrationState", "Registered"}, {"resourceTypes", types}},
         false);
  }

  // Subscription-scope provider routes: alerts, and lists across every resource group.
  void subscription_provider(const httplib::Request& req, httplib::Response& res, const json& all,
                             const std::string& path, const std::vector<std::string>& segs,
                             const std::string& version) {
    if (segs.size() == 4) return provider_registration(res, path, segs[3], version);
    if (segs.size() < 5) {
      error(res, 400, "InvalidRequestUri", "The request URI '" + req.path + "' is not valid.", true);
      return;
    }
    std::string type = segs[3];
    for (std::size_t i = 4; i < segs.size(); i += 2) type += "/" + segs[i];
    if (!check_version(res, type, version) || denied(res, path, type)) return;
    const bool alerts = iequals(type, "Microsoft.AlertsManagement/alerts");
    if (segs.size() == 6 && alerts) {
      for (const auto& a : fired())
        if (iequals(split_path(a.value("id", "")).back(), segs[5])) return send(res, a, false);
      error(res, 404, "ResourceNotFound", "The Resource '" + type + "/" + segs[5] + "' was not found. " + kNotFoundFix,
            true);
      return;
    }
    if (segs.size() != 5) {
      error(res, 400, "InvalidRequestUri", "The request URI '" + req.path + "' is not valid.", true);
      return;
    }
    if (alerts) return list_alerts(req, res, path, segs[1]);
    std::vector<json> items;
    const std::string sub_prefix = to_lower(join_path(segs, 2)) + "/resourcegroups/";
    for (auto& [id, body] : all.items()) {
      const auto isegs = split_path(id);
      if (isegs.size() == 8 && starts_with(to_lower(id), sub_prefix) && iequals(type_of_id(isegs), type))
        items.push_back(render(id, body));
    }
    list(req, res, all, path, items, type);
  }

  json fired() const {
    if (!shared_.fired_alerts) return json::array();
    json a = shared_.fired_alerts();
    return a.is_array() ? a : json::array();
  }

  void list_alerts(const httplib::Request& req, httplib::Response& res, const std::string& path,
                   const std::string& sub) {
    using namespace std::chrono;
    auto from = system_clock::now() - hours(24);
    std::optional<system_clock::time_point> to;
    if (req.has_param("customTimeRange")) {
      const auto range = req.get_param_value("customTimeRange");
      const auto slash = range.find('/');
      const auto start = parse_utc(range.substr(0, slash));
      const auto end = slash == std::string::npos ? std::nullopt : parse_utc(range.substr(slash + 1));
      if (!start || !end) {
        error(res, 400, "BadRequest", "Invalid customTimeRange '" + range + "'.", false);
        return;
      }
      from = *start;
      to = *end;
    } else if (req.has_param("timeRange")) {
      static const std::map<std::string, hours> kRanges = {
          {"1h", hours(1)}, {"1d", hours(24)}, {"7d", hours(24 * 7)}, {"30d", hours(24 * 30)}};
      const auto it = kRanges.find(req.get_param_value("timeRange"));
      if (it == kRanges.end()) {
        error(res, 400, "BadRequest", "Invalid timeRange '" + req.get_param_value("timeRange") + "'.", false);
        return;
      }
      from = system_clock::now() - it->second;
    }
    const std::vector<std::pair<std::string, std::string>> filters = {
        {"alertRule", "alertRule"},           {"monitorCondition", "monitorCondition"},
        {"alertState", "alertState"},         {"severity", "severity"},
        {"targetResource", "targetResource"}, {"monitorService", "monitorService"},
        {"targetResourceGroup", "targetResourceGroup"}, {"targetResourceType", "targetResourceType"}};
    std::vector<json> items;
    for (const auto& a : fired()) {
      if (!starts_with(to_lower(a.value("id", "")), to_lower("/subscriptions/" + sub + "/"))) continue;
      const json e = a.value("properties", json::object()).value("essentials", json::object());
      bool keep = true;
      for (const auto& [param, field] : filters)
        if (req.has_param(param) && !iequals(trim_slash(req.get_param_value(param)), trim_slash(e.value(field, ""))))
          keep = false;
      const auto started = parse_utc(e.value("startDateTime", ""));
      if (!started || *started < from || (to && *started > *to)) keep = false;
      if (keep) items.push_back(a);
    }
    std::size_t page = 25;
    if (req.has_param("pageCount"))
      page = static_cast<std::size_t>(std::max<std::int64_t>(1, parse_integer(req.get_param_value("pageCount")).value_or(1)));
    std::string query = "api-version=" + percent_encode(req.get_param_value("api-version"));
    for (const auto& [k, v] : req.params)
      if (k != "api-version" && k != "ctoken") query += "&" + k + "=" + percent_encode(v);
    respond_paged(req, res, path, items, "Microsoft.AlertsManagement/alerts", query, "ctoken", page);
  }

  static std::string trim_slash(std::string s) {
    while (!s.empty() && s.back() == '/') s.pop_back();
    return s;
  }

  void list(const httplib::Request& req, httplib::Response& res, const json&, const std::string& path,
            const std::vector<json>& items, const std::string& type) {
    std::string query = "api-version=" + percent_encode(req.get_param_value("api-version"));
    std::size_t page = 0;
    if (req.has_param("$top")) {
      const auto top = parse_integer(req.get_param_value("$top")).value_or(0);
      if (top > 0) page = static_cast<std::size_t>(top);
      query += "&$top=" + req.get_param_value("$top");
    }
    respond_paged(req, res, path, items, type, query, "$skiptoken", page);
  }

  // Pages per the scenario's "paging" entry for the listed type (and $top/pageCount when given).
  void respond_paged(const httplib::Request& req, httplib::Response& res, const std::string& path,
                     const std::vector<json>& items, const std::string& type, const std::string& query,
                     const std::string& token_name, std::size_t requested_page) {
    json paging;
    for (auto& [t, p] : member(arm(), "paging").items())
      if (iequals(t, type)) paging = p;
    std::size_t page = paging.is_object() ? paging.value("page_size", std::size_t{0}) : 0;
    if (requested_page > 0 && (page == 0 || requested_page < page)) page = requested_page;
    std::vector<std::vector<json>> pages;
    if (page == 0) {
      pages.push_back(items);
    } else {
      for (std::size_t i = 0; i < items.size(); i += page)
        pages.emplace_back(items.begin() + static_cast<std::ptrdiff_t>(i),
                           items.begin() + static_cast<std::ptrdiff_t>(std::min(items.size(), i + page)));
      if (pages.empty()) pages.emplace_back();
      if (paging.is_object() && paging.value("empty_page", false))
        pages.emplace(pages.begin() + 1);
    }
    std::size_t index = 0;
    if (req.has_param(token_name)) {
      const std::string token = req.get_param_value(token_name);
      if (!starts_with(token, "page") || token.size() < 5) {
        error(res, 400, "InvalidSkipToken", "The continuation token '" + token + "' is not valid.", false);
        return;
      }
      index = static_cast<std::size_t>(std::max<std::int64_t>(0, parse_integer(token.substr(4)).value_or(0)));
      if (index >= pages.size()) index = pages.size() - 1;
    }
    json body = {{"value", json::array()}};
    for (const auto& item : pages[index]) body["value"].push_back(item);
    if (index + 1 < pages.size())
      body["nextLink"] = base_url() + path + "?" + query + "&" + token_name + "=page" + std::to_string(index + 1);
    send(res, body, is_private_dns(type));
  }

  std::mutex mu_;
  std::map<std::string, int> throttle_fired_;
  std::chrono::steady_clock::time_point bucket_at_ = std::chrono::steady_clock::now();
  double reads_ = 250.0;
  double global_reads_ = 3750.0;
};

}  // namespace

std::unique_ptr<Service> make_arm_service(Shared& shared) { return std::make_unique<Arm>(shared); }

}  // namespace infra_dod::sandbox
