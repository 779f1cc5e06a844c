// Copyright fleetsim authors.

#include "tools/target/frame.h"

#include "tools/target/big_endian.h"

namespace fleetsim::target {

const char* ParseResultName(ParseResult r) {
  switch (r) {
    case ParseResult::kFrame:
      return "frame";
    case ParseResult::kNeedMore:
      return "need_more";
    case ParseResult::kBadMagic:
      return "bad_magic";
    case ParseResult::kBadVersion:
      return "bad_version";
    case ParseResult::kTooLong:
      return "too_long";
  }
  return "?";
}

ParseResult ParseFrame(const uint8_t* data, size_t len, FrameHeader* header) {
  // Checked as soon as each byte is there: a peer that sends garbage learns it at once
  // instead of holding a connection open until ten bytes trickle in.
  if (len >= 1 && data[0] != (kMagic >> 8)) return ParseResult::kBadMagic;
  if (len >= 2 && data[1] != (kMagic & 0xff)) return ParseResult::kBadMagic;
  if (len >= 3 && data[2] != kVersion) return ParseResult::kBadVersion;
  if (len < kHeaderSize) return ParseResult::kNeedMore;
  const uint16_t body_len = LoadBe16(data + 8);
  if (body_len > kMaxBody) return ParseResult::kTooLong;
  if (len < kHeaderSize + body_len) return ParseResult::kNeedMore;
  header->cmd = data[3];
  header->seq = LoadBe32(data + 4);
  header->body_len = body_len;
  return ParseResult::kFrame;
}

void EncodeHeader(uint8_t cmd, uint32_t seq, uint16_t body_len, uint8_t* out) {
  StoreBe16(out, kMagic);
  out[2] = kVersion;
  out[3] = cmd;
  StoreBe32(out + 4, seq);
  StoreBe16(out + 8, body_len);
}

}  // namespace fleetsim::target
