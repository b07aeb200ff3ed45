#include "service.h"

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

Service::~Service() { stop(); }

int Service::start() {
  server_ = std::make_unique<httplib::Server>();
  // Enough workers that latency injection does not serialise parallel clients.
  server_->new_task_queue = [] { return new httplib::ThreadPool(16); };
  server_->set_tcp_nodelay(true);
  server_->set_keep_alive_max_count(1000);
  routes(*server_);
  if (port_ == 0) {
    port_ = server_->bind_to_any_port("127.0.0.1");
  } else if (!server_->bind_to_port("127.0.0.1", port_)) {
    throw std::runtime_error(name_ + ": cannot bind 127.0.0.1:" + std::to_string(port_) + " again");
  }
  if (port_ <= 0) throw std::runtime_error(name_ + ": cannot bind 127.0.0.1");
  thread_ = std::thread([this] { serve(); });
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

void reply_json(httplib::Response& res, int status, const nlohmann::json& body, const std::string& content_type) {
  res.status = status;
  res.set_content(body.dump(), content_type.c_str());
}

}  // namespace infra_dod::sandbox
