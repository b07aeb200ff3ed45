#include "upgrade_front.h"

#include "runtime/text.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <stdexcept>

namespace infra_dod::sandbox {

namespace {

std::string percent_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

}  // namespace

int connect_loopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

std::string RequestHead::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

bool RequestHead::wants_upgrade() const {
  return to_lower(header("connection")).find("upgrade") != std::string::npos && !header("upgrade").empty();
}

bool parse_request_head(const std::string& head, RequestHead& out) {
  const auto line_end = head.find("\r\n");
  if (line_end == std::string::npos) return false;
  const std::string line = head.substr(0, line_end);
  const auto sp1 = line.find(' ');
  const auto sp2 = line.rfind(' ');
  if (sp1 == std::string::npos || sp2 == sp1 || line.compare(sp2 + 1, 5, "HTTP/") != 0) return false;
  out.method = line.substr(0, sp1);
  out.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const auto q = out.target.find('?');
  out.path = out.target.substr(0, q);
  if (q != std::string::npos) {
    std::size_t at = q + 1;
    while (at <= out.target.size()) {
      auto end = out.target.find('&', at);
      if (end == std::string::npos) end = out.target.size();
      const std::string pair = out.target.substr(at, end - at);
      if (!pair.empty()) {
        const auto eq = pair.find('=');
        out.query.emplace(percent_decode(pair.substr(0, eq)),
                          eq == std::string::npos ? std::string() : percent_decode(pair.substr(eq + 1)));
      }
      at = end + 1;
    }
  }
  std::size_t at = line_end + 2;
  while (at < head.size()) {
    const auto end = head.find("\r\n", at);
    if (end == std::string::npos || end == at) break;
    const std::string h = head.substr(at, end - at);
    const auto colon = h.find(':');
    if (colon != std::string::npos) {
      const std::string name = to_lower(trim(h.substr(0, colon)));
      const std::string value = trim(h.substr(colon + 1));
      auto [it, inserted] = out.headers.emplace(name, value);
      if (!inserted) it->second += ", " + value;
    }
    at = end + 2;
  }
  return true;
}

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

UpgradeFront::~UpgradeFront() { stop(); }

int UpgradeFront::start(int backend_port, int port) {
  backend_port_ = backend_port;
  stopping_ = false;
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("upgrade front: socket failed");
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 128) != 0)
    throw std::runtime_error("upgrade front: cannot bind 127.0.0.1:" + std::to_string(port));
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
  return port_;
}

void UpgradeFront::stop() {
  if (listen_fd_ < 0) return;
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  if (acceptor_.joinable()) acceptor_.join();
  ::close(listen_fd_);
  listen_fd_ = -1;
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    threads.swap(connections_);
  }
  for (auto& t : threads)
    if (t.joinable()) t.join();
}

void UpgradeFront::accept_loop() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::lock_guard lock(mu_);
    open_fds_.push_back(fd);
    connections_.emplace_back([this, fd] { serve(fd); });
  }
}

void UpgradeFront::serve(int fd) {
  std::string buf;
  char chunk[8192];
  std::size_t head_end = std::string::npos;
  // A request head is small; a peer that sends none within 30 s, or 64 KiB without one, is dropped.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (head_end == std::string::npos && buf.size() < 65536 && !stopping_ &&
         std::chrono::steady_clock::now() < give_up) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) break;
    buf.append(chunk, static_cast<std::size_t>(n));
    head_end = buf.find("\r\n\r\n");
  }
  if (head_end != std::string::npos) {
    RequestHead head;
    if (parse_request_head(buf.substr(0, head_end + 4), head) && claims_(head)) {
      handler_(fd, head, buf.substr(head_end + 4));
    } else {
      splice(fd, buf);
    }
  }
  std::lock_guard lock(mu_);
  open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), fd), open_fds_.end());
  ::close(fd);
}

void UpgradeFront::splice(int client, const std::string& head_and_rest) {
  const int backend = connect_loopback(backend_port_);
  if (backend < 0) return;
  {
    std::lock_guard lock(mu_);
    open_fds_.push_back(backend);
  }
  if (write_all(backend, head_and_rest)) {
    char chunk[65536];
    bool client_open = true, backend_open = true;
    // Until the backend is done: a watch may stream long after the client stopped sending.
    while (backend_open && !stopping_) {
      pollfd p[2] = {{client, static_cast<short>(client_open ? POLLIN : 0), 0}, {backend, POLLIN, 0}};
      if (::poll(p, 2, 200) <= 0) continue;
      if (client_open && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
        const ssize_t n = ::recv(client, chunk, sizeof chunk, 0);
        if (n <= 0) {
          client_open = false;
          ::shutdown(backend, SHUT_WR);
        } else if (!write_all(backend, chunk, static_cast<std::size_t>(n))) {
          break;
        }
      }
      if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
        const ssize_t n = ::recv(backend, chunk, sizeof chunk, 0);
        if (n <= 0 || !write_all(client, chunk, static_cast<std::size_t>(n))) backend_open = false;
      }
    }
  }
  std::lock_guard lock(mu_);
  open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), backend), open_fds_.end());
  ::close(backend);
}

}  // namespace infra_dod::sandbox
