#include "runtime/env_file.h"

#include <cctype>
#include <fstream>
#include <sstream>

#include "runtime/text.h"

namespace infra_dod {
namespace {

bool valid_name(std::string_view n) {
  if (n.empty() || std::isdigit(static_cast<unsigned char>(n[0]))) return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

Error line_error(std::string_view origin, int line, const std::string& what) {
  return {ErrorKind::config, std::string(origin) + ":" + std::to_string(line) + ": " + what};
}

}  // namespace

Result<std::vector<EnvFileEntry>> parse_env_file(std::string_view text, std::string_view origin) {
  std::vector<EnvFileEntry> out;
  std::istringstream in{std::string(text)};
  std::string raw;
  int line_no = 0;
  while (std::getline(in, raw)) {
    ++line_no;
    if (!raw.empty() && raw.back() == '\r') raw.pop_back();
    std::string line = trim(raw);
    if (line.empty() || line[0] == '#') continue;
    if (starts_with(line, "export ")) line = trim(line.substr(7));
    const auto eq = line.find('=');
    if (eq == std::string::npos)
      // The line is not echoed: it may hold a credential that nothing has registered yet.
      return line_error(origin, line_no, "expected NAME=VALUE (the line has no '=')");
    const std::string name = line.substr(0, eq);
    if (!valid_name(name))
      return line_error(origin, line_no, "the text before '=' is not a valid variable name");
    std::string rest = line.substr(eq + 1);
    std::string value;
    if (!rest.empty() && rest[0] == '\'') {
      const auto close = rest.find('\'', 1);
      if (close == std::string::npos) return line_error(origin, line_no, name + ": unterminated single quote");
      value = rest.substr(1, close - 1);
      rest = trim(rest.substr(close + 1));
    } else if (!rest.empty() && rest[0] == '"') {
      std::size_t i = 1;
      bool closed = false;
      for (; i < rest.size(); ++i) {
        const char c = rest[i];
        if (c == '\\' && i + 1 < rest.size()) {
          const char n = rest[i + 1];
          if (n == '"' || n == '\\' || n == '$' || n == '`') {
            value += n;
            ++i;
            continue;
          }
          value += c;
          continue;
        }
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '$' || c == '`')
          return line_error(origin, line_no,
                            name + ": shell expansion ('" + std::string(1, c) +
                                "') is not evaluated here; write the value itself");
        value += c;
      }
      if (!closed) return line_error(origin, line_no, name + ": unterminated double quote");
      rest = trim(rest.substr(i + 1));
    } else {
      const auto hash = rest.find(" #");
      value = trim(hash == std::string::npos ? rest : rest.substr(0, hash));
      rest.clear();
      if (value.find_first_of("$`") != std::string::npos)
        return line_error(origin, line_no,
                          name + ": shell expansion is not evaluated here; write the value itself");
      if (value.find_first_of(" \t'\"") != std::string::npos)
        return line_error(origin, line_no, name + ": a value with spaces or quotes must be quoted");
    }
    if (!rest.empty() && rest[0] != '#')
      return line_error(origin, line_no, name + ": unexpected text after the closing quote");
    out.push_back({name, value, line_no});
  }
  return out;
}

Result<std::vector<EnvFileEntry>> read_env_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error{ErrorKind::config, "cannot read env file " + file.string() + " (INFRA_DOD_ENV_FILE)"};
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  if (text.find('\0') != std::string::npos)
    return Error{ErrorKind::config, file.string() + ": not a text file (INFRA_DOD_ENV_FILE)"};
  return parse_env_file(text, file.string());
}

}  // namespace infra_dod
