// The SPDY/3.1 codec the emulator's port-forward speaks, on literal bytes: what it decodes from
// kubectl's own frames, what it writes back, and how it refuses input that is not SPDY/3.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <random>
#include <string>

#include "kube/spdy.h"

namespace {

using namespace infra_dod::sandbox::kube::spdy;

std::string unhex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

// What kubectl v1.32.4 wrote on a plain SPDY upgrade for one forwarded connection to port 80
// whose server answered with "boom" on the error stream: the error stream's SYN_STREAM (which
// starts the client's zlib stream), its half-close, the data stream's SYN_STREAM, the local
// bytes, then on the error the reset of the data stream and GOAWAY.
const std::string kKubectlErrorSyn = unhex(
    "800300010000003d0000000100000000000078f9e3c6a7c202253a703a2b294a4dcc851625aca9a0808614cb45a024cc6461c0c0c0c0590"
    "489c44c50e2663400000000ffff");
const std::string kKubectlErrorFin = unhex("0000000101000000");
const std::string kKubectlDataSyn = unhex("800300010000001a00000003000000000000826a25a406d56850299508000000ffff");
const std::string kKubectlHello = unhex("000000030000000568656c6c6f");
const std::string kKubectlReset = unhex("80030003000000080000000300000005");
const std::string kKubectlGoaway = unhex("80030007000000080000000000000000");
// Its keep-alive PING, five seconds after the upgrade.
const std::string kKubectlPing = unhex("800300060000000400000001");

Headers sorted(Headers h) {
  std::sort(h.begin(), h.end());
  return h;
}

template <typename F>
std::string protocol_error_of(F&& f) {
  try {
    f();
  } catch (const ProtocolError& e) {
    return e.what();
  }
  return "";
}

TEST(Spdy, TheFramesKubectlWritesForOneForwardedConnectionDecode) {
  Session server;
  const auto frames = server.feed(kKubectlErrorSyn + kKubectlErrorFin + kKubectlDataSyn + kKubectlHello +
                                  kKubectlReset + kKubectlGoaway);
  ASSERT_EQ(frames.size(), 6u);

  EXPECT_EQ(frames[0].type, FrameType::syn_stream);
  EXPECT_EQ(frames[0].stream_id, 1u);
  EXPECT_FALSE(frames[0].fin());
  EXPECT_EQ(sorted(frames[0].headers), (Headers{{"port", "80"}, {"requestid", "0"}, {"streamtype", "error"}}));

  EXPECT_EQ(frames[1].type, FrameType::data);
  EXPECT_EQ(frames[1].stream_id, 1u);
  EXPECT_TRUE(frames[1].fin());
  EXPECT_EQ(frames[1].data, "");

  EXPECT_EQ(frames[2].type, FrameType::syn_stream);
  EXPECT_EQ(frames[2].stream_id, 3u);
  EXPECT_EQ(frames[2].header("streamtype"), "data");
  EXPECT_EQ(frames[2].header("port"), "80");
  EXPECT_EQ(frames[2].header("requestid"), "0");
  EXPECT_EQ(frames[2].header("missing"), std::nullopt);

  EXPECT_EQ(frames[3].type, FrameType::data);
  EXPECT_EQ(frames[3].data, "hello");
  EXPECT_FALSE(frames[3].fin());

  EXPECT_EQ(frames[4].type, FrameType::rst_stream);
  EXPECT_EQ(frames[4].stream_id, 3u);
  EXPECT_EQ(frames[4].status, cancel);

  EXPECT_EQ(frames[5].type, FrameType::goaway);
  EXPECT_EQ(frames[5].stream_id, 0u);
  EXPECT_EQ(frames[5].status, goaway_ok);

  EXPECT_EQ(server.last_stream_id(), 3u);
  EXPECT_EQ(server.buffered(), 0u);
}

TEST(Spdy, ASynStreamsHeadersSurviveTheRoundTripThroughTheSharedZlibStream) {
  Session client;
  Session server;
  const Headers error = {{"streamtype", "error"}, {"port", "5432"}, {"requestid", "7"}};
  const Headers data = {{"streamtype", "data"}, {"port", "5432"}, {"requestid", "7"}};
  const std::string first = client.syn_stream(1, error, false);
  const std::string second = client.syn_stream(3, data, false);
  const std::string third = client.syn_stream(5, error, true, 0, 7);

  // Later blocks lean on what the stream has already seen, so they come out shorter...
  EXPECT_LT(third.size(), first.size());
  // ...and cannot be read by a decoder that did not see the earlier ones.
  Session stranger;
  EXPECT_NE(protocol_error_of([&] { stranger.feed(second); }), "");

  auto frames = server.feed(first);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].headers, error);
  frames = server.feed(second + third);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].stream_id, 3u);
  EXPECT_EQ(frames[0].headers, data);
  EXPECT_EQ(frames[1].stream_id, 5u);
  EXPECT_EQ(frames[1].headers, error);
  EXPECT_TRUE(frames[1].fin());
  EXPECT_EQ(frames[1].priority, 7);
  EXPECT_EQ(server.last_stream_id(), 5u);
}

TEST(Spdy, TheServersRepliesDecodeOnTheClientSideInOrder) {
  Session server;
  Session client;
  std::string wire = server.syn_reply(1, {}, false);
  wire += server.syn_reply(3, {{"x-note", "ok"}}, false);
  wire += server.headers(3, {{"x-more", "1"}}, true);
  const auto frames = client.feed(wire);
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0].type, FrameType::syn_reply);
  EXPECT_EQ(frames[0].stream_id, 1u);
  EXPECT_TRUE(frames[0].headers.empty());
  EXPECT_EQ(frames[1].headers, (Headers{{"x-note", "ok"}}));
  EXPECT_EQ(frames[2].type, FrameType::headers);
  EXPECT_TRUE(frames[2].fin());
  EXPECT_EQ(frames[2].headers, (Headers{{"x-more", "1"}}));
}

TEST(Spdy, TheFirstReplyOpensTheServersZlibStreamWithTheDictionaryIdAsGoWritesIt) {
  Session server;
  const std::string reply = server.syn_reply(1, {}, false);
  // Control bit, version 3, type 2; no flags; stream 1; then the zlib header Go's
  // NewWriterLevelDict(BestCompression) writes: 78 F9 (FDICT set) and the dictionary's Adler-32.
  EXPECT_EQ(reply.substr(0, 4), unhex("80030002"));
  EXPECT_EQ(static_cast<std::size_t>(static_cast<unsigned char>(reply[7])), reply.size() - 8);
  EXPECT_EQ(reply.substr(8, 4), unhex("00000001"));
  EXPECT_EQ(reply.substr(12, 6), unhex("78f9e3c6a7c2"));
  // Sync-flushed: the block ends on the empty stored block marker.
  EXPECT_EQ(reply.substr(reply.size() - 4), unhex("0000ffff"));
  // kubectl's own stream starts the same way.
  EXPECT_EQ(kKubectlErrorSyn.substr(18, 6), unhex("78f9e3c6a7c2"));
}

TEST(Spdy, TheDictionaryIsTheSpdy3OneByLengthAndAdler32) {
  const std::string_view dict = dictionary();
  EXPECT_EQ(dict.size(), 1423u);
  const auto adler = adler32(adler32(0, nullptr, 0), reinterpret_cast<const Bytef*>(dict.data()),
                             static_cast<uInt>(dict.size()));
  EXPECT_EQ(adler, 0xE3C6A7C2u);
  EXPECT_EQ(adler, kDictionaryId);
  EXPECT_EQ(dict.substr(0, 11), std::string_view("\0\0\0\7options", 11));
  EXPECT_EQ(dict.substr(dict.size() - 7), ",enq=0.");
}

TEST(Spdy, DataFramesCarryTheirPayloadAndFinAsTheClientReadsThem) {
  EXPECT_EQ(Session::data(3, "world", true), unhex("0000000301000005") + "world");
  EXPECT_EQ(Session::data(1, "", true), unhex("0000000101000000"));
  EXPECT_EQ(Session::data(3, "abc", false), unhex("0000000300000003") + "abc");

  Session client;
  const auto frames = client.feed(Session::data(3, "world", false) + Session::data(3, "", true));
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].data, "world");
  EXPECT_FALSE(frames[0].fin());
  EXPECT_EQ(frames[1].data, "");
  EXPECT_TRUE(frames[1].fin());
}

TEST(Spdy, APayloadLongerThanOneFrameIsSplitWithFinOnlyOnTheLast) {
  const std::string big(kMaxFrameLength + 10, 'x');
  Session client;
  const auto frames = client.feed(Session::data(5, big, true));
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].data.size(), kMaxFrameLength);
  EXPECT_FALSE(frames[0].fin());
  EXPECT_EQ(frames[1].data.size(), 10u);
  EXPECT_TRUE(frames[1].fin());
}

TEST(Spdy, FramesFedOneByteAtATimeComeOutWhenTheirLastByteArrives) {
  Session client;
  const std::string syn = client.syn_stream(1, {{"streamtype", "data"}, {"port", "80"}}, false);
  const std::string data = Session::data(1, "payload", true);
  const std::string ping = Session::ping(2);
  const std::string wire = syn + data + ping;

  Session server;
  std::vector<Frame> got;
  std::vector<std::size_t> completed_at;
  for (std::size_t i = 0; i < wire.size(); ++i) {
    for (auto& f : server.feed(wire.substr(i, 1))) {
      got.push_back(std::move(f));
      completed_at.push_back(i + 1);
    }
  }
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(completed_at, (std::vector<std::size_t>{syn.size(), syn.size() + data.size(), wire.size()}));
  EXPECT_EQ(got[0].header("port"), "80");
  EXPECT_EQ(got[1].data, "payload");
  EXPECT_TRUE(got[1].fin());
  EXPECT_EQ(got[2].type, FrameType::ping);
  EXPECT_EQ(got[2].ping_id, 2u);
  EXPECT_EQ(server.buffered(), 0u);
}

TEST(Spdy, APingIsEchoedWithTheSameBytes) {
  Session server;
  const auto frames = server.feed(kKubectlPing);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].type, FrameType::ping);
  EXPECT_EQ(frames[0].ping_id, 1u);
  EXPECT_EQ(Session::ping(frames[0].ping_id), kKubectlPing);
}

TEST(Spdy, ResetAndGoawayHaveTheirFixedEightByteBodies) {
  EXPECT_EQ(Session::rst_stream(3, cancel), kKubectlReset);
  EXPECT_EQ(Session::goaway(0, goaway_ok), kKubectlGoaway);
  EXPECT_EQ(Session::rst_stream(5, refused_stream), unhex("800300030000000800000005" "00000003"));
  EXPECT_EQ(Session::goaway(7, goaway_protocol_error), unhex("800300070000000800000007" "00000001"));
}

TEST(Spdy, RepeatedHeaderNamesAreSentOnceJoinedByNulAndComeBackAsSeparatePairs) {
  Session server;
  Session client;
  const auto frames = client.feed(server.syn_reply(1, {{"X-Tag", "a"}, {"other", "z"}, {"x-tag", "b"}}, false));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].headers, (Headers{{"x-tag", "a"}, {"x-tag", "b"}, {"other", "z"}}));
}

TEST(Spdy, ControlFramesOfUnknownTypeAreSkipped) {
  Session server;
  // A SPDY/2-era NOOP (type 5) with a body, then a PING.
  const auto frames = server.feed(unhex("8003000500000002abcd") + Session::ping(9));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].ping_id, 9u);
}

TEST(Spdy, SettingsAndWindowUpdatesDecodeThoughKubectlSendsNeither) {
  Session server;
  const auto frames = server.feed(unhex("80030004000000140000000201000004000003e800000007000100008003000900000008"
                                        "0000000100001000"));
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].type, FrameType::settings);
  EXPECT_EQ(frames[0].settings,
            (std::vector<std::pair<std::uint32_t, std::uint32_t>>{{0x01000004, 1000}, {7, 65536}}));
  EXPECT_EQ(frames[1].type, FrameType::window_update);
  EXPECT_EQ(frames[1].stream_id, 1u);
  EXPECT_EQ(frames[1].delta_window, 4096u);
}

TEST(Spdy, ATruncatedFrameWaitsForTheRestInsteadOfFailing) {
  Session server;
  EXPECT_TRUE(server.feed(kKubectlErrorSyn.substr(0, 20)).empty());
  EXPECT_EQ(server.buffered(), 20u);
  const auto frames = server.feed(kKubectlErrorSyn.substr(20));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].header("streamtype"), "error");
}

TEST(Spdy, AnotherSpdyVersionIsAProtocolErrorAndTheSessionStaysFailed) {
  Session server;
  const std::string v2 = unhex("800200060000000400000001");
  EXPECT_EQ(protocol_error_of([&] { server.feed(v2); }), "unsupported SPDY version 2 (expected 3)");
  EXPECT_EQ(protocol_error_of([&] { server.feed(kKubectlPing); }), "unsupported SPDY version 2 (expected 3)");
  bool threw = false;
  try {
    server.feed("");
  } catch (const ProtocolError& e) {
    threw = true;
    EXPECT_EQ(e.status(), goaway_protocol_error);
  }
  EXPECT_TRUE(threw);
}

TEST(Spdy, AFrameLongerThanTheLimitIsRefusedFromItsHeaderAlone) {
  Session server(1024);
  EXPECT_EQ(protocol_error_of([&] { server.feed(unhex("0000000100000401")); }),
            "frame of 1025 bytes exceeds the limit of 1024");
  Session full;
  EXPECT_TRUE(full.feed(unhex("0000000100ffffff")).empty());  // 16 MiB - 1 is allowed; still waiting
}

TEST(Spdy, MalformedFramesAreProtocolErrorsNotCrashes) {
  const auto error_of = [](const std::string& bytes) {
    Session s;
    return protocol_error_of([&] { s.feed(bytes); });
  };
  EXPECT_EQ(error_of(unhex("0000000000000001") + "x"), "DATA frame on stream 0");
  EXPECT_EQ(error_of(unhex("8003000600000003000000")), "PING frame has a bad length of 3");
  EXPECT_EQ(error_of(unhex("80030003000000040000000100000000")), "RST_STREAM frame has a bad length of 4");
  EXPECT_EQ(error_of(unhex("800300040000000c000000020000000000000000")), "SETTINGS frame has a bad length of 12");
  // A header block that is not a zlib stream at all.
  EXPECT_NE(error_of(unhex("800300010000000e000000010000000000000102030405")), "");
  // A zlib stream primed with some other dictionary (its id is 00000001).
  EXPECT_EQ(error_of(unhex("800300020000000a0000000178f900000001")),
            "header block wants a compression dictionary other than SPDY/3's");
  // A SYN_STREAM without a header block.
  EXPECT_EQ(error_of(unhex("800300010000000a00000001000000000000")), "header block is truncated");
}

TEST(Spdy, ABlockThatInflatesButDoesNotParseIsAProtocolError) {
  // A well-compressed block claiming two entries but holding one.
  z_stream z{};
  ASSERT_EQ(deflateInit(&z, Z_BEST_COMPRESSION), Z_OK);
  ASSERT_EQ(deflateSetDictionary(&z, reinterpret_cast<const Bytef*>(dictionary().data()),
                                 static_cast<uInt>(dictionary().size())),
            Z_OK);
  std::string block = unhex("00000002000000016100000001") + "b";
  block += std::string(16, 'p');
  std::string out(256, '\0');
  z.next_in = reinterpret_cast<Bytef*>(block.data());
  z.avail_in = static_cast<uInt>(block.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  ASSERT_EQ(deflate(&z, Z_SYNC_FLUSH), Z_OK);
  out.resize(out.size() - z.avail_out);
  deflateEnd(&z);
  std::string frame = unhex("80030002");
  const std::size_t length = 4 + out.size();
  frame += static_cast<char>(0);
  frame += static_cast<char>(0);
  frame += static_cast<char>(length >> 8);
  frame += static_cast<char>(length & 0xff);
  frame += unhex("00000001") + out;
  Session client;
  EXPECT_EQ(protocol_error_of([&] { client.feed(frame); }), "header block is truncated");
}

TEST(Spdy, RandomBytesNeverCrashTheDecoder) {
  std::mt19937 rng(20240601);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> len(0, 64);
  int errors = 0;
  for (int round = 0; round < 3000; ++round) {
    Session s(4096);
    // Half the rounds start with a valid frame so the garbage lands on a live zlib stream.
    std::string wire = round % 2 ? kKubectlErrorSyn : std::string();
    const int n = len(rng);
    for (int i = 0; i < n; ++i) wire.push_back(static_cast<char>(byte(rng)));
    // Every third round aims at the header-block path: a SYN_STREAM with a random body.
    if (round % 3 == 0) {
      std::string body(10 + static_cast<std::size_t>(n), '\0');
      for (auto& c : body) c = static_cast<char>(byte(rng));
      body[0] = 0;  // a non-zero stream id
      body[3] = 1;
      wire += unhex("80030001");
      wire += '\0';
      wire += '\0';
      wire += static_cast<char>(body.size() >> 8);
      wire += static_cast<char>(body.size() & 0xff);
      wire += body;
    }
    try {
      for (std::size_t i = 0; i < wire.size(); i += 7) s.feed(std::string_view(wire).substr(i, 7));
    } catch (const ProtocolError&) {
      ++errors;
    }
  }
  EXPECT_GT(errors, 0);
}

}  // namespace
