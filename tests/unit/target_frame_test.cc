// Copyright fleetsim authors.

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/testlib/rdp.h"
#include "tools/target/frame.h"

namespace fleetsim::target {
namespace {

using testing::RdpFrame;
using testing::RdpFrameRaw;

const uint8_t* Bytes(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

struct Seen {
  uint8_t cmd;
  uint32_t seq;
  std::string body;
  bool operator==(const Seen& o) const { return cmd == o.cmd && seq == o.seq && body == o.body; }
};

// Feeds `stream` in the given chunk sizes the way the worker does: a partial frame left
// by one chunk is carried in front of the next. Returns every frame seen, and the result
// of the last split.
ParseResult FeedInChunks(const std::string& stream, const std::vector<size_t>& chunks,
                         std::vector<Seen>* seen) {
  std::string carry;
  size_t pos = 0;
  ParseResult r = ParseResult::kNeedMore;
  for (size_t n : chunks) {
    std::string buf = carry + stream.substr(pos, n);
    pos += n;
    size_t used = 0;
    r = SplitFrames(Bytes(buf), buf.size(), &used, [&](const FrameHeader& h, const uint8_t* b) {
      seen->push_back({h.cmd, h.seq, std::string(reinterpret_cast<const char*>(b), h.body_len)});
      return true;
    });
    if (r != ParseResult::kNeedMore) return r;
    carry = buf.substr(used);
  }
  EXPECT_TRUE(carry.empty()) << carry.size() << " bytes left over";
  return r;
}

TEST(FrameTest, ParsesAWholeFrame) {
  const std::string f = RdpFrame(0x02, 0xA1B2C3D4, std::string("\x00\x00\x00\x07", 4));
  FrameHeader h;
  ASSERT_EQ(ParseFrame(Bytes(f), f.size(), &h), ParseResult::kFrame);
  EXPECT_EQ(h.cmd, 0x02);
  EXPECT_EQ(h.seq, 0xA1B2C3D4u);
  EXPECT_EQ(h.body_len, 4);
}

TEST(FrameTest, EmptyBodyAndMaximumBody) {
  FrameHeader h;
  const std::string empty = RdpFrame(0x7f, 1, "");
  EXPECT_EQ(ParseFrame(Bytes(empty), empty.size(), &h), ParseResult::kFrame);
  EXPECT_EQ(h.body_len, 0);
  const std::string max = RdpFrame(0x10, 2, std::string(kMaxBody, 'x'));
  EXPECT_EQ(ParseFrame(Bytes(max), max.size(), &h), ParseResult::kFrame);
  EXPECT_EQ(h.body_len, kMaxBody);
  EXPECT_EQ(ParseFrame(Bytes(max), max.size() - 1, &h), ParseResult::kNeedMore);
}

TEST(FrameTest, EveryPrefixOfAFrameNeedsMore) {
  const std::string f = RdpFrame(0x01, 9, std::string(24, 'a'));
  FrameHeader h;
  for (size_t n = 0; n < f.size(); ++n) {
    EXPECT_EQ(ParseFrame(Bytes(f), n, &h), ParseResult::kNeedMore) << "prefix " << n;
  }
}

TEST(FrameTest, SplitAtEveryByteDeliversTheSameFrames) {
  const std::string stream = RdpFrame(0x01, 1, std::string(24, 'a')) + RdpFrame(0x02, 2, "bbbb") +
                             RdpFrame(0x99, 3, "") + RdpFrame(0x10, 4, std::string(300, 'c'));
  const std::vector<Seen> want = {{0x01, 1, std::string(24, 'a')},
                                  {0x02, 2, "bbbb"},
                                  {0x99, 3, ""},
                                  {0x10, 4, std::string(300, 'c')}};
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    std::vector<Seen> seen;
    EXPECT_EQ(FeedInChunks(stream, {cut, stream.size() - cut}, &seen), ParseResult::kNeedMore);
    EXPECT_EQ(seen, want) << "cut at " << cut;
  }
  std::vector<Seen> seen;  // one byte at a time
  EXPECT_EQ(FeedInChunks(stream, std::vector<size_t>(stream.size(), 1), &seen),
            ParseResult::kNeedMore);
  EXPECT_EQ(seen, want);
}

TEST(FrameTest, SeveralFramesInOneReadAndATrailingPartial) {
  std::string stream;
  for (uint32_t i = 0; i < 100; ++i) stream += RdpFrame(0x02, i, testing::Be32(i));
  const std::string partial = RdpFrame(0x02, 100, "xxxx").substr(0, 7);
  const std::string buf = stream + partial;
  size_t used = 0;
  uint32_t next = 0;
  ParseResult r =
      SplitFrames(Bytes(buf), buf.size(), &used, [&](const FrameHeader& h, const uint8_t*) {
        EXPECT_EQ(h.seq, next++);
        return true;
      });
  EXPECT_EQ(r, ParseResult::kNeedMore);
  EXPECT_EQ(next, 100u);
  EXPECT_EQ(used, stream.size());
}

TEST(FrameTest, StopsWhenTheCallbackAsks) {
  const std::string buf = RdpFrame(1, 1, "") + RdpFrame(1, 2, "") + RdpFrame(1, 3, "");
  size_t used = 0;
  int calls = 0;
  ParseResult r =
      SplitFrames(Bytes(buf), buf.size(), &used, [&](const FrameHeader& h, const uint8_t*) {
        ++calls;
        return h.seq != 2;
      });
  EXPECT_EQ(r, ParseResult::kFrame);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(used, 2 * kHeaderSize);
}

TEST(FrameTest, BadMagicIsCaughtAtTheFirstWrongByte) {
  FrameHeader h;
  const std::string bad0 = RdpFrameRaw(0x4753, 1, 1, 1, 0, "");
  EXPECT_EQ(ParseFrame(Bytes(bad0), 1, &h), ParseResult::kBadMagic);
  const std::string bad1 = RdpFrameRaw(0x4654, 1, 1, 1, 0, "");
  EXPECT_EQ(ParseFrame(Bytes(bad1), 1, &h), ParseResult::kNeedMore);
  EXPECT_EQ(ParseFrame(Bytes(bad1), 2, &h), ParseResult::kBadMagic);
  const std::string http = "GET / HTTP/1.1\r\n\r\n";
  EXPECT_EQ(ParseFrame(Bytes(http), http.size(), &h), ParseResult::kBadMagic);
}

TEST(FrameTest, BadVersion) {
  FrameHeader h;
  for (uint8_t v : {0, 2, 255}) {
    const std::string f = RdpFrameRaw(0x4653, v, 1, 1, 0, "");
    EXPECT_EQ(ParseFrame(Bytes(f), 3, &h), ParseResult::kBadVersion) << int{v};
    EXPECT_EQ(ParseFrame(Bytes(f), f.size(), &h), ParseResult::kBadVersion) << int{v};
  }
}

TEST(FrameTest, OversizedBodyIsRefusedFromTheHeaderAlone) {
  FrameHeader h;
  for (uint16_t len : {4097, 0xffff}) {
    const std::string f = RdpFrameRaw(0x4653, 1, 0x10, 1, len, "");
    EXPECT_EQ(ParseFrame(Bytes(f), f.size(), &h), ParseResult::kTooLong) << len;
  }
}

TEST(FrameTest, ABadFrameAfterGoodOnesStopsTheSplit) {
  const std::string good = RdpFrame(1, 1, "ab");
  const std::string buf = good + RdpFrameRaw(0x4653, 7, 1, 2, 0, "") + RdpFrame(1, 3, "");
  size_t used = 0;
  int calls = 0;
  ParseResult r =
      SplitFrames(Bytes(buf), buf.size(), &used, [&](const FrameHeader&, const uint8_t*) {
        ++calls;
        return true;
      });
  EXPECT_EQ(r, ParseResult::kBadVersion);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(used, good.size());
}

TEST(FrameTest, EncodeHeaderRoundTrips) {
  uint8_t out[kHeaderSize];
  EncodeHeader(0x81, 0x01020304, 7, out);
  const std::string want = RdpFrameRaw(0x4653, 1, 0x81, 0x01020304, 7, "");
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out), kHeaderSize), want);
  EXPECT_STREQ(ParseResultName(ParseResult::kTooLong), "too_long");
}

}  // namespace
}  // namespace fleetsim::target
