// Copyright fleetsim authors.
//
// frame: the RDP/1 frame header (`!HBBIH`: magic, version, cmd, seq, body_len) and the
// splitter that cuts a received byte stream into frames. Pure: no I/O, no clock.
// Thread-compatible.

#ifndef FLEETSIM_TOOLS_TARGET_FRAME_H_
#define FLEETSIM_TOOLS_TARGET_FRAME_H_

#include <cstddef>
#include <cstdint>

namespace fleetsim::target {

inline constexpr uint16_t kMagic = 0x4653;  // "FS"
inline constexpr uint8_t kVersion = 1;
inline constexpr size_t kHeaderSize = 10;
inline constexpr size_t kMaxBody = 4096;
inline constexpr size_t kMaxFrame = kHeaderSize + kMaxBody;

// The decoded header of one frame. The body follows the header in the buffer.
struct FrameHeader {
  uint8_t cmd = 0;
  uint32_t seq = 0;
  uint16_t body_len = 0;
};

// What the bytes at the start of a buffer hold.
enum class ParseResult : uint8_t {
  kFrame,       // A complete frame: header and all body_len body bytes.
  kNeedMore,    // A valid prefix of a frame (possibly empty); more bytes must arrive.
  kBadMagic,    // The first two bytes are not 0x4653.
  kBadVersion,  // The third byte is not 1.
  kTooLong,     // body_len is over kMaxBody.
};
inline constexpr int kNumParseResults = 5;

// "frame", "need_more", "bad_magic", "bad_version", "too_long".
const char* ParseResultName(ParseResult r);

// Examines the frame starting at data[0]. A bad magic or version is reported as soon as
// the offending byte is present, so a stream of garbage is refused after two bytes, not
// after ten. On kFrame, *header is filled and the frame occupies
// kHeaderSize + header->body_len bytes. Header errors are checked in byte order (magic,
// then version, then length).
// REQUIRES: data points at `len` readable bytes (data may be null when len == 0).
ParseResult ParseFrame(const uint8_t* data, size_t len, FrameHeader* header);

// Writes a 10-byte header for a frame of `body_len` body bytes at out[0..10).
// REQUIRES: body_len <= kMaxBody.
void EncodeHeader(uint8_t cmd, uint32_t seq, uint16_t body_len, uint8_t* out);

// Delivers every complete frame at the start of data[0..len) to
// `on_frame(const FrameHeader&, const uint8_t* body)`, which returns false to stop early.
// *consumed is set to the bytes of the frames delivered. Returns:
//   kNeedMore  every complete frame was delivered; data[*consumed..len) is a frame prefix
//              (shorter than one frame) the caller keeps for the next read;
//   kFrame     on_frame returned false (the frame it saw counts as consumed);
//   kBad*      the frame at data[*consumed] has a bad header; nothing after it is read.
// The body pointer passed to on_frame is valid only during the call.
template <typename OnFrame>
ParseResult SplitFrames(const uint8_t* data, size_t len, size_t* consumed, OnFrame&& on_frame) {
  size_t off = 0;
  for (;;) {
    FrameHeader h;
    ParseResult r = ParseFrame(data + off, len - off, &h);
    if (r != ParseResult::kFrame) {
      *consumed = off;
      return r;
    }
    const uint8_t* body = data + off + kHeaderSize;
    off += kHeaderSize + h.body_len;
    if (!on_frame(h, body)) {
      *consumed = off;
      return ParseResult::kFrame;
    }
  }
}

}  // namespace fleetsim::target

#endif  // FLEETSIM_TOOLS_TARGET_FRAME_H_
