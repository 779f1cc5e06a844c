// Copyright fleetsim authors.

#include "src/framer.h"

#include <cstring>

namespace fleetsim {

CutResult CutFrame(const Framing& f, absl::string_view in, size_t* frame_len) {
  switch (f.kind) {
    case Framing::Kind::kFixed:
      if (in.size() < f.fixed_size) return CutResult::kNeedMore;
      *frame_len = f.fixed_size;
      return CutResult::kFrame;
    case Framing::Kind::kDelimiter: {
      size_t pos = in.find(f.delimiter);
      if (pos == absl::string_view::npos) {
        // Without a delimiter within max_frame bytes the peer is not speaking this protocol.
        return in.size() >= f.max_frame ? CutResult::kMalformed : CutResult::kNeedMore;
      }
      *frame_len = pos + f.delimiter.size();
      return *frame_len > f.max_frame ? CutResult::kMalformed : CutResult::kFrame;
    }
    case Framing::Kind::kLength: {
      if (in.size() < f.offset + f.width) return CutResult::kNeedMore;
      const auto* p = reinterpret_cast<const unsigned char*>(in.data()) + f.offset;
      uint64_t v = 0;
      for (uint32_t i = 0; i < f.width; ++i) {
        int shift = f.big_endian ? 8 * (f.width - 1 - i) : 8 * i;
        v |= static_cast<uint64_t>(p[i]) << shift;
      }
      // The whole frame must at least hold the length field itself.
      int64_t total = static_cast<int64_t>(v) + f.adjust;
      if (v > f.max_frame || total < static_cast<int64_t>(f.offset + f.width) ||
          total > static_cast<int64_t>(f.max_frame)) {
        return CutResult::kMalformed;
      }
      if (in.size() < static_cast<size_t>(total)) return CutResult::kNeedMore;
      *frame_len = static_cast<size_t>(total);
      return CutResult::kFrame;
    }
  }
  return CutResult::kMalformed;
}

}  // namespace fleetsim
