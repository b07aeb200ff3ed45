#include "clients/cli_json.h"


#include "runtime/text.h"

namespace infra_dod {

std::string last_error_line(const ProcessResult& r) { return last_line(r.redacted_err()); }

Result<nlohmann::json> json_from_cli(const ProcessResult& r, ErrorKind failure_kind) {
  if (!r.started) return Error{ErrorKind::process, r.describe()};
  if (r.timed_out) return Error{ErrorKind::timeout, r.describe()};
  if (r.signal) return Error{ErrorKind::process, r.describe()};
  if (r.exit_code != 0) {
    const std::string why = last_error_line(r);
    return Error{failure_kind, r.command_line() + ": exit " + std::to_string(r.exit_code) +
                                   (why.empty() ? std::string() : ": " + why)};
  }
  if (trim(r.out).empty())
    return Error{ErrorKind::protocol, r.command_line() + ": exit 0 with empty output (treated as no data, not success)"};
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (j.is_discarded()) {
    const std::string head = truncate_utf8(trim(r.redacted_out()), 80);
    return Error{ErrorKind::protocol, r.command_line() + ": output is not JSON: '" + head + "'"};
  }
  return j;
}

}  // namespace infra_dod
