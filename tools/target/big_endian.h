// Copyright fleetsim authors.
//
// big_endian: loads and stores of network-order integers at unaligned byte pointers. Every
// RDP/1 field is big-endian. Pure, header-only.

#ifndef FLEETSIM_TOOLS_TARGET_BIG_ENDIAN_H_
#define FLEETSIM_TOOLS_TARGET_BIG_ENDIAN_H_

#include <cstdint>

namespace fleetsim::target {

// REQUIRES: p points at 2 (4, 8) readable bytes.
inline uint16_t LoadBe16(const uint8_t* p) {
  return static_cast<uint16_t>((uint16_t{p[0]} << 8) | p[1]);
}
inline uint32_t LoadBe32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
inline uint64_t LoadBe64(const uint8_t* p) {
  return (uint64_t{LoadBe32(p)} << 32) | LoadBe32(p + 4);
}

// REQUIRES: p points at 2 (4, 8) writable bytes.
inline void StoreBe16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline void StoreBe32(uint8_t* p, uint32_t v) {
  StoreBe16(p, static_cast<uint16_t>(v >> 16));
  StoreBe16(p + 2, static_cast<uint16_t>(v));
}
inline void StoreBe64(uint8_t* p, uint64_t v) {
  StoreBe32(p, static_cast<uint32_t>(v >> 32));
  StoreBe32(p + 4, static_cast<uint32_t>(v));
}

}  // namespace fleetsim::target

#endif  // FLEETSIM_TOOLS_TARGET_BIG_ENDIAN_H_
