#include "runtime/http.h"

#include <curl/curl.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <mutex>

#include "runtime/secrets.h"
#include "runtime/text.h"

namespace infra_dod {
namespace {

constexpr std::chrono::milliseconds kMaxRetryAfter{std::chrono::seconds(120)};

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// What libcurl's callbacks write into. They are C callbacks: no exception may leave them, so a
// failure is recorded here and the transfer aborted by returning a short count.
struct Sink {
  std::string* body = nullptr;
  std::map<std::string, std::string>* headers = nullptr;
  std::size_t cap = 0;
  bool over_cap = false;
  std::string failure;  // an exception caught inside a callback (bad_alloc, ...)
};

size_t on_body(char* data, size_t size, size_t n, void* user) noexcept {
  auto* sink = static_cast<Sink*>(user);
  const std::size_t len = size * n;
  if (sink->body->size() + len > sink->cap) {
    sink->over_cap = true;
    return 0;
  }
  try {
    sink->body->append(data, len);
  } catch (const std::exception& e) {
    sink->failure = e.what();
    return 0;
  } catch (...) {
    sink->failure = "unknown exception";
    return 0;
  }
  return len;
}

size_t on_header(char* data, size_t size, size_t n, void* user) noexcept {
  auto* sink = static_cast<Sink*>(user);
  try {
    std::string line(data, size * n);
    if (starts_with(line, "HTTP/")) sink->headers->clear();  // a new response (after 100-continue or redirect)
    const auto colon = line.find(':');
    if (colon != std::string::npos)
      (*sink->headers)[to_lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
  } catch (const std::exception& e) {
    sink->failure = e.what();
    return 0;
  } catch (...) {
    sink->failure = "unknown exception";
    return 0;
  }
  return size * n;
}

struct UrlParts {
  std::string scheme, host, port;  // port: explicit, or the scheme's default
};

std::optional<UrlParts> parse_url(const std::string& url) {
  CURLU* u = curl_url();
  if (!u) return std::nullopt;
  std::optional<UrlParts> out;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char* scheme = nullptr;
    char* host = nullptr;
    char* port = nullptr;
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
      out = UrlParts{to_lower(scheme), to_lower(host), port};
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
  }
  curl_url_cleanup(u);
  return out;
}

ErrorKind classify(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT: return ErrorKind::timeout;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING: return ErrorKind::unreachable;
    default: return ErrorKind::protocol;
  }
}

bool retryable_transport(CURLcode code) {
  return code == CURLE_COULDNT_CONNECT || code == CURLE_OPERATION_TIMEDOUT || code == CURLE_GOT_NOTHING ||
         code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR || code == CURLE_COULDNT_RESOLVE_HOST;
}

}  // namespace

std::optional<std::string> HttpResponse::header(const std::string& name) const {
  auto it = headers.find(to_lower(name));
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

HttpClient::HttpClient(Clock& clock, HttpLog log) : clock_(clock), log_(std::move(log)) { global_init(); }

bool HttpClient::is_loopback_host(const std::string& host) {
  std::string h = to_lower(host);
  if (h == "localhost") return true;
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  // Only address literals: a name such as 127.example.com could resolve anywhere.
  in_addr v4{};
  if (::inet_pton(AF_INET, h.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return ::inet_pton(AF_INET6, h.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

std::optional<std::chrono::milliseconds> HttpClient::parse_retry_after(const std::string& value,
                                                                       std::chrono::system_clock::time_point now) {
  const std::string v = trim(value);
  if (v.empty()) return std::nullopt;
  if (std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (v.size() > 6) return kMaxRetryAfter;
    return std::min(std::chrono::milliseconds(std::stol(v) * 1000), kMaxRetryAfter);
  }
  const std::time_t when = curl_getdate(v.c_str(), nullptr);
  if (when < 0) return std::nullopt;
  // Compared in whole seconds first: a far-future date converted to the clock's nanoseconds
  // would overflow into the past and mean "no wait" (a retry storm).
  const std::time_t now_s = std::chrono::system_clock::to_time_t(now);
  if (when <= now_s) return std::chrono::milliseconds(0);
  const auto cap_s = std::chrono::duration_cast<std::chrono::seconds>(kMaxRetryAfter).count();
  if (when - now_s > cap_s) return kMaxRetryAfter;
  const auto delta = std::chrono::system_clock::from_time_t(when) - now;
  if (delta.count() <= 0) return std::chrono::milliseconds(0);
  return std::min(std::chrono::duration_cast<std::chrono::milliseconds>(delta), kMaxRetryAfter);
}

Result<HttpResponse> HttpClient::get(const std::string& url, std::vector<std::pair<std::string, std::string>> headers) const {
  HttpRequest req;
  req.url = url;
  req.headers = std::move(headers);
  return send(req);
}

Result<HttpResponse> HttpClient::send(const HttpRequest& req) const {
  auto& secrets = SecretRegistry::process();
  const std::string shown_url = secrets.mask(req.url);
  const auto parts = parse_url(req.url);
  if (!parts) return Error{ErrorKind::config, "not a valid URL: " + shown_url};
  if (parts->scheme != "https" && parts->scheme != "http")
    return Error{ErrorKind::config, "unsupported scheme '" + parts->scheme + "' in " + shown_url};
  if (parts->scheme == "http" && !is_loopback_host(parts->host))
    return Error{ErrorKind::config, "refusing plain http to a non-loopback host: " + shown_url +
                                        " (use https; plain http is allowed only to 127.0.0.0/8, ::1, localhost)"};

  const auto started = clock_.now();
  const int max_attempts = std::max(1, req.max_attempts);
  HttpResponse resp;
  for (int attempt = 1;; ++attempt) {
    resp = HttpResponse{};
    resp.attempts = attempt;
    auto total_timeout = req.total_timeout;
    if (req.give_up_at) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*req.give_up_at - clock_.now());
      if (left.count() <= 0)
        return Error{ErrorKind::timeout, secrets.mask(req.method + " " + shown_url + ": the overall deadline passed before attempt " +
                                                      std::to_string(attempt))};
      total_timeout = std::min(total_timeout, left);
    }
    CURL* h = curl_easy_init();
    if (!h) return Error{ErrorKind::internal, "curl_easy_init failed"};
    curl_slist* hdrs = nullptr;
    for (const auto& [k, v] : req.headers) hdrs = curl_slist_append(hdrs, (k + ": " + v).c_str());
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(req.connect_timeout.count()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(total_timeout.count()));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    Sink sink{&resp.body, &resp.headers, req.max_body_bytes, false, {}};
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &sink);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "127.0.0.1,localhost,::1");
    if (req.method == "GET") {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else {
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
      if (!req.body.empty() || req.method == "POST" || req.method == "PUT" || req.method == "PATCH") {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.c_str());
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
      }
    }
    const CURLcode code = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp.status);
    long os_errno = 0;
    curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    resp.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now() - started);

    if (sink.over_cap || !sink.failure.empty()) {
      resp.body.clear();
      resp.body.shrink_to_fit();
      const std::string why = sink.over_cap ? "the response body exceeds the cap of " + std::to_string(req.max_body_bytes) +
                                                  " bytes (INFRA_DOD_HTTP_MAX_BODY_MIB)"
                                            : "reading the response failed: " + sink.failure;
      if (log_) log_(secrets.mask(req.method + " " + shown_url + " -> " + why));
      return Error{ErrorKind::protocol, secrets.mask(req.method + " " + shown_url + ": " + why)};
    }
    std::chrono::milliseconds wait{0};
    bool retry = false;
    std::string outcome;
    if (code != CURLE_OK) {
      outcome = std::string(curl_easy_strerror(code)) + (errbuf[0] ? std::string(": ") + errbuf : "");
      // Say it plainly: an operator reads "connection refused" faster than curl's wording.
      if (code == CURLE_COULDNT_CONNECT && os_errno == ECONNREFUSED) outcome = "connection refused (" + outcome + ")";
      retry = req.idempotent && retryable_transport(code);
      wait = std::chrono::milliseconds(500 << std::min(attempt - 1, 5));
    } else {
      outcome = "HTTP " + std::to_string(resp.status);
      if (resp.status == 429 || resp.status == 503) {
        retry = true;
        wait = std::chrono::milliseconds(1000 << std::min(attempt - 1, 5));
        if (auto ra = resp.header("retry-after"))
          if (auto parsed = parse_retry_after(*ra, clock_.utc_now())) wait = *parsed;
      }
    }
    if (log_)
      log_(secrets.mask(req.method + " " + shown_url + " -> " + outcome + " (attempt " + std::to_string(attempt) +
                        "/" + std::to_string(max_attempts) + ", " + std::to_string(resp.elapsed.count()) + " ms)"));
    const bool time_left = !req.give_up_at || clock_.now() + wait < *req.give_up_at;
    if (retry && attempt < max_attempts && time_left) {
      clock_.sleep_for(wait);
      continue;
    }
    if (code != CURLE_OK)
      return Error{classify(code), secrets.mask(req.method + " " + shown_url + ": " + outcome + " after " +
                                                std::to_string(attempt) + " attempt" + (attempt > 1 ? "s" : ""))};
    return resp;
  }
}

std::optional<std::string> url_origin(const std::string& url) {
  const auto parts = parse_url(url);
  if (!parts) return std::nullopt;
  return parts->scheme + "://" + parts->host + ":" + parts->port;
}

Result<std::string> describe_http_failure(const HttpResponse& r) {
  const std::string type = to_lower(r.header("content-type").value_or(""));
  std::string body = trim(SecretRegistry::process().mask(r.body));
  if (type.find("html") != std::string::npos || starts_with(to_lower(body), "<!doctype") ||
      starts_with(to_lower(body), "<html")) {
    return Error{ErrorKind::protocol, "HTTP " + std::to_string(r.status) + " with an HTML page instead of JSON"};
  }
  body = truncate_utf8(body, 400);
  return "HTTP " + std::to_string(r.status) + (body.empty() ? std::string(" (empty body)") : ": " + body);
}

}  // namespace infra_dod
