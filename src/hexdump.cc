// Copyright fleetsim authors.

#include "src/hexdump.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/str_format.h"

namespace fleetsim {

std::string HexDump(absl::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  // 10 offset + 49 hex + 1 + 18 ASCII + newline: about 78 bytes per 16 input bytes.
  std::string out;
  out.reserve((bytes.size() + 15) / 16 * 80);
  for (size_t line = 0; line < bytes.size(); line += 16) {
    const size_t n = std::min<size_t>(16, bytes.size() - line);
    absl::StrAppendFormat(&out, "%08x  ", line);
    for (size_t i = 0; i < 16; ++i) {
      if (i < n) {
        const uint8_t b = static_cast<uint8_t>(bytes[line + i]);
        out += kHex[b >> 4];
        out += kHex[b & 0xf];
        out += ' ';
      } else {
        out += "   ";
      }
      if (i == 7) out += ' ';
    }
    out += " |";
    for (size_t i = 0; i < n; ++i) {
      const char c = bytes[line + i];
      out += c >= 0x20 && c <= 0x7e ? c : '.';
    }
    out += "|\n";
  }
  return out;
}

}  // namespace fleetsim
