#include "websocket.h"

#include <openssl/sha.h>
#include <poll.h>
#include <sys/socket.h>

#include "runtime/text.h"

namespace infra_dod::sandbox {

std::string websocket_accept(const std::string& key) {
  const std::string in = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(in.data()), in.size(), digest);
  return base64_encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

std::vector<std::string> websocket_protocols(const RequestHead& head) {
  std::vector<std::string> out;
  for (auto p : split_list(head.header("sec-websocket-protocol"), ',')) {
    while (!p.empty() && p.front() == ' ') p.erase(p.begin());
    while (!p.empty() && p.back() == ' ') p.pop_back();
    if (!p.empty()) out.push_back(p);
  }
  return out;
}

WebSocket::WebSocket(int fd, const RequestHead& head, const std::string& protocol, std::string already_read)
    : fd_(fd), in_(std::move(already_read)) {
  std::string reply =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
      websocket_accept(head.header("sec-websocket-key")) + "\r\n";
  if (!protocol.empty()) reply += "Sec-WebSocket-Protocol: " + protocol + "\r\n";
  reply += "\r\n";
  std::lock_guard lock(write_mu_);
  ok_ = write_all(fd_, reply);
}

bool WebSocket::fill(std::size_t want, int timeout_ms, bool* timed_out) {
  char chunk[65536];
  while (in_.size() < want) {
    pollfd p{fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, timeout_ms);
    if (r == 0) {
      if (timed_out) *timed_out = true;
      return false;
    }
    if (r < 0) return false;
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) {
      peer_closed_ = true;
      return false;
    }
    in_.append(chunk, static_cast<std::size_t>(n));
  }
  return true;
}

std::optional<std::string> WebSocket::read_message(int timeout_ms, bool* timed_out) {
  if (timed_out) *timed_out = false;
  std::string message;
  for (;;) {
    if (!fill(2, timeout_ms, timed_out)) return std::nullopt;
    const auto b0 = static_cast<std::uint8_t>(in_[0]);
    const auto b1 = static_cast<std::uint8_t>(in_[1]);
    const bool fin = b0 & 0x80;
    const std::uint8_t opcode = b0 & 0x0f;
    const bool masked = b1 & 0x80;
    std::uint64_t len = b1 & 0x7f;
    std::size_t at = 2;
    if (len == 126) {
      if (!fill(4, timeout_ms, timed_out)) return std::nullopt;
      len = (static_cast<std::uint64_t>(static_cast<std::uint8_t>(in_[2])) << 8) | static_cast<std::uint8_t>(in_[3]);
      at = 4;
    } else if (len == 127) {
      if (!fill(10, timeout_ms, timed_out)) return std::nullopt;
      len = 0;
      for (int i = 2; i < 10; ++i) len = (len << 8) | static_cast<std::uint8_t>(in_[static_cast<std::size_t>(i)]);
      at = 10;
    }
    // A client frame is always masked (RFC 6455 5.1); anything else, or a frame past 16 MiB, ends it.
    if (!masked || len > (16u << 20)) {
      close(1002);
      return std::nullopt;
    }
    if (!fill(at + 4 + len, timeout_ms, timed_out)) return std::nullopt;
    const std::string key = in_.substr(at, 4);
    std::string payload = in_.substr(at + 4, len);
    in_.erase(0, at + 4 + len);
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(payload[i] ^ key[i % 4]);
    switch (opcode) {
      case 0x9:  // ping
        send_frame(0xA, payload);
        continue;
      case 0xA:  // pong
        continue;
      case 0x8:  // close: answer it, then the connection is done
        peer_closed_ = true;
        if (!sent_close_) send_frame(0x8, payload.substr(0, 2));
        sent_close_ = true;
        return std::nullopt;
      default:
        message += payload;
        if (fin) return message;
    }
  }
}

bool WebSocket::send_frame(std::uint8_t opcode, std::string_view payload) {
  std::string frame;
  frame += static_cast<char>(0x80 | opcode);
  if (payload.size() < 126) {
    frame += static_cast<char>(payload.size());
  } else if (payload.size() < 65536) {
    frame += static_cast<char>(126);
    frame += static_cast<char>((payload.size() >> 8) & 0xff);
    frame += static_cast<char>(payload.size() & 0xff);
  } else {
    frame += static_cast<char>(127);
    for (int i = 7; i >= 0; --i) frame += static_cast<char>((static_cast<std::uint64_t>(payload.size()) >> (8 * i)) & 0xff);
  }
  frame.append(payload);
  std::lock_guard lock(write_mu_);
  if (sent_close_ && opcode != 0x8) return false;
  return write_all(fd_, frame);
}

bool WebSocket::send_binary(std::string_view payload) { return send_frame(0x2, payload); }

void WebSocket::close(std::uint16_t code) {
  if (sent_close_) return;
  const char body[2] = {static_cast<char>(code >> 8), static_cast<char>(code & 0xff)};
  send_frame(0x8, std::string_view(body, 2));
  std::lock_guard lock(write_mu_);
  sent_close_ = true;
}

}  // namespace infra_dod::sandbox
