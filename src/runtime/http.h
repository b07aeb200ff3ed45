#pragma once
// HTTP over libcurl: connect and total timeouts, TLS verification on, plain http only to
// loopback, bounded retries for 429/503/transport errors honouring Retry-After (through an
// injectable Clock), and a log that never carries a registered secret.
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/clock.h"
#include "runtime/result.h"

namespace infra_dod {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds total_timeout{std::chrono::seconds(60)};
  int max_attempts = 4;
  // A larger body fails the request (not retried) instead of filling memory.
  std::size_t max_body_bytes = std::size_t{32} << 20;
  // Transport errors are retried only when the request is safe to repeat.
  bool idempotent = true;
  // An overall deadline (on the client's clock) for every attempt and retry wait together: an
  // attempt's total timeout shrinks to what is left, and no retry waits past it.
  std::optional<Clock::Steady::time_point> give_up_at;
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased; last one wins
  std::string body;
  int attempts = 0;
  std::chrono::milliseconds elapsed{0};
  std::optional<std::string> header(const std::string& name) const;
};

// What the log callback receives: already redacted.
using HttpLog = std::function<void(const std::string& line)>;

class HttpClient {
 public:
  explicit HttpClient(Clock& clock = SystemClock::instance(), HttpLog log = {});
  // A response (any status) or the transport error that prevented one: unreachable, timeout,
  // TLS, or a refused plain-http URL. The error message says how many attempts were made.
  Result<HttpResponse> send(const HttpRequest& request) const;
  Result<HttpResponse> get(const std::string& url, std::vector<std::pair<std::string, std::string>> headers = {}) const;

  // Seconds to wait for a Retry-After value (delta-seconds or HTTP-date), capped.
  static std::optional<std::chrono::milliseconds> parse_retry_after(const std::string& value,
                                                                    std::chrono::system_clock::time_point now);
  static bool is_loopback_host(const std::string& host);

 private:
  Clock& clock_;
  HttpLog log_;
};

// ARM/Key Vault/Databricks style: a JSON body or a protocol error naming what came back instead
// (an HTML error page, an empty body, truncated JSON).
Result<std::string> describe_http_failure(const HttpResponse& r);

// "scheme://host:port" of an absolute URL as libcurl itself parses it (host lower-cased, the
// scheme's default port filled in), so "https://a.example@b.example/" is b.example's origin.
// Nothing when the text is not an absolute URL with a host.
std::optional<std::string> url_origin(const std::string& url);

}  // namespace infra_dod
