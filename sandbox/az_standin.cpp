// The `az` stand-in of the sandbox. It answers only what the harness asks az for:
//   az account show [--subscription S] [-o json]
//   az account get-access-token [--resource R | --scope S | --resource-type T] [--subscription S] [--tenant T] [-o json]
//   az cloud show [--name N] [-o json]
// from the sandbox's ready file (path in INFRA_DOD_SANDBOX_READY): its "arm_token", "endpoints"
// and the scenario's "az" section:
//   account          the profile entry `az account show` prints
//   cloud            the document `az cloud show` prints; endpoints.resourceManager is replaced by
//                    the ARM emulator's URL
//   token_lifetime_seconds   how far ahead the token's expiry lies (default 3599)
//   not_logged_in    true: every command that needs a login fails as az does when nobody logged in
//   hang             ["account get-access-token", ...]: commands that never answer
//   garbage          {"account get-access-token": "text", ...}: commands that print the text
//                    (a proxy's page, a half-written file) and still exit 0
// Everything else fails as az's parser does: "'<x>' is misspelled or not recognized by the
// system.", exit 2.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace {

using nlohmann::json;

int fail(int code, const std::string& message) {
  std::fprintf(stderr, "ERROR: %s\n", message.c_str());
  return code;
}

// az prints JSON with two-space indent and sorted keys; nlohmann objects are sorted already.
void print(const json& doc, const std::string& output) {
  if (output == "none") return;
  std::printf("%s\n", doc.dump(2).c_str());
}

std::string local_time(std::time_t t) {
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return std::string(buf) + ".000000";
}

struct Invocation {
  std::vector<std::string> command;           // the words before the first option
  std::vector<std::pair<std::string, std::string>> options;  // name -> value ("" for flags)
  std::vector<std::string> unrecognized;
  std::string output = "json";
};

}  // namespace

static int answer(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);

  // The command tree the stand-in knows; the first word outside it is what az names.
  const std::vector<std::vector<std::string>> known = {
      {"account", "show"}, {"account", "get-access-token"}, {"cloud", "show"}};
  Invocation inv;
  std::size_t i = 0;
  for (; i < args.size() && !args[i].empty() && args[i][0] != '-'; ++i) inv.command.push_back(args[i]);
  if (inv.command.empty()) {
    std::puts("Group\n    az\n\nSubgroups:\n    account : Manage Azure subscription information.\n"
              "    cloud   : Manage registered Azure clouds.");
    return 0;
  }
  bool group_known = false;
  for (const auto& k : known) group_known = group_known || k[0] == inv.command[0];
  if (!group_known) return fail(2, "'" + inv.command[0] + "' is misspelled or not recognized by the system.");
  if (inv.command.size() == 1) {
    std::printf("Group\n    az %s\n\nCommands:\n", inv.command[0].c_str());
    for (const auto& k : known)
      if (k[0] == inv.command[0]) std::printf("    %s\n", k[1].c_str());
    return 0;
  }
  bool command_known = false;
  for (const auto& k : known) command_known = command_known || (k[0] == inv.command[0] && k[1] == inv.command[1]);
  if (!command_known) return fail(2, "'" + inv.command[1] + "' is misspelled or not recognized by the system.");
  if (inv.command.size() > 2) {
    std::string extra;
    for (std::size_t k = 2; k < inv.command.size(); ++k) extra += (extra.empty() ? "" : " ") + inv.command[k];
    return fail(2, "unrecognized arguments: " + extra);
  }
  const std::string cmd = inv.command[0] + " " + inv.command[1];

  // Options each command takes (value-taking unless listed as a flag).
  const std::vector<std::string> flags = {"--only-show-errors", "--debug", "--verbose"};
  std::vector<std::string> takes_value = {"--output", "-o"};
  if (cmd == "account show") takes_value.insert(takes_value.end(), {"--subscription", "-s", "--name", "-n"});
  if (cmd == "account get-access-token")
    takes_value.insert(takes_value.end(),
                       {"--resource", "--scope", "--resource-type", "--subscription", "-s", "--tenant", "-t"});
  if (cmd == "cloud show") takes_value.insert(takes_value.end(), {"--name", "-n"});
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string name = a, value;
    const auto eq = a.find('=');
    const bool inline_value = a.rfind("--", 0) == 0 && eq != std::string::npos;
    if (inline_value) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
    }
    if (std::find(flags.begin(), flags.end(), name) != flags.end()) continue;
    if (std::find(takes_value.begin(), takes_value.end(), name) == takes_value.end()) {
      inv.unrecognized.push_back(a);
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= args.size()) return fail(2, "argument " + name + ": expected one argument");
      value = args[++i];
    }
    if (name == "-o" || name == "--output") {
      inv.output = value;
    } else {
      inv.options.emplace_back(name, value);
    }
  }
  if (!inv.unrecognized.empty()) {
    std::string extra;
    for (const auto& u : inv.unrecognized) extra += (extra.empty() ? "" : " ") + u;
    return fail(2, "unrecognized arguments: " + extra);
  }
  const std::vector<std::string> formats = {"json", "jsonc", "yaml", "yamlc", "table", "tsv", "none"};
  if (std::find(formats.begin(), formats.end(), inv.output) == formats.end())
    return fail(2, "az " + cmd + ": '" + inv.output +
                       "' is not a valid value for '--output'. Allowed values: json, jsonc, yaml, yamlc, table, tsv, none.");
  if (inv.output != "json" && inv.output != "jsonc" && inv.output != "none")
    return fail(2, "the sandbox's az prints only --output json, jsonc or none, not '" + inv.output + "'");
  auto option = [&](std::initializer_list<const char*> names) -> std::string {
    for (const auto& [k, v] : inv.options)
      for (const char* n : names)
        if (k == n) return v;
    return {};
  };

  const char* ready_path = std::getenv("INFRA_DOD_SANDBOX_READY");
  if (!ready_path || !*ready_path)
    return fail(1, "INFRA_DOD_SANDBOX_READY is not set: this az answers only inside the sandbox "
                   "(infra-dod sandbox up writes the ready file it names)");
  std::ifstream in(ready_path);
  const json ready = in ? json::parse(in, nullptr, false) : json(json::value_t::discarded);
  if (ready.is_discarded() || !ready.is_object())
    return fail(1, std::string("cannot read the sandbox ready file '") + ready_path +
                       "' named by INFRA_DOD_SANDBOX_READY (is the sandbox running?)");
  const json az = ready.value("az", json::object());

  for (const auto& h : az.value("hang", json::array()))
    if (h.is_string() && cmd.rfind(h.get<std::string>(), 0) == 0)
      for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
  const json garbage = az.value("garbage", json::object());
  for (const auto& [prefix, text] : garbage.items())
    if (text.is_string() && cmd.rfind(prefix, 0) == 0) {
      std::fputs(text.get<std::string>().c_str(), stdout);
      return 0;
    }

  if (cmd == "cloud show") {
    json cloud = az.value("cloud", json::object());
    const std::string wanted = option({"--name", "-n"});
    if (!wanted.empty() && wanted != cloud.value("name", "")) return fail(1, "The cloud '" + wanted + "' is not registered.");
    std::string arm = ready.value("endpoints", json::object()).value("arm_url", "");
    if (!arm.empty() && arm.back() != '/') arm += '/';
    cloud["endpoints"]["resourceManager"] = arm;
    print(cloud, inv.output);
    return 0;
  }

  if (az.value("not_logged_in", false)) return fail(1, "Please run 'az login' to setup account.");
  const json account = az.value("account", json::object());
  const std::string subscription = option({"--subscription", "-s", "--name", "-n"});
  if (!subscription.empty() && subscription != account.value("id", "") && subscription != account.value("name", ""))
    return fail(1, "Subscription '" + subscription + "' not found. Check the spelling and casing and try again.");

  if (cmd == "account show") {
    print(account, inv.output);
    return 0;
  }
  // account get-access-token
  const auto now = std::time(nullptr);
  const auto expires = now + az.value("token_lifetime_seconds", 3599);
  const std::string tenant = option({"--tenant", "-t"});
  json token = {{"accessToken", ready.value("arm_token", "")},
                {"expiresOn", local_time(expires)},
                {"expires_on", static_cast<long long>(expires)},
                {"tenant", tenant.empty() ? account.value("tenantId", "") : tenant},
                {"tokenType", "Bearer"}};
  if (tenant.empty()) token["subscription"] = account.value("id", "");
  print(token, inv.output);
  return 0;
}

// Anything unexpected ends the process with a message naming it, never std::terminate's abort
// (which would leave a core and no words).
int main(int argc, char** argv) {
  try {
    return answer(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "az (sandbox stand-in): unexpected error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "az (sandbox stand-in): unexpected error\n");
  }
  return 70;
}
