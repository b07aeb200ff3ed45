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

}  // namespace infra_dod::cli
