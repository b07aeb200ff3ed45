#include "runtime/result.h"

namespace infra_dod {

std::string to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::config: return "config";
    case ErrorKind::auth: return "auth";
    case ErrorKind::not_found: return "not-found";
    case ErrorKind::timeout: return "timeout";
    case ErrorKind::unreachable: return "unreachable";
    case ErrorKind::protocol: return "protocol";
    case ErrorKind::throttled: return "throttled";
    case ErrorKind::server: return "server";
    case ErrorKind::process: return "process";
    case ErrorKind::internal: return "internal";
  }
  return "internal";
}

}  // namespace infra_dod
