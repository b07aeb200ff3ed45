#pragma once
// SPDY/3.1 framing for one upgraded connection, as `kubectl port-forward` speaks it. No sockets:
// bytes in, decoded frames out; encoders return the bytes to write.
//
// kubectl (client-go v0.32 over moby/spdystream) upgrades either a plain HTTP request
// (`Upgrade: SPDY/3.1`, `X-Stream-Protocol-Version: portforward.k8s.io`) or a websocket whose
// subprotocol is `SPDY/3.1+portforward.k8s.io`; in the websocket case the SPDY bytes travel in
// binary messages with no framing of their own, and spdystream writes each frame field by field,
// so one frame is usually spread over several messages. Either way the connection is one byte
// stream of SPDY/3 frames, which is all this codec sees.
//
// What the client needs from the server side of the framing:
//  - a SYN_REPLY for every stream it opens (it blocks up to 30 s on each, and drops DATA that
//    arrives on a stream before its reply); an empty header block is enough;
//  - header blocks compressed with one zlib stream per direction, primed with the SPDY/3
//    dictionary and sync-flushed after every block; names lower case, each name once (the client
//    rejects a block that repeats a name, so repeated names are joined with NUL here);
//  - its PINGs (odd ids, every 5 s, or 10 s through the websocket) echoed back unchanged;
//  - DATA with FIN to end a stream; it never sends or needs SETTINGS or WINDOW_UPDATE, and it
//    fails the whole connection on a control frame type it does not know.
// Per forwarded local connection it opens an "error" stream, waits for its reply, half-closes
// it, then opens a "data" stream with the same `port` and `requestid` headers. Whatever the
// server writes on the error stream before FIN is printed as the forwarding error.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace infra_dod::sandbox::kube::spdy {

// Name/value pairs in wire order. Decoding splits NUL-joined values into one pair per value.
using Headers = std::vector<std::pair<std::string, std::string>>;

enum class FrameType : std::uint16_t {
  data = 0,  // not a control type: DATA frames have the control bit clear
  syn_stream = 1,
  syn_reply = 2,
  rst_stream = 3,
  settings = 4,
  ping = 6,
  goaway = 7,
  headers = 8,
  window_update = 9,
};

inline constexpr std::uint16_t kVersion = 3;
inline constexpr std::uint8_t kFlagFin = 0x01;             // DATA, SYN_STREAM, SYN_REPLY, HEADERS
inline constexpr std::uint8_t kFlagUnidirectional = 0x02;  // SYN_STREAM
inline constexpr std::size_t kMaxFrameLength = 0xFFFFFF;   // the 24-bit length field

// RST_STREAM status codes.
enum RstStatus : std::uint32_t {
  protocol_error = 1,
  invalid_stream = 2,
  refused_stream = 3,
  unsupported_version = 4,
  cancel = 5,
  internal_error = 6,
  flow_control_error = 7,
  stream_in_use = 8,
  stream_already_closed = 9,
  frame_too_large = 11,
};

// GOAWAY status codes.
enum GoawayStatus : std::uint32_t { goaway_ok = 0, goaway_protocol_error = 1, goaway_internal_error = 2 };

// The SPDY/3 header compression dictionary (1423 bytes), and its Adler-32 as it appears in the
// zlib header of each direction's first header block.
std::string_view dictionary();
inline constexpr std::uint32_t kDictionaryId = 0xE3C6A7C2;

struct Frame {
  FrameType type = FrameType::data;
  std::uint8_t flags = 0;
  std::uint32_t stream_id = 0;  // GOAWAY: the last good stream id; SETTINGS and PING: 0
  std::uint32_t associated_to = 0;  // SYN_STREAM
  std::uint8_t priority = 0;        // SYN_STREAM, 0 (highest) to 7
  std::uint32_t status = 0;         // RST_STREAM and GOAWAY
  std::uint32_t ping_id = 0;        // PING
  std::uint32_t delta_window = 0;   // WINDOW_UPDATE
  std::vector<std::pair<std::uint32_t, std::uint32_t>> settings;  // SETTINGS: (flags << 24 | id, value)
  Headers headers;                  // SYN_STREAM, SYN_REPLY, HEADERS
  std::string data;                 // DATA

  bool fin() const { return (flags & kFlagFin) != 0; }
  // The first value of a header (names are lower case on the wire), or nullopt.
  std::optional<std::string_view> header(std::string_view name) const;
};

// Input that is not SPDY/3 as the client writes it: wrong version, a frame whose length does not
// fit its type, a header block that does not inflate or parse. The connection cannot continue;
// answer with goaway(last_stream_id(), status()) and close.
class ProtocolError : public std::runtime_error {
 public:
  explicit ProtocolError(const std::string& what, std::uint32_t status = goaway_protocol_error)
      : std::runtime_error(what), status_(status) {}
  std::uint32_t status() const { return status_; }

 private:
  std::uint32_t status_;
};

// One endpoint's view of a connection: a decoder for what the peer sends and an encoder for what
// this side sends, each with its own header compression context. The server uses one; a test
// plays the client with a second Session and feeds one's output to the other.
class Session {
 public:
  // Frames longer than max_frame_length are rejected before they are buffered in full.
  explicit Session(std::size_t max_frame_length = kMaxFrameLength);
  ~Session();
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Appends bytes (any split: a frame may arrive a byte at a time) and returns every frame now
  // complete, in order. Unknown control frame types are skipped, as SPDY/3 requires. Throws
  // ProtocolError on malformed input; frames decoded earlier in the same call are dropped with
  // it, and every later call throws the same error again.
  std::vector<Frame> feed(std::string_view bytes);
  // Bytes received but not yet part of a complete frame.
  std::size_t buffered() const;
  // The highest stream id the peer has opened with SYN_STREAM (0 if none): GOAWAY's last good id.
  std::uint32_t last_stream_id() const;

  // Header-carrying frames share this side's compression context, so they must be written to the
  // connection in the order they are encoded.
  std::string syn_stream(std::uint32_t stream, const Headers& headers, bool fin, std::uint32_t associated_to = 0,
                         std::uint8_t priority = 0);
  std::string syn_reply(std::uint32_t stream, const Headers& headers, bool fin);
  std::string headers(std::uint32_t stream, const Headers& headers, bool fin);

  // Payloads over kMaxFrameLength become several frames, FIN on the last only.
  static std::string data(std::uint32_t stream, std::string_view payload, bool fin);
  static std::string rst_stream(std::uint32_t stream, std::uint32_t status);
  static std::string ping(std::uint32_t id);
  static std::string goaway(std::uint32_t last_good_stream, std::uint32_t status);

 private:
  struct Zlib;
  std::unique_ptr<Zlib> z_;
  std::string in_;
  std::size_t max_frame_length_;
  std::uint32_t last_stream_id_ = 0;
  std::optional<ProtocolError> failed_;

  std::optional<Frame> decode(std::uint32_t word0, std::uint8_t flags, std::string_view payload);
  Headers inflate_headers(std::string_view compressed);
  std::string deflate_headers(const Headers& headers);
  std::string header_frame(FrameType type, std::uint8_t flags, std::string_view prefix, const Headers& headers);
};

}  // namespace infra_dod::sandbox::kube::spdy
