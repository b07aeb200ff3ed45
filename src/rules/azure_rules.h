#pragma once
// DEV-044 and DEV-045 rules over the ARM part of an inventory snapshot (entries arm.*).
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>
#include <string_view>

#include "rules/judgement.h"

namespace infra_dod {

// ARM ids as ARM compares them: case-insensitively, ignoring a trailing '/'. Empty ids never match.
bool same_arm_id(std::string_view a, std::string_view b);

Judgement judge_postgres(const nlohmann::json& snapshot);  // DEV044-PG-PROVISIONED
Judgement judge_key_vault_secrets(const nlohmann::json& snapshot,
                                  std::chrono::system_clock::time_point now);  // DEV044-KV-SECRETS
Judgement judge_private_dns(const nlohmann::json& snapshot);                   // DEV045-PRIVATE-DNS

// A private endpoint's IPs from wherever ARM reports them (customDnsConfigs, ipConfigurations,
// network interfaces, or its DNS zone groups' record sets in the snapshot).
std::vector<std::string> endpoint_private_ips(const nlohmann::json& endpoint, const nlohmann::json& snapshot);

}  // namespace infra_dod
