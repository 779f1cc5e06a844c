// Copyright fleetsim authors.

#include <string>

#include "gtest/gtest.h"
#include "tests/testlib/rdp.h"
#include "tools/target/service.h"
#include "tools/target/shared_region.h"

namespace fleetsim::target {
namespace {

using testing::Be32;
using testing::DeviceMac;
using testing::DeviceSn;
using testing::GetBe16;
using testing::GetBe32;
using testing::GetBe64;
using testing::LoginBody;
using testing::QueryBody;
using testing::ReportBody;
using testing::UserLoginBody;
using testing::UserToken;

constexpr int kHeartbeatS = 2;  // ttl 6 s

std::string BodyOf(const Reply& r) {
  return std::string(reinterpret_cast<const char*>(r.body), r.body_len);
}

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = SharedRegion::Create(1, 100, 100);
    ASSERT_TRUE(r.ok());
    region_ = std::move(*r);
    service_ = std::make_unique<Service>(kHeartbeatS, region_.devices(3000 * kHeartbeatS),
                                         region_.users(0), &region_.slot(0));
  }
  Reply Call(Port port, Command cmd, const std::string& body, uint32_t held = 0,
             int64_t now_ms = 1000) {
    return service_->Handle(port, cmd, CommandByte(cmd),
                            reinterpret_cast<const uint8_t*>(body.data()), body.size(), held,
                            now_ms, 1700000000000);
  }
  uint64_t Count(Counter c) { return region_.slot(0).Get(c); }

  SharedRegion region_;
  std::unique_ptr<Service> service_;
};

TEST_F(ServiceTest, LoginHeartbeatLogout) {
  Reply login = Call(Port::kAccess, Command::kLogin, LoginBody(5));
  EXPECT_EQ(login.cmd, 0x81);
  EXPECT_EQ(login.status, RdpStatus::kOk);
  ASSERT_EQ(login.body_len, 7);
  const uint32_t sid = GetBe32(BodyOf(login), 1);
  EXPECT_EQ(GetBe16(BodyOf(login), 5), kHeartbeatS);
  EXPECT_EQ(login.held, HeldChange::kSet);
  EXPECT_EQ(login.held_sid, sid);

  Reply hb = Call(Port::kAccess, Command::kHeartbeat, Be32(sid), sid, 2000);
  EXPECT_EQ(hb.cmd, 0x82);
  EXPECT_EQ(hb.status, RdpStatus::kOk);
  ASSERT_EQ(hb.body_len, 9);
  EXPECT_EQ(GetBe64(BodyOf(hb), 1), 1700000000000u);
  EXPECT_EQ(hb.held, HeldChange::kRefreshed);

  Reply out = Call(Port::kAccess, Command::kLogout, Be32(sid), sid, 3000);
  EXPECT_EQ(out.cmd, 0x83);
  EXPECT_EQ(out.status, RdpStatus::kOk);
  EXPECT_EQ(out.body_len, 1);
  EXPECT_EQ(out.held, HeldChange::kCleared);
  EXPECT_EQ(Call(Port::kAccess, Command::kHeartbeat, Be32(sid)).status, RdpStatus::kUnknownSession);
  EXPECT_EQ(Count(Counter::kDeviceSessionsStarted), 1u);
  EXPECT_EQ(Count(Counter::kDeviceSessionsEnded), 1u);
  EXPECT_EQ(Count(Counter::kSessionsLoggedOut), 1u);
  EXPECT_EQ(Count(Counter::kDevicesEver), 1u);
}

TEST_F(ServiceTest, IdentityMismatchIsStatusOne) {
  Reply r = Call(Port::kAccess, Command::kLogin, LoginBody(DeviceMac(1), DeviceSn(2)));
  EXPECT_EQ(r.status, RdpStatus::kBadIdentity);
  EXPECT_EQ(GetBe32(BodyOf(r), 1), 0u);
  EXPECT_EQ(r.held, HeldChange::kNone);
  EXPECT_EQ(Count(Counter::kDevicesEver), 0u);
}

TEST_F(ServiceTest, ReportCountsPerDeviceAndRejectsUnknownSessions) {
  const uint32_t sid = Call(Port::kAccess, Command::kLogin, LoginBody(8)).held_sid;
  for (uint32_t i = 1; i <= 3; ++i) {
    Reply r = Call(Port::kReport, Command::kReport, ReportBody(sid, std::string(i * 10, 'p')));
    EXPECT_EQ(r.cmd, 0x90);
    EXPECT_EQ(r.status, RdpStatus::kOk);
    EXPECT_EQ(GetBe32(BodyOf(r), 1), i);
  }
  EXPECT_EQ(Count(Counter::kReportPayloadBytes), 60u);
  EXPECT_EQ(Call(Port::kReport, Command::kReport, ReportBody(sid + 1, "")).status,
            RdpStatus::kUnknownSession);
}

TEST_F(ServiceTest, UserLoginAndQuery) {
  Reply bad = Call(Port::kUser, Command::kUserLogin, UserLoginBody(3, UserToken(4)));
  EXPECT_EQ(bad.status, RdpStatus::kBadIdentity);
  Reply ok = Call(Port::kUser, Command::kUserLogin, UserLoginBody(3, UserToken(3)));
  EXPECT_EQ(ok.cmd, 0xA0);
  ASSERT_EQ(ok.status, RdpStatus::kOk);
  const uint32_t usid = GetBe32(BodyOf(ok), 1);
  EXPECT_EQ(Count(Counter::kUsersEver), 1u);

  Reply unknown = Call(Port::kUser, Command::kQuery, QueryBody(usid + 1, DeviceMac(8)));
  EXPECT_EQ(unknown.status, RdpStatus::kUnknownSession);

  Reply offline = Call(Port::kUser, Command::kQuery, QueryBody(usid, DeviceMac(8)));
  EXPECT_EQ(offline.cmd, 0xA1);
  EXPECT_EQ(offline.status, RdpStatus::kOk);
  EXPECT_EQ(offline.body[1], 0);

  Call(Port::kAccess, Command::kLogin, LoginBody(8), 0, 1000);
  Reply online = Call(Port::kUser, Command::kQuery, QueryBody(usid, DeviceMac(8)), 0, 3500);
  EXPECT_EQ(online.body[1], 1);
  EXPECT_EQ(GetBe32(BodyOf(online), 2), 2u);  // 2.5 s since its LOGIN, in whole seconds
  // 3 intervals (6 s) of silence: offline, and the expiry is counted once.
  Reply expired = Call(Port::kUser, Command::kQuery, QueryBody(usid, DeviceMac(8)), 0, 7001);
  EXPECT_EQ(expired.body[1], 0);
  EXPECT_EQ(Count(Counter::kSessionsExpired), 1u);
  EXPECT_EQ(Count(Counter::kDeviceSessionsEnded), 1u);
}

TEST_F(ServiceTest, UnknownCommandAndWrongPortGetError9) {
  Reply r = service_->Handle(Port::kAccess, Command::kUnknown, 0x55, nullptr, 0, 0, 0, 0);
  EXPECT_EQ(r.cmd, 0xFF);
  EXPECT_EQ(r.status, RdpStatus::kUnknownCommand);
  EXPECT_EQ(BodyOf(r), std::string("\x09\x00\x55", 3));
  Reply w = Call(Port::kReport, Command::kLogin, LoginBody(1));
  EXPECT_EQ(w.cmd, 0xFF);
  EXPECT_EQ(BodyOf(w), std::string("\x09\x00\x01", 3));
  EXPECT_EQ(Count(Counter::kWrongPort), 1u);
  EXPECT_EQ(Count(Counter::kDevicesEver), 0u);
}

TEST_F(ServiceTest, ReloginOnTheSameConnectionEndsItsSession) {
  const uint32_t a = Call(Port::kAccess, Command::kLogin, LoginBody(1)).held_sid;
  Reply b = Call(Port::kAccess, Command::kLogin, LoginBody(2), /*held=*/a);
  EXPECT_EQ(b.status, RdpStatus::kOk);
  EXPECT_EQ(Call(Port::kAccess, Command::kHeartbeat, Be32(a)).status, RdpStatus::kUnknownSession);
  EXPECT_EQ(Count(Counter::kSessionsReplaced), 1u);
  EXPECT_EQ(Count(Counter::kDeviceSessionsStarted) - Count(Counter::kDeviceSessionsEnded), 1u);
  service_->EndHeld(Port::kAccess, b.held_sid, 1000);
  EXPECT_EQ(Count(Counter::kSessionsConnClosed), 1u);
  EXPECT_EQ(Count(Counter::kDeviceSessionsStarted) - Count(Counter::kDeviceSessionsEnded), 0u);
}

TEST_F(ServiceTest, BusyReplyIsALoginAckWithStatusTwo) {
  Reply r = service_->Busy();
  EXPECT_EQ(r.cmd, 0x81);
  EXPECT_EQ(r.status, RdpStatus::kBusy);
  EXPECT_EQ(r.body_len, 7);
  EXPECT_EQ(r.body[0], 2);
}

}  // namespace
}  // namespace fleetsim::target
