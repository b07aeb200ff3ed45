#pragma once
// One typed configuration: environment over the env file (INFRA_DOD_ENV_FILE) over the
// runbook's defaults. The catalogue of settings is fixtures/env/ai_agent_infra_dev.env.example,
// compiled in, so the example an operator copies and the code cannot drift apart. (The harness's
// own plumbing variables, listed in README.md, are not settings and are read from the environment.)
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/result.h"

namespace infra_dod {

class SecretRegistry;

enum class VarKind { text, list, integer, flag, url };

struct VarSpec {
  std::string name;
  std::string default_value;
  std::string doc;
  std::string section;
  VarKind kind = VarKind::text;
  bool secret = false;
};

// Every variable the harness reads, in the example file's order.
const std::vector<VarSpec>& variable_catalogue();
const VarSpec* find_variable(std::string_view name);
// The example file's text as compiled in.
std::string_view env_example_text();

enum class Source { environment, env_file, default_value, unset };
std::string to_string(Source s);

struct ConfigValue {
  std::string value;
  Source source = Source::unset;
  std::string origin;  // "environment", "<file>:<line>", "default"
};

using Environ = std::map<std::string, std::string>;
Environ process_environ();

class Config {
 public:
  // Reads INFRA_DOD_ENV_FILE (when set) and validates every value by its kind. No side effects:
  // a caller that will write anything calls register_secrets next.
  static Result<Config> load(const Environ& env);
  static Result<Config> load_from_process();
  // Registers every [secret] value, so every sink masks it from here on.
  void register_secrets(SecretRegistry& registry) const;

  // A non-empty value, or nothing.
  std::optional<std::string> get(std::string_view name) const;
  // The effective value (the catalogue's default when nothing set it), "" when it has none. The
  // catalogue is the only source of defaults: callers never supply a fallback of their own.
  std::string value(std::string_view name) const;
  // A non-empty value, or an error that names the variable and where it was looked for.
  Result<std::string> require(std::string_view name) const;
  std::vector<std::string> list(std::string_view name) const;
  long integer(std::string_view name) const;
  bool flag(std::string_view name) const;
  const ConfigValue* lookup(std::string_view name) const;
  const std::string& env_file() const { return env_file_; }
  const std::vector<std::string>& warnings() const { return warnings_; }
  // The environment as the harness saw it (child processes inherit from this, plus overrides).
  const Environ& environ() const { return environ_; }

  // For tests: a config from explicit values with the catalogue's defaults underneath.
  static Config from_values(const std::map<std::string, std::string>& values);

 private:
  std::map<std::string, ConfigValue, std::less<>> values_;
  std::string env_file_;
  std::vector<std::string> warnings_;
  Environ environ_;
};

}  // namespace infra_dod
