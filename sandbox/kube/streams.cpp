// Pods' exec and port-forward, as the API server (and the kubelet behind it) answer kubectl 1.32.
//
// Exec: kubectl tries a websocket first (GET .../pods/P/exec?command=...&container=...&stdout=true
// with Sec-WebSocket-Protocol v5.channel.k8s.io, v4...); each binary message starts with its
// channel (1 stdout, 2 stderr, 3 the error channel: a metav1.Status, Success or Failure with
// reason NonZeroExitCode and an ExitCode cause), then a normal close. The container's commands
// are emulated: the harness's TCP probe (fixtures/probes/tcp_probe.js, recognised by its first
// line) answers from the scenario's "exec" section in the probe's own output shape; any other
// command is "not found in the image".
//
// Port-forward: SPDY/3.1 (spdy.h) with kubectl's error and data stream pair per local
// connection, each data stream spliced to the sandbox service the scenario's "port_forward"
// names for that container port.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <atomic>
#include <map>
#include <memory>

#include "kube/server.h"
#include "kube/spdy.h"
#include "runtime/text.h"
#include "websocket.h"

namespace infra_dod::sandbox::kube {

namespace {

const char kProbeMarker[] = "// infra-dod tcp probe";

std::string http_error(int status, const json& body) {
  const std::string text = body.dump();
  return "HTTP/1.1 " + std::to_string(status) + " " + reason_for(status) +
         "\r\nContent-Type: application/json\r\nCache-Control: no-cache, private\r\nContent-Length: " +
         std::to_string(text.size()) + "\r\n\r\n" + text;
}

struct CommandResult {
  std::string out;
  std::string err;
  int exit_code = 0;
  std::string failure;  // the runtime could not start it (Status message)
};

// What the TCP probe would print in a pod whose network the scenario describes.
CommandResult run_probe(const json& exec, const std::vector<std::string>& args) {
  const std::string host = args.size() > 0 ? args[0] : "";
  const auto port = args.size() > 1 ? parse_integer(args[1]).value_or(0) : 0;
  json line = {{"probe", "tcp"},        {"host", host},           {"port", port},        {"address", nullptr},
               {"family", nullptr},     {"resolve_error", nullptr}, {"connected", false}, {"connect_error", nullptr}};
  const json& resolve = member(exec, "resolve");
  json addresses;
  for (const auto& [name, value] : resolve.items())
    if (to_lower(name) == to_lower(host)) addresses = value;
  if (!addresses.is_array() || addresses.empty()) {
    line["resolve_error"] = "ENOTFOUND";
  } else {
    const std::string address = addresses[0].get<std::string>();
    line["address"] = address;
    line["family"] = address.find(':') == std::string::npos ? 4 : 6;
    const std::string state = member(exec, "connect").value(address + ":" + std::to_string(port), "refused");
    if (state == "open") {
      line["connected"] = true;
    } else {
      line["connect_error"] = state == "timeout" ? "ETIMEDOUT" : "ECONNREFUSED";
    }
  }
  line["elapsed_ms"] = 3;
  return {line.dump() + "\n", "", 0, ""};
}

CommandResult run_in_container(const json& exec, const std::vector<std::string>& command) {
  if (command.empty()) return {"", "", 0, "you must specify at least one command for the container"};
  const json& missing = member(exec, "missing");
  if (missing.is_array())
    for (const auto& m : missing)
      if (m == command[0])
        return {"", "", 0,
                "failed to exec in container: failed to start exec: OCI runtime exec failed: exec failed: unable to "
                "start container process: exec: \"" +
                    command[0] + "\": executable file not found in $PATH: unknown"};
  if (command[0] == "node" && command.size() >= 3 && command[1] == "-e" &&
      command[2].compare(0, sizeof kProbeMarker - 1, kProbeMarker) == 0)
    return run_probe(exec, std::vector<std::string>(command.begin() + 3, command.end()));
  return {"", "", 0,
          "failed to exec in container: failed to start exec: OCI runtime exec failed: exec failed: unable to start "
          "container process: exec: \"" +
              command[0] + "\": the sandbox's pods run only the harness's probes: unknown"};
}

// The byte stream SPDY travels on: websocket binary messages, or the raw upgraded socket.
class Link {
 public:
  virtual ~Link() = default;
  // Some bytes; nothing once the peer is gone; an empty string on a timeout.
  virtual std::optional<std::string> read(int timeout_ms) = 0;
  virtual bool write(std::string_view bytes) = 0;
};

class WebSocketLink final : public Link {
 public:
  explicit WebSocketLink(WebSocket& ws) : ws_(ws) {}
  std::optional<std::string> read(int timeout_ms) override {
    bool timed_out = false;
    auto m = ws_.read_message(timeout_ms, &timed_out);
    if (!m && timed_out) return std::string();
    return m;
  }
  bool write(std::string_view bytes) override { return ws_.send_binary(bytes); }

 private:
  WebSocket& ws_;
};

class SocketLink final : public Link {
 public:
  SocketLink(int fd, std::string already_read) : fd_(fd), pending_(std::move(already_read)) {}
  std::optional<std::string> read(int timeout_ms) override {
    if (!pending_.empty()) return std::exchange(pending_, std::string());
    pollfd p{fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, timeout_ms);
    if (r == 0) return std::string();
    if (r < 0) return std::nullopt;
    char buf[65536];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return std::nullopt;
    return std::string(buf, static_cast<std::size_t>(n));
  }
  bool write(std::string_view bytes) override {
    std::lock_guard lock(mu_);
    return write_all(fd_, bytes.data(), bytes.size());
  }

 private:
  int fd_;
  std::string pending_;
  std::mutex mu_;
};

// kubectl's side of one forwarded connection: an error stream and a data stream sharing a
// requestid, the data stream spliced to the backend.
struct Forward {
  std::uint32_t error_stream = 0;
  std::uint32_t data_stream = 0;
  int backend = -1;
  std::thread reader;
};

// One SPDY session: replies to kubectl's streams, echoes its pings, and moves the bytes.
class PortForwardSession {
 public:
  PortForwardSession(Link& link, std::function<int(const std::string& port)> backend_port, std::string pod)
      : link_(link), backend_port_(std::move(backend_port)), pod_(std::move(pod)) {}
  ~PortForwardSession() {
    for (auto& [id, f] : forwards_) {
      if (f->backend >= 0) ::shutdown(f->backend, SHUT_RDWR);
      if (f->reader.joinable()) f->reader.join();
      if (f->backend >= 0) ::close(f->backend);
    }
  }

  void run() {
    for (;;) {
      auto bytes = link_.read(1000);
      if (!bytes) return;
      if (bytes->empty()) continue;
      std::vector<spdy::Frame> frames;
      try {
        frames = session_.feed(*bytes);
      } catch (const spdy::ProtocolError& e) {
        send(spdy::Session::goaway(session_.last_stream_id(), e.status()));
        return;
      }
      for (auto& f : frames)
        if (!handle(f)) return;
    }
  }

 private:
  bool send(const std::string& bytes) {
    std::lock_guard lock(write_mu_);
    return link_.write(bytes);
  }

  bool handle(spdy::Frame& f) {
    switch (f.type) {
      case spdy::FrameType::syn_stream:
        return open_stream(f);
      case spdy::FrameType::data:
        return stream_data(f);
      case spdy::FrameType::ping:
        return send(spdy::Session::ping(f.ping_id));
      case spdy::FrameType::goaway:
        return false;
      case spdy::FrameType::rst_stream:
        if (auto it = by_stream_.find(f.stream_id); it != by_stream_.end()) {
          Forward& fw = *it->second;
          if (fw.backend >= 0) ::shutdown(fw.backend, SHUT_RDWR);
        }
        return true;
      default:
        return true;
    }
  }

  bool open_stream(const spdy::Frame& f) {
    const std::string type(f.header("streamtype").value_or(""));
    const std::string port(f.header("port").value_or(""));
    const std::string request(f.header("requestid").value_or(std::to_string(f.stream_id)));
    {
      // The reply and any header-carrying frame share the compression context: encode and write
      // under one lock so they reach the wire in the order they were encoded.
      std::lock_guard lock(write_mu_);
      if (!link_.write(session_.syn_reply(f.stream_id, {}, false))) return false;
    }
    auto& fw = forwards_[request];
    if (!fw) fw = std::make_unique<Forward>();
    by_stream_[f.stream_id] = fw.get();
    if (type == "error") {
      fw->error_stream = f.stream_id;
      return true;
    }
    if (type != "data") {
      send(spdy::Session::rst_stream(f.stream_id, spdy::protocol_error));
      return true;
    }
    fw->data_stream = f.stream_id;
    const int backend_port = backend_port_(port);
    fw->backend = backend_port > 0 ? connect_loopback(backend_port) : -1;
    if (fw->backend < 0) {
      // What the kubelet writes on the error stream when nothing listens on the port.
      const std::string message = "error forwarding port " + port + " to pod " + pod_ +
                                  ", uid : failed to execute portforward in network namespace: failed to connect to "
                                  "localhost:" + port + " inside namespace: connection refused";
      if (fw->error_stream) send(spdy::Session::data(fw->error_stream, message, true));
      send(spdy::Session::data(f.stream_id, "", true));
      return true;
    }
    Forward* raw = fw.get();
    raw->reader = std::thread([this, raw] {
      char buf[32768];
      for (;;) {
        const ssize_t n = ::recv(raw->backend, buf, sizeof buf, 0);
        if (n <= 0) break;
        if (!send(spdy::Session::data(raw->data_stream, std::string_view(buf, static_cast<std::size_t>(n)), false))) return;
      }
      send(spdy::Session::data(raw->data_stream, "", true));
      if (raw->error_stream) send(spdy::Session::data(raw->error_stream, "", true));
    });
    return true;
  }

  bool stream_data(const spdy::Frame& f) {
    auto it = by_stream_.find(f.stream_id);
    if (it == by_stream_.end()) return true;
    Forward& fw = *it->second;
    if (f.stream_id != fw.data_stream || fw.backend < 0) return true;
    if (!f.data.empty() && !write_all(fw.backend, f.data)) ::shutdown(fw.backend, SHUT_RDWR);
    if (f.fin()) ::shutdown(fw.backend, SHUT_WR);
    return true;
  }

  Link& link_;
  std::function<int(const std::string&)> backend_port_;
  std::string pod_;
  spdy::Session session_;
  std::mutex write_mu_;
  std::map<std::string, std::unique_ptr<Forward>> forwards_;  // by requestid
  std::map<std::uint32_t, Forward*> by_stream_;
};

}  // namespace

int KubeService::start() {
  Service::start();
  return front_.start(Service::port());
}

void KubeService::stop() {
  front_.stop();
  Service::stop();
}

json KubeService::endpoints() const { return {{"kube_url", "http://127.0.0.1:" + std::to_string(front_.port())}}; }

bool KubeService::claims_upgrade(const RequestHead& head) {
  if (!head.wants_upgrade()) return false;
  const auto parts = split_list(head.path, '/');
  return parts.size() == 7 && parts[0] == "api" && parts[1] == "v1" && parts[2] == "namespaces" && parts[4] == "pods" &&
         (parts[6] == "exec" || parts[6] == "portforward");
}

void KubeService::handle_upgrade(int fd, const RequestHead& head, std::string already_read) {
  shared_.count_request(name(), head.method, head.target);
  shared_.inject_latency(name());
  if (const json* fault = match_fault(head.method + " " + head.target)) {
    if (const int hang = fault->value("hang_ms", 0); hang > 0) std::this_thread::sleep_for(std::chrono::milliseconds(hang));
    if (const int status = fault->value("status", 0); status > 0) {
      const json body = fault->contains("body") ? (*fault)["body"]
                                                : fault_body(status, fault->value("code", ""), fault->value("message", "injected fault"));
      write_all(fd, http_error(status, body));
      return;
    }
  }
  const auto parts = split_list(head.path, '/');
  const std::string& ns = parts[3];
  const std::string& pod_name = parts[5];
  const ResourceType* pods = find_type("v1", "pods");
  json pod;
  {
    std::lock_guard lock(mu_);
    auto it = objects_.find(object_key(*pods, ns, pod_name));
    if (it != objects_.end()) pod = it->second.obj;
  }
  if (pod.is_null()) {
    write_all(fd, http_error(404, status_body(404, "NotFound", "pods \"" + pod_name + "\" not found",
                                              status_details(*pods, pod_name))));
    return;
  }
  if (str_field(pod, "/status/phase"_json_pointer) != "Running") {
    write_all(fd, http_error(400, status_body(400, "BadRequest",
                                              "pod " + pod_name + " is not running: " +
                                                  str_field(pod, "/status/phase"_json_pointer))));
    return;
  }
  if (parts[6] == "exec") return exec(fd, head, pod, std::move(already_read));
  port_forward(fd, head, pod, std::move(already_read));
}

void KubeService::exec(int fd, const RequestHead& head, const json& pod, std::string already_read) {
  std::vector<std::string> command;
  for (auto [it, end] = head.query.equal_range("command"); it != end; ++it) command.push_back(it->second);
  std::string container;
  if (auto it = head.query.find("container"); it != head.query.end()) container = it->second;
  const json& containers = pod["spec"]["containers"];
  if (container.empty() && containers.is_array() && !containers.empty()) container = containers[0].value("name", "");
  bool known = false;
  if (containers.is_array())
    for (const auto& c : containers) known = known || c.value("name", "") == container;
  if (!known) {
    write_all(fd, http_error(400, status_body(400, "BadRequest",
                                              "container " + container + " is not valid for pod " + name_of(pod))));
    return;
  }
  const auto offered = websocket_protocols(head);
  std::string protocol;
  for (const char* p : {"v5.channel.k8s.io", "v4.channel.k8s.io"})
    if (protocol.empty() && std::find(offered.begin(), offered.end(), p) != offered.end()) protocol = p;
  if (to_lower(head.header("upgrade")) != "websocket" || protocol.empty()) {
    // kubectl falls back to SPDY only when the websocket upgrade failed; the sandbox serves the
    // websocket it tries first, and says so to anything else.
    write_all(fd, http_error(400, status_body(400, "BadRequest",
                                              "the sandbox serves exec over websockets (v5.channel.k8s.io, "
                                              "v4.channel.k8s.io) only")));
    return;
  }
  WebSocket ws(fd, head, protocol, std::move(already_read));
  if (!ws.ok()) return;
  const json exec_section = shared_.section("kube").value("exec", json::object());
  const CommandResult r = run_in_container(exec_section, command);
  // A container runtime takes a moment to start an exec, and kubectl 1.32 depends on it: its
  // websocket executor starts reading before it has made its streams (client-go v0.32.4, fixed
  // later), and drops output that arrives first as "Unknown stream id".
  std::this_thread::sleep_for(std::chrono::milliseconds(exec_section.value("start_ms", 100)));
  const auto send = [&ws](char channel, const std::string& bytes) {
    if (!bytes.empty()) ws.send_binary(std::string(1, channel) + bytes);
  };
  send(1, r.out);
  send(2, r.err);
  json status = {{"metadata", json::object()}, {"status", "Success"}};
  if (!r.failure.empty()) {
    status = status_body(500, "InternalError", "Internal error occurred: " + r.failure);
  } else if (r.exit_code != 0) {
    status = {{"metadata", json::object()},
              {"status", "Failure"},
              {"message", "command terminated with non-zero exit code: error executing command, exit code " +
                              std::to_string(r.exit_code)},
              {"reason", "NonZeroExitCode"},
              {"details", {{"causes", json::array({{{"reason", "ExitCode"}, {"message", std::to_string(r.exit_code)}}})}}}};
  }
  send(3, status.dump());
  ws.close(1000);
  // The client answers the close; wait for it (briefly) so it reads every message first.
  for (int i = 0; i < 20 && !ws.closed_by_peer(); ++i) {
    bool timed_out = false;
    if (!ws.read_message(50, &timed_out) && !timed_out) break;
  }
}

}  // namespace infra_dod::sandbox::kube

namespace infra_dod::sandbox::kube {

void KubeService::port_forward(int fd, const RequestHead& head, const json& pod, std::string already_read) {
  const json mapping = shared_.section("kube").value("port_forward", json::object());
  auto backend_port = [this, mapping](const std::string& port) {
    const auto it = mapping.find(port);
    if (it == mapping.end() || !it->is_string() || !shared_.service_port) return 0;
    return shared_.service_port(it->get<std::string>());
  };
  const std::string tunnel = "SPDY/3.1+portforward.k8s.io";
  const auto offered = websocket_protocols(head);
  if (to_lower(head.header("upgrade")) == "websocket" &&
      std::find(offered.begin(), offered.end(), tunnel) != offered.end()) {
    WebSocket ws(fd, head, tunnel, std::move(already_read));
    if (!ws.ok()) return;
    WebSocketLink link(ws);
    PortForwardSession(link, backend_port, name_of(pod)).run();
    ws.close(1000);
    return;
  }
  if (iequals(head.header("upgrade"), "SPDY/3.1")) {
    if (!write_all(fd, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n"
                       "X-Stream-Protocol-Version: portforward.k8s.io\r\n\r\n"))
      return;
    SocketLink link(fd, std::move(already_read));
    PortForwardSession(link, backend_port, name_of(pod)).run();
    return;
  }
  write_all(fd, http_error(400, status_body(400, "BadRequest",
                                            "unable to upgrade connection: the sandbox forwards ports over SPDY/3.1, "
                                            "tunnelled in a websocket (" + tunnel + ") or upgraded directly")));
}

}  // namespace infra_dod::sandbox::kube
