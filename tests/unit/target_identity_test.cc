// Copyright fleetsim authors.

#include <string>

#include "gtest/gtest.h"
#include "tests/testlib/rdp.h"
#include "tools/target/identity.h"

namespace fleetsim::target {
namespace {

using testing::DeviceMac;
using testing::DeviceSn;
using testing::UserToken;

const uint8_t* B(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

TEST(IdentityTest, AcceptsMatchingMacAndSn) {
  for (uint32_t i : {0u, 7u, 123456u, 0xFFFFFFFFu}) {
    uint32_t device = 1;
    EXPECT_TRUE(CheckDeviceIdentity(B(DeviceMac(i)), B(DeviceSn(i)), &device)) << i;
    EXPECT_EQ(device, i);
  }
}

TEST(IdentityTest, RefusesMismatches) {
  uint32_t device;
  EXPECT_FALSE(CheckDeviceIdentity(B(DeviceMac(8)), B(DeviceSn(9)), &device));
  // Not a device mac (must start 02:00).
  std::string mac = DeviceMac(5);
  mac[0] = 0x00;
  EXPECT_FALSE(CheckDeviceIdentity(B(mac), B(DeviceSn(5)), &device));
  mac = DeviceMac(5);
  mac[1] = 0x01;
  EXPECT_FALSE(CheckDeviceIdentity(B(mac), B(DeviceSn(5)), &device));
  // Bad prefix, non-digits, NUL padding.
  std::string sn = DeviceSn(5);
  sn[0] = 'f';
  EXPECT_FALSE(CheckDeviceIdentity(B(DeviceMac(5)), B(sn), &device));
  sn = DeviceSn(5);
  sn[10] = 'x';
  EXPECT_FALSE(CheckDeviceIdentity(B(DeviceMac(5)), B(sn), &device));
  std::string short_sn = "FS5";
  short_sn.resize(16, '\0');
  EXPECT_FALSE(CheckDeviceIdentity(B(DeviceMac(5)), B(short_sn), &device));
  // The sn's number is above 2^32 but its low bits equal the mac's: still a mismatch.
  EXPECT_FALSE(CheckDeviceIdentity(B(DeviceMac(5)), B(std::string("FS00004294967301")), &device));
}

TEST(IdentityTest, DeviceFromMac) {
  uint32_t device = 0;
  EXPECT_TRUE(DeviceFromMac(B(DeviceMac(0x01020304)), &device));
  EXPECT_EQ(device, 0x01020304u);
  EXPECT_FALSE(DeviceFromMac(B(std::string("\x00\x11\x22\x33\x44\x55", 6)), &device));
}

TEST(IdentityTest, UserTokens) {
  for (uint32_t u : {0u, 3u, 0xABCDEFu, 0xFFFFFFFFu}) {
    EXPECT_TRUE(CheckUserToken(u, B(UserToken(u)))) << u;
    EXPECT_FALSE(CheckUserToken(u + 1, B(UserToken(u)))) << u;
  }
  EXPECT_EQ(UserToken(3), "tok-0000000000000000000000000003");
  std::string upper = UserToken(0xABCDEF);
  for (char& ch : upper) ch = static_cast<char>(toupper(ch));
  EXPECT_FALSE(CheckUserToken(0xABCDEF, B(upper)));  // lowercase hex only
  std::string nul(32, '\0');
  EXPECT_FALSE(CheckUserToken(0, B(nul)));
}

}  // namespace
}  // namespace fleetsim::target
