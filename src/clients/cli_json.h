#pragma once
// What a CLI printed, judged before anyone trusts it: kubectl and az may print partial output
// with a failing exit code, or nothing at all with exit 0.
#include <nlohmann/json.hpp>

#include "runtime/process.h"
#include "runtime/result.h"

namespace infra_dod {

// The JSON document on stdout of a successful run; otherwise an error naming the cause
// (timeout, could not start, exit code with the last stderr line, empty or non-JSON output).
Result<nlohmann::json> json_from_cli(const ProcessResult& r, ErrorKind failure_kind = ErrorKind::process);
// The last non-empty stderr line, masked: kubectl prints klog noise before the line that matters.
std::string last_error_line(const ProcessResult& r);

}  // namespace infra_dod
