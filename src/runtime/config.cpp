#include "runtime/config.h"

#include <unistd.h>

#include <cstdlib>
#include <regex>
#include <sstream>

#include "runtime/env_file.h"
#include "runtime/secrets.h"
#include "runtime/text.h"

extern "C" char** environ;

namespace infra_dod {

extern const char* const kEnvExampleText;  // generated from fixtures/env/*.env.example

namespace {

std::vector<VarSpec> parse_catalogue(std::string_view text) {
  std::vector<VarSpec> out;
  std::istringstream in{std::string(text)};
  std::string line, doc, section;
  while (std::getline(in, line)) {
    if (starts_with(line, "## ")) {
      section = trim(line.substr(3));
      doc.clear();
    } else if (starts_with(line, "# ")) {
      doc = trim(line.substr(2));
    } else if (!line.empty() && line[0] != '#' && line.find('=') != std::string::npos) {
      VarSpec v;
      v.name = line.substr(0, line.find('='));
      v.default_value = line.substr(line.find('=') + 1);
      v.section = section;
      static const std::regex kTag(R"(\[(secret|list|int|flag|url)\])");
      for (std::sregex_iterator it(doc.begin(), doc.end(), kTag), end; it != end; ++it) {
        const std::string tag = (*it)[1];
        if (tag == "secret") v.secret = true;
        if (tag == "list") v.kind = VarKind::list;
        if (tag == "int") v.kind = VarKind::integer;
        if (tag == "flag") v.kind = VarKind::flag;
        if (tag == "url") v.kind = VarKind::url;
      }
      v.doc = trim(std::regex_replace(doc, kTag, ""));
      out.push_back(std::move(v));
      doc.clear();
    }
  }
  return out;
}

std::optional<std::string> validate(const VarSpec& spec, const std::string& value) {
  if (value.empty()) return std::nullopt;
  switch (spec.kind) {
    case VarKind::integer: {
      static const std::regex kInt("^[0-9]{1,9}$");
      if (!std::regex_match(value, kInt)) return "must be a whole number, found '" + value + "'";
      // Zero would mean "no limit" to curl and kubectl, or no attempt at all.
      if (std::stol(value) < 1) return "must be at least 1, found '" + value + "'";
      break;
    }
    case VarKind::flag:
      if (value != "1" && value != "0") return "must be 1 (on) or 0/unset (off), found '" + value + "'";
      break;
    case VarKind::url:
      if (!starts_with(value, "https://") && !starts_with(value, "http://"))
        return "must be an http(s) URL, found '" + (spec.secret ? std::string(kMask) : value) + "'";
      break;
    default:
      break;
  }
  return std::nullopt;
}

}  // namespace

std::string_view env_example_text() { return kEnvExampleText; }

const std::vector<VarSpec>& variable_catalogue() {
  static const std::vector<VarSpec> catalogue = parse_catalogue(kEnvExampleText);
  return catalogue;
}

const VarSpec* find_variable(std::string_view name) {
  for (const auto& v : variable_catalogue())
    if (v.name == name) return &v;
  return nullptr;
}

std::string to_string(Source s) {
  switch (s) {
    case Source::environment: return "environment";
    case Source::env_file: return "env file";
    case Source::default_value: return "default";
    case Source::unset: return "unset";
  }
  return "unset";
}

Environ process_environ() {
  Environ env;
  for (char** e = ::environ; e && *e; ++e) {
    std::string_view kv(*e);
    const auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

Result<Config> Config::load(const Environ& env) {
  Config cfg;
  cfg.environ_ = env;
  std::map<std::string, EnvFileEntry> from_file;
  if (auto it = env.find("INFRA_DOD_ENV_FILE"); it != env.end() && !it->second.empty()) {
    cfg.env_file_ = it->second;
    auto entries = read_env_file(it->second);
    if (!entries) return entries.error();
    for (auto& e : entries.value()) {
      if (!find_variable(e.name))
        cfg.warnings_.push_back(it->second + ":" + std::to_string(e.line) + ": " + e.name +
                                " is not a variable infra-dod reads; ignored");
      from_file[e.name] = e;
    }
  }
  for (const auto& spec : variable_catalogue()) {
    ConfigValue v;
    if (auto it = env.find(spec.name); it != env.end() && !it->second.empty()) {
      v = {it->second, Source::environment, "environment"};
    } else if (auto f = from_file.find(spec.name); f != from_file.end() && !f->second.value.empty()) {
      v = {f->second.value, Source::env_file, cfg.env_file_ + ":" + std::to_string(f->second.line)};
    } else if (!spec.default_value.empty()) {
      v = {spec.default_value, Source::default_value, "default"};
    }
    if (auto problem = validate(spec, v.value))
      return Error{ErrorKind::config, spec.name + " (" + v.origin + ") " + *problem};
    cfg.values_.emplace(spec.name, std::move(v));
  }
  return cfg;
}

Result<Config> Config::load_from_process() { return load(process_environ()); }

void Config::register_secrets(SecretRegistry& registry) const {
  for (const auto& spec : variable_catalogue())
    if (auto v = get(spec.name); spec.secret && v) registry.add(*v, spec.name);
}

Config Config::from_values(const std::map<std::string, std::string>& values) {
  Environ env(values.begin(), values.end());
  auto r = load(env);
  if (!r) throw std::invalid_argument(r.error().what());
  return r.value();
}

const ConfigValue* Config::lookup(std::string_view name) const {
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

std::optional<std::string> Config::get(std::string_view name) const {
  const auto* v = lookup(name);
  if (!v || v->value.empty()) return std::nullopt;
  return v->value;
}

std::string Config::value(std::string_view name) const {
  // A name outside the catalogue would silently read as unset; that is a bug in the caller.
  if (!find_variable(name)) throw std::invalid_argument(std::string(name) + " is not in the variable catalogue");
  return get(name).value_or("");
}

Result<std::string> Config::require(std::string_view name) const {
  if (!find_variable(name))
    return Error{ErrorKind::internal, std::string(name) + " is not in the variable catalogue"};
  if (auto v = get(name)) return *v;
  std::string where = "not set in the environment";
  where += env_file_.empty() ? ", no env file (INFRA_DOD_ENV_FILE)" : ", nor in " + env_file_;
  return Error{ErrorKind::config, std::string(name) + " is required: " + where + ", and it has no default"};
}

std::vector<std::string> Config::list(std::string_view name) const {
  auto v = get(name);
  return v ? split_list(*v) : std::vector<std::string>{};
}

long Config::integer(std::string_view name) const {
  auto v = get(name);
  return v ? std::stol(*v) : 0;
}

bool Config::flag(std::string_view name) const { return value(name) == "1"; }

}  // namespace infra_dod
