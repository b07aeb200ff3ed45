#include <sstream>
#include <fstream>
#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "commands.h"
#include "runtime/secrets.h"

namespace infra_dod::cli {

std::string take_option(Args& args, const std::string& name) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == name) {
      if (i + 1 >= args.size()) throw std::invalid_argument(name + " needs a value");
      std::string v = args[i + 1];
      args.erase(args.begin() + static_cast<long>(i), args.begin() + static_cast<long>(i) + 2);
      return v;
    }
    if (args[i].rfind(name + "=", 0) == 0) {
      std::string v = args[i].substr(name.size() + 1);
      args.erase(args.begin() + static_cast<long>(i));
      return v;
    }
  }
  return {};
}

std::vector<std::string> take_all(Args& args, const std::string& name) {
  std::vector<std::string> out;
  for (std::string v = take_option(args, name); !v.empty(); v = take_option(args, name)) out.push_back(v);
  return out;
}

bool take_flag(Args& args, const std::string& name) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == name) {
      args.erase(args.begin() + static_cast<long>(i));
      return true;
    }
  }
  return false;
}

bool reject_leftovers(const std::string& cmd, const Args& args) {
  if (args.empty()) return false;
  std::fprintf(stderr, "infra-dod %s: unknown argument '%s' (see infra-dod %s --help)\n", cmd.c_str(),
               args.front().c_str(), cmd.c_str());
  return true;
}

std::optional<Config> load_config(const std::string& cmd, const Environ& env) {
  auto cfg = Config::load(env);
  if (!cfg) {
    std::fprintf(stderr, "infra-dod %s: %s\n", cmd.c_str(), cfg.error().message.c_str());
    return std::nullopt;
  }
  cfg->register_secrets(SecretRegistry::process());
  return cfg.value();
}

std::optional<std::vector<std::string>> parse_modes(const std::string& select) {
  static const char* const kModes[] = {"automatic", "smoke", "manual", "rollback"};
  std::vector<std::string> modes;
  for (std::size_t at = 0; at <= select.size();) {
    const auto comma = std::min(select.find(',', at), select.size());
    const std::string word = select.substr(at, comma - at);
    if (std::find(std::begin(kModes), std::end(kModes), word) == std::end(kModes)) return std::nullopt;
    modes.push_back(word);
    at = comma + 1;
  }
  return modes;
}

std::string file_bytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace infra_dod::cli
