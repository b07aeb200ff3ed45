#include <cstdio>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "runtime/config.h"
#include "runtime/secrets.h"

namespace infra_dod::cli {

namespace {
constexpr const char* kHelp = R"(usage: infra-dod config [--json] [--example]

Prints every variable the harness reads, its effective value and where it came from:
environment, env file (INFRA_DOD_ENV_FILE, with the line), or the runbook's default.
Secret values are masked. Exits 2 when the configuration is invalid, naming the variable.

  --json      machine-readable output
  --example   print the example env file (fixtures/env/ai_agent_infra_dev.env.example)
)";
}  // namespace

nlohmann::json effective_config_json(const Config& cfg) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& v : variable_catalogue()) {
    const auto* c = cfg.lookup(v.name);
    const std::string value =
        c->value.empty() ? std::string() : v.secret ? std::string(kMask) : SecretRegistry::process().mask(c->value);
    j[v.name] = {{"value", value}, {"source", to_string(c->source)}, {"origin", c->origin}, {"secret", v.secret}};
  }
  return j;
}

int cmd_config(const Args& in) {
  Args args = in;
  if (take_flag(args, "--help")) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  const bool as_json = take_flag(args, "--json");
  const bool example = take_flag(args, "--example");
  if (reject_leftovers("config", args)) return 2;
  if (example) {
    std::fwrite(env_example_text().data(), 1, env_example_text().size(), stdout);
    return 0;
  }
  auto cfg = load_config("config");
  if (!cfg) return 2;
  auto shown = [&](const VarSpec& v, const ConfigValue& c) {
    if (c.value.empty()) return std::string();
    return v.secret ? std::string(kMask) : SecretRegistry::process().mask(c.value);
  };
  if (as_json) {
    const nlohmann::json j = effective_config_json(cfg.value());
    // A value that is not UTF-8 (a Latin-1 env file) is shown with U+FFFD, never a thrown dump.
    std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  if (!cfg->env_file().empty()) std::printf("env file: %s\n", cfg->env_file().c_str());
  std::string section;
  for (const auto& v : variable_catalogue()) {
    if (v.section != section) {
      section = v.section;
      std::printf("\n## %s\n", section.c_str());
    }
    const auto* c = cfg->lookup(v.name);
    const std::string value = shown(v, *c);
    std::printf("%-34s %-50s %s\n", v.name.c_str(), value.empty() ? "(unset)" : value.c_str(),
                c->source == Source::unset ? "" : c->origin.c_str());
  }
  for (const auto& w : cfg->warnings()) std::fprintf(stderr, "warning: %s\n", w.c_str());
  return 0;
}

}  // namespace infra_dod::cli
