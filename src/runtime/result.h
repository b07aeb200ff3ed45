#pragma once
// A value or the error that stopped it. Client calls return these and never fail a test:
// the suites decide what an error means for a DoD row.
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace infra_dod {

enum class ErrorKind {
  config,       // a missing or malformed variable, env file or registry
  auth,         // 401/403, no login, expired token
  not_found,    // the thing asked for does not exist (404, NotFound)
  timeout,      // a deadline passed
  unreachable,  // connection refused, DNS failure, TLS failure
  protocol,     // the peer answered something we cannot read (HTML page, garbage JSON)
  throttled,    // 429/503 after the retries were spent
  server,       // 5xx
  process,      // a child process could not start or exited abnormally
  internal,     // a harness bug
};

std::string to_string(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string message;
  std::string what() const { return to_string(kind) + ": " + message; }
};

template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const T& value() const {
    if (!ok()) throw std::logic_error("Result::value() on an error: " + error().what());
    return std::get<0>(v_);
  }
  T& value() {
    if (!ok()) throw std::logic_error("Result::value() on an error: " + error().what());
    return std::get<0>(v_);
  }
  const Error& error() const { return std::get<1>(v_); }
  const T& operator*() const { return value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace infra_dod
