#pragma once
// The front door of an emulator that must take over connections: kubectl's exec and port-forward
// ask for an HTTP upgrade (a websocket, or SPDY/3.1) and then speak their own framing on the
// socket, which cpp-httplib cannot hand over. The front door owns the public port, reads each
// new connection's first request head, and either gives the socket to an upgrade handler or
// splices the whole connection, bytes as they come, to the emulator's ordinary httplib port.
// kubectl dials a fresh connection for every upgrade, so looking at the first request of a
// connection is enough; keep-alive requests after a first ordinary one stay on the splice.
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace infra_dod::sandbox {

struct RequestHead {
  std::string method;
  std::string target;  // path and query as sent
  std::string path;    // without the query
  std::multimap<std::string, std::string> query;  // decoded
  std::map<std::string, std::string> headers;     // names lower-cased; repeated ones joined by ", "
  std::string header(const std::string& lower_name) const;
  // "Connection: Upgrade" with an Upgrade header.
  bool wants_upgrade() const;
};

// Parses "METHOD target HTTP/1.1\r\nName: value\r\n...\r\n\r\n" (the head only); false when it is
// not one.
bool parse_request_head(const std::string& head, RequestHead& out);

// A TCP connection to 127.0.0.1:port (TCP_NODELAY); -1 when nothing listens there.
int connect_loopback(int port);

// Writes all of `bytes`; false when the peer went away.
bool write_all(int fd, const char* data, std::size_t size);
inline bool write_all(int fd, const std::string& bytes) { return write_all(fd, bytes.data(), bytes.size()); }

class UpgradeFront {
 public:
  // Called on the connection's own thread with the socket and what was read past the head.
  // The handler answers (101 or an error) and owns the socket until it returns; the front door
  // closes it afterwards.
  using Handler = std::function<void(int fd, const RequestHead& head, std::string already_read)>;
  // Decides, from the head, whether `handler` takes the connection.
  using Claims = std::function<bool(const RequestHead& head)>;

  UpgradeFront(Claims claims, Handler handler) : claims_(std::move(claims)), handler_(std::move(handler)) {}
  ~UpgradeFront();
  // Binds 127.0.0.1 (an ephemeral port unless `port` is given) and splices unclaimed connections
  // to 127.0.0.1:backend_port. Returns the public port.
  int start(int backend_port, int port = 0);
  void stop();
  int port() const { return port_; }

 private:
  void accept_loop();
  void serve(int fd);
  void splice(int client, const std::string& head_and_rest);
  Claims claims_;
  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  int backend_port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> connections_;
  std::vector<int> open_fds_;
};

}  // namespace infra_dod::sandbox
