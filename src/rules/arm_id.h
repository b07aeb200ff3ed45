#pragma once
// ARM resource ids and the api-version `az resource show --ids` would choose for one.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace infra_dod {

// /subscriptions/S/resourceGroups/RG/providers/NS/TYPE/NAME[/CHILDTYPE/CHILDNAME...]
struct ArmId {
  std::string subscription;
  std::string resource_group;
  std::string provider;  // "Microsoft.KeyVault"
  std::string type;      // "vaults", "privateDnsZones/virtualNetworkLinks"
  std::string name;      // the last name segment
};
// Nothing when the text is not a resource id (az: "invalid ResourceId value").
std::optional<ArmId> parse_arm_id(std::string_view id);

// From a provider registration (GET /subscriptions/S/providers/NS): the first non-preview
// apiVersion listed for `type` (compared case-insensitively), else the first preview one, as az
// chooses. Nothing when the provider does not list the type.
std::optional<std::string> provider_api_version(const nlohmann::json& provider, const std::string& type);

}  // namespace infra_dod
