#include "service.h"

#include "runtime/crypto.h"
#include "runtime/text.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <regex>
#include <stdexcept>

namespace infra_dod::sandbox {

const nlohmann::json& Shared::section(const std::string& service) const {
  static const nlohmann::json empty = nlohmann::json::object();
  auto it = scenario.find(service);
  return it == scenario.end() ? empty : *it;
}

void Shared::inject_latency(const std::string& service) const {
  auto it = scenario.find("latency_ms");
  if (it == scenario.end() || !it->contains(service)) return;
  const auto ms = (*it)[service].get<int>();
  if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

void Shared::count_request(const std::string& service, const std::string& method, const std::string& target) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_).count();
  std::lock_guard lock(counts_mu_);
  ++counts_[service];
  log_.push_back({{"service", service}, {"method", method}, {"target", target}, {"ms", ms}});
}

nlohmann::json Shared::request_log() const {
  std::lock_guard lock(counts_mu_);
  return log_;
}

nlohmann::json Shared::request_counts() const {
  std::lock_guard lock(counts_mu_);
  return counts_;
}

// Qualified: a destructor cannot reach a derived class; each derived one stops itself first.
Service::~Service() { Service::stop(); }

int Service::start() {
  server_ = std::make_unique<httplib::Server>();
  // Enough workers that latency injection does not serialise parallel clients.
  server_->new_task_queue = [] { return new httplib::ThreadPool(16); };
  server_->set_tcp_nodelay(true);
  server_->set_keep_alive_max_count(1000);
  server_->set_pre_routing_handler(
      [this](const httplib::Request& req, httplib::Response& res) { return pre_route(req, res); });
  routes(*server_);
  if (port_ == 0) {
    port_ = server_->bind_to_any_port("127.0.0.1");
  } else if (!server_->bind_to_port("127.0.0.1", port_)) {
    throw std::runtime_error(name_ + ": cannot bind 127.0.0.1:" + std::to_string(port_) + " again");
  }
  if (port_ <= 0) throw std::runtime_error(name_ + ": cannot bind 127.0.0.1");
  thread_ = std::thread([this] { serve(); });
  // httplib's stop() does nothing until the listener loop runs, so a stop or restart right after
  // start would hang on join; wait (bounded) for the loop.
  for (int i = 0; i < 5000 && !server_->is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return port_;
}

void Service::serve() { server_->listen_after_bind(); }

void Service::stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

void Service::restart() {
  stop();
  reset_state();
  start();
}

nlohmann::json Service::fault_body(int status, const std::string& code, const std::string& message) const {
  return {{"error", {{"code", code.empty() ? std::to_string(status) : code}, {"message", message}}}};
}

httplib::Server::HandlerResponse Service::pre_route(const httplib::Request& req, httplib::Response& res) {
  std::string target = req.method + " " + req.path;
  if (!req.params.empty()) {
    target += "?";
    bool first = true;
    for (const auto& [k, v] : req.params) {
      target += (first ? "" : "&") + k + "=" + v;
      first = false;
    }
  }
  shared_.count_request(name_, req.method, target.substr(req.method.size() + 1));
  shared_.inject_latency(name_);
  const nlohmann::json* fault = match_fault(target);
  if (!fault) return httplib::Server::HandlerResponse::Unhandled;
  const auto& f = *fault;
  if (const int hang = f.value("hang_ms", 0); hang > 0) std::this_thread::sleep_for(std::chrono::milliseconds(hang));
  const int status = f.value("status", 0);
  if (status == 0) return httplib::Server::HandlerResponse::Unhandled;
  if (f.contains("retry_after")) res.set_header("Retry-After", std::to_string(f["retry_after"].get<int>()));
  if (f.value("kill", false)) {
    std::fprintf(stderr, "sandbox: killed by the scenario's fault on %s %s\n", name_.c_str(), target.c_str());
    ::kill(::getpid(), SIGKILL);
  }
  const std::string content_type = f.value("content_type", "application/json");
  if (f.contains("oversize_mib")) {
    const std::size_t total = static_cast<std::size_t>(f["oversize_mib"].get<int>()) << 20;
    res.status = status;
    res.set_content_provider(total, content_type, [total](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
      static const std::string chunk = "[" + std::string(65534, ' ') + "]";
      const std::size_t n = std::min({length, chunk.size(), total - offset});
      return sink.write(chunk.data(), n);
    });
    return httplib::Server::HandlerResponse::Handled;
  }
  std::string body;
  if (f.contains("body_text")) {
    body = f["body_text"].get<std::string>();
  } else if (f.contains("body_base64")) {
    body = base64_decode(f["body_base64"].get<std::string>()).value_or("");
  } else if (f.contains("truncate_at")) {
    body = (f.contains("body") ? f["body"] : fault_body(status, f.value("code", ""), f.value("message", "injected fault"))).dump();
  }
  if (f.contains("truncate_at")) {
    const std::size_t cut = std::min(body.size(), static_cast<std::size_t>(f["truncate_at"].get<int>()));
    res.status = status;
    auto shared_body = std::make_shared<std::string>(std::move(body));
    res.set_content_provider(shared_body->size(), content_type,
                             [shared_body, cut](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                               if (offset < cut) sink.write(shared_body->data() + offset, cut - offset);
                               return false;  // the connection closes short of Content-Length
                             });
    return httplib::Server::HandlerResponse::Handled;
  }
  if (!body.empty()) {
    res.status = status;
    res.set_content(body, content_type.c_str());
    return httplib::Server::HandlerResponse::Handled;
  }
  if (f.contains("body")) {
    reply_json(res, status, f["body"]);
  } else {
    reply_json(res, status, fault_body(status, f.value("code", ""), f.value("message", "injected fault")));
  }
  return httplib::Server::HandlerResponse::Handled;
}

const nlohmann::json* Service::match_fault(const std::string& target) {
  const auto& faults = member(shared_.section(name_), "faults");
  if (!faults.is_array()) return nullptr;
  for (std::size_t i = 0; i < faults.size(); ++i) {
    const auto& f = faults[i];
    if (!std::regex_search(target, std::regex(f.value("match", "^$")))) continue;
    std::lock_guard lock(fault_mu_);
    if (f.contains("times") && fault_fired_[i] >= f["times"].get<int>()) continue;
    ++fault_fired_[i];
    return &f;
  }
  return nullptr;
}

const nlohmann::json& member(const nlohmann::json& obj, const char* key) {
  static const nlohmann::json empty = nlohmann::json::object();
  if (!obj.is_object()) return empty;
  const auto it = obj.find(key);
  return it == obj.end() ? empty : *it;
}

std::string guid() {
  const std::string h = random_hex(16);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

void reply_json(httplib::Response& res, int status, const nlohmann::json& body, const std::string& content_type) {
  res.status = status;
  res.set_content(body.dump(), content_type.c_str());
}

}  // namespace infra_dod::sandbox
