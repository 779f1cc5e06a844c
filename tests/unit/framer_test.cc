// Copyright fleetsim authors.

#include "src/framer.h"

#include <string>

#include "gtest/gtest.h"

namespace fleetsim {
namespace {

Framing Rdp() {  // "!HBBIH": body_len at offset 8 counts what follows it
  Framing f;
  f.kind = Framing::Kind::kLength;
  f.offset = 8;
  f.width = 2;
  f.big_endian = true;
  f.adjust = 10;
  f.max_frame = 4106;
  return f;
}

std::string RdpFrame(uint16_t body_len, char fill = 'x') {
  std::string f = {'\x46',
                   '\x53',
                   1,
                   2,
                   0,
                   0,
                   0,
                   7,
                   static_cast<char>(body_len >> 8),
                   static_cast<char>(body_len & 0xff)};
  f.append(body_len, fill);
  return f;
}

TEST(FramerTest, LengthFieldWholeFrame) {
  std::string f = RdpFrame(4);
  size_t len = 0;
  ASSERT_EQ(CutFrame(Rdp(), f, &len), CutResult::kFrame);
  EXPECT_EQ(len, 14u);
}

TEST(FramerTest, LengthFieldSplitAtEveryByte) {
  std::string f = RdpFrame(9);
  for (size_t cut = 0; cut < f.size(); ++cut) {
    size_t len = 0;
    EXPECT_EQ(CutFrame(Rdp(), absl::string_view(f).substr(0, cut), &len), CutResult::kNeedMore)
        << cut;
  }
}

TEST(FramerTest, SeveralFramesInOneRead) {
  std::string s = RdpFrame(1) + RdpFrame(0) + RdpFrame(300) + RdpFrame(2).substr(0, 5);
  absl::string_view v = s;
  std::vector<size_t> lens;
  size_t len;
  while (CutFrame(Rdp(), v, &len) == CutResult::kFrame) {
    lens.push_back(len);
    v.remove_prefix(len);
  }
  EXPECT_EQ(lens, (std::vector<size_t>{11, 10, 310}));
  EXPECT_EQ(v.size(), 5u);
}

TEST(FramerTest, OversizedLengthIsMalformed) {
  std::string f = RdpFrame(0);
  f[8] = '\x10';  // 4096 + 1 = 4097 > 4096 body
  f[9] = '\x01';
  size_t len;
  EXPECT_EQ(CutFrame(Rdp(), f, &len), CutResult::kMalformed);
}

TEST(FramerTest, LittleEndianCountsAll) {
  Framing f;
  f.kind = Framing::Kind::kLength;
  f.offset = 0;
  f.width = 2;
  f.big_endian = false;
  f.adjust = 0;  // counts: all
  f.max_frame = 100;
  size_t len;
  std::string s = {'\x05', '\x00', 'a', 'b', 'c', 'd'};
  ASSERT_EQ(CutFrame(f, s, &len), CutResult::kFrame);
  EXPECT_EQ(len, 5u);
  std::string tiny = {'\x01', '\x00'};  // a frame cannot be shorter than its length field
  EXPECT_EQ(CutFrame(f, tiny, &len), CutResult::kMalformed);
}

TEST(FramerTest, Delimiter) {
  Framing f;
  f.kind = Framing::Kind::kDelimiter;
  f.delimiter = "\r\n";
  f.max_frame = 8;
  size_t len;
  EXPECT_EQ(CutFrame(f, "PING", &len), CutResult::kNeedMore);
  EXPECT_EQ(CutFrame(f, "PING\r", &len), CutResult::kNeedMore);
  ASSERT_EQ(CutFrame(f, "PING\r\nPO", &len), CutResult::kFrame);
  EXPECT_EQ(len, 6u);
  EXPECT_EQ(CutFrame(f, "TOOLONGLINE", &len), CutResult::kMalformed);
}

TEST(FramerTest, Fixed) {
  Framing f;
  f.kind = Framing::Kind::kFixed;
  f.fixed_size = 3;
  size_t len;
  EXPECT_EQ(CutFrame(f, "ab", &len), CutResult::kNeedMore);
  ASSERT_EQ(CutFrame(f, "abcd", &len), CutResult::kFrame);
  EXPECT_EQ(len, 3u);
}

}  // namespace
}  // namespace fleetsim
