#pragma once
// The server side of RFC 6455 on a socket the upgrade front door handed over: the handshake
// answer, masked client frames in, unmasked frames out, pings answered with pongs (client-go
// sends a heartbeat ping every few seconds and gives up on a silent peer), fragmented messages
// joined. Enough for kubectl's exec (v5.channel.k8s.io) and its SPDY-over-websocket port-forward.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "upgrade_front.h"

namespace infra_dod::sandbox {

// Sec-WebSocket-Accept for a Sec-WebSocket-Key.
std::string websocket_accept(const std::string& key);

// The client's offered subprotocols (Sec-WebSocket-Protocol), in its order of preference.
std::vector<std::string> websocket_protocols(const RequestHead& head);

class WebSocket {
 public:
  // Answers the handshake with 101 and `protocol`; `already_read` is what followed the head.
  WebSocket(int fd, const RequestHead& head, const std::string& protocol, std::string already_read);
  bool ok() const { return ok_; }
  // The next whole data message (binary or text), pings answered on the way; nothing once the
  // peer closed or the socket failed. `timeout_ms` < 0 waits for ever; 0 on a timeout sets
  // `timed_out`.
  std::optional<std::string> read_message(int timeout_ms = -1, bool* timed_out = nullptr);
  bool send_binary(std::string_view payload);
  // A close frame with `code` (1000: normal); later sends fail.
  void close(std::uint16_t code = 1000);
  bool closed_by_peer() const { return peer_closed_; }

 private:
  bool send_frame(std::uint8_t opcode, std::string_view payload);
  bool fill(std::size_t want, int timeout_ms, bool* timed_out);
  int fd_;
  bool ok_ = false;
  bool peer_closed_ = false;
  // Read by the backend threads that send while the connection thread reads.
  std::atomic<bool> sent_close_{false};
  std::string in_;
  std::mutex write_mu_;
};

}  // namespace infra_dod::sandbox
