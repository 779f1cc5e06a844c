// Copyright fleetsim authors.

#include "tools/target/identity.h"

#include "tools/target/big_endian.h"

namespace fleetsim::target {

bool DeviceFromMac(const uint8_t* mac, uint32_t* device) {
  if (mac[0] != 0x02 || mac[1] != 0x00) return false;
  *device = LoadBe32(mac + 2);
  return true;
}

bool CheckDeviceIdentity(const uint8_t* mac, const uint8_t* sn, uint32_t* device) {
  uint32_t from_mac;
  if (!DeviceFromMac(mac, &from_mac)) return false;
  if (sn[0] != 'F' || sn[1] != 'S') return false;
  uint64_t n = 0;  // 14 digits fit easily
  for (int i = 2; i < kSnSize; ++i) {
    if (sn[i] < '0' || sn[i] > '9') return false;
    n = n * 10 + (sn[i] - '0');
  }
  if (n != from_mac) return false;
  *device = from_mac;
  return true;
}

bool CheckUserToken(uint32_t user, const uint8_t* token) {
  static constexpr char kPrefix[] = "tok-";
  for (int i = 0; i < 4; ++i) {
    if (token[i] != static_cast<uint8_t>(kPrefix[i])) return false;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  // 28 hex digits, most significant first; a u32 uses the last 8, the rest are '0'.
  for (int i = 0; i < 28; ++i) {
    const int shift = 4 * (27 - i);
    const uint32_t nibble = shift >= 32 ? 0 : (user >> shift) & 0xf;
    if (token[4 + i] != static_cast<uint8_t>(kHex[nibble])) return false;
  }
  return true;
}

}  // namespace fleetsim::target
