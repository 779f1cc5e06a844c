// Copyright fleetsim authors.
//
// identity: the RDP/1 identity rules. Device i has mac 02:00 + i (4 bytes big-endian) and
// sn "FS" + i in 14 zero-padded decimal digits; user u has token "tok-" + u in 28
// zero-padded lowercase hex digits. Pure.

#ifndef FLEETSIM_TOOLS_TARGET_IDENTITY_H_
#define FLEETSIM_TOOLS_TARGET_IDENTITY_H_

#include <cstdint>

namespace fleetsim::target {

inline constexpr int kMacSize = 6;
inline constexpr int kSnSize = 16;
inline constexpr int kTokenSize = 32;

// Returns true iff `mac` is a device mac (starts 02:00); sets *device to its last 4 bytes.
// REQUIRES: mac points at kMacSize bytes.
bool DeviceFromMac(const uint8_t* mac, uint32_t* device);

// Returns true iff mac is a device mac and sn is "FS" followed by 14 decimal digits whose
// value equals the mac's device number; sets *device. A NUL-padded or otherwise short sn
// does not match: every valid sn fills all 16 bytes.
// REQUIRES: mac points at kMacSize bytes, sn at kSnSize bytes.
bool CheckDeviceIdentity(const uint8_t* mac, const uint8_t* sn, uint32_t* device);

// Returns true iff token is exactly "tok-" + `user` in 28 lowercase hex digits.
// REQUIRES: token points at kTokenSize bytes.
bool CheckUserToken(uint32_t user, const uint8_t* token);

}  // namespace fleetsim::target

#endif  // FLEETSIM_TOOLS_TARGET_IDENTITY_H_
