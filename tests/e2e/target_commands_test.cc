// Copyright fleetsim authors.
//
// fleetsim-target end to end: every RDP/1 command and status, framing corner cases, and
// counters that match what the client sent, exactly.

#include <sys/socket.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/e2e/target_e2e.h"
#include "tests/testlib/net.h"
#include "tests/testlib/rdp.h"

namespace fleetsim::testing {
namespace {

class TargetCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    target_ = StartTarget({"--max_connections=100", "--heartbeat_s=20"});
    ASSERT_NE(target_, nullptr);
  }
  std::unique_ptr<TargetServer> target_;
};

TEST_F(TargetCommandsTest, LoginHeartbeatLogout) {
  RdpClient c(target_->access_port());
  ASSERT_TRUE(c.ok());
  RdpMessage m;
  ASSERT_TRUE(c.Call(kRdpLogin, LoginBody(7), &m));
  EXPECT_EQ(m.magic, 0x4653);
  EXPECT_EQ(m.version, 1);
  EXPECT_EQ(m.cmd, 0x81);
  EXPECT_EQ(m.seq, 1u);
  ASSERT_EQ(m.body.size(), 7u);
  EXPECT_EQ(m.status(), 0);
  const uint32_t sid = GetBe32(m.body, 1);
  EXPECT_NE(sid, 0u);
  EXPECT_EQ(GetBe16(m.body, 5), 20);  // --heartbeat_s

  ASSERT_TRUE(c.Call(kRdpHeartbeat, Be32(sid), &m));
  EXPECT_EQ(m.cmd, 0x82);
  EXPECT_EQ(m.seq, 2u);
  EXPECT_EQ(m.status(), 0);
  const int64_t server_ms = static_cast<int64_t>(GetBe64(m.body, 1));
  EXPECT_NEAR(server_ms, absl::ToUnixMillis(absl::Now()), 5000);

  EXPECT_EQ(c.Logout(sid), 0);
  EXPECT_EQ(c.Heartbeat(sid), 3);
  EXPECT_EQ(c.Logout(sid), 3);
  EXPECT_EQ(c.Heartbeat(12345), 3);

  Json j = target_->Counters();
  EXPECT_EQ(Cmd(j, "LOGIN", "received"), 1u);
  EXPECT_EQ(Cmd(j, "LOGIN", "responded"), 1u);
  EXPECT_EQ(Cmd(j, "HEARTBEAT", "received"), 3u);
  EXPECT_EQ(Cmd(j, "HEARTBEAT", "responded"), 3u);
  EXPECT_EQ(Cmd(j, "HEARTBEAT", "rejected"), 2u);
  EXPECT_EQ(Cmd(j, "LOGOUT", "received"), 2u);
  EXPECT_EQ(Cmd(j, "LOGOUT", "rejected"), 1u);
  EXPECT_EQ(Get(j, "devices", "online"), 0);
  EXPECT_EQ(Get(j, "devices", "ever"), 1);
  EXPECT_EQ(Get(j, "sessions", "logged_out"), 1);
  EXPECT_EQ(Get(j, "connections", "open"), 1);
}

TEST_F(TargetCommandsTest, IdentityMismatchIsStatus1) {
  RdpClient c(target_->access_port());
  RdpMessage m;
  ASSERT_TRUE(c.Call(kRdpLogin, LoginBody(DeviceMac(8), DeviceSn(9)), &m));
  EXPECT_EQ(m.status(), 1);
  EXPECT_EQ(GetBe32(m.body, 1), 0u);
  std::string not_a_device = DeviceMac(8);
  not_a_device[0] = 0x00;
  ASSERT_TRUE(c.Call(kRdpLogin, LoginBody(not_a_device, DeviceSn(8)), &m));
  EXPECT_EQ(m.status(), 1);
  ASSERT_TRUE(c.Call(kRdpLogin, LoginBody(DeviceMac(8), "FS8"), &m));  // NUL-padded sn
  EXPECT_EQ(m.status(), 1);
  uint32_t sid = 0;
  EXPECT_EQ(c.Login(8, &sid), 0);  // the connection is still fine
  Json j = target_->Counters();
  EXPECT_EQ(Cmd(j, "LOGIN", "received"), 4u);
  EXPECT_EQ(Cmd(j, "LOGIN", "rejected"), 3u);
  EXPECT_EQ(Get(j, "devices", "ever"), 1);
  EXPECT_EQ(Get(j, "devices", "online"), 1);
}

TEST_F(TargetCommandsTest, ReportOnTheReportPortWithVariablePayloads) {
  RdpClient dev(target_->access_port());
  uint32_t sid = 0;
  ASSERT_EQ(dev.Login(3, &sid), 0);
  RdpClient rep(target_->report_port());
  uint64_t bytes = 0;
  uint32_t stored = 0;
  const std::vector<size_t> sizes = {0, 1, 100, 4090};  // 4090 + 6 = the 4096 maximum
  for (size_t i = 0; i < sizes.size(); ++i) {
    ASSERT_EQ(rep.Report(sid, std::string(sizes[i], 'r'), &stored), 0) << sizes[i];
    EXPECT_EQ(stored, i + 1);
    bytes += sizes[i];
  }
  EXPECT_EQ(rep.Report(sid + 1, "x"), 3);
  EXPECT_EQ(rep.Report(0, ""), 3);
  Json j = target_->Counters();
  EXPECT_EQ(Cmd(j, "REPORT", "received"), 6u);
  EXPECT_EQ(Cmd(j, "REPORT", "responded"), 6u);
  EXPECT_EQ(Cmd(j, "REPORT", "rejected"), 2u);
  EXPECT_EQ(j["report_payload_bytes"].get<uint64_t>(), bytes + 1);
  // A later session of the same device keeps counting its reports.
  ASSERT_EQ(dev.Login(3, &sid), 0);
  EXPECT_EQ(rep.Report(sid, "again", &stored), 0);
  EXPECT_EQ(stored, 5u);
}

TEST_F(TargetCommandsTest, UserLoginAndQuery) {
  RdpClient user(target_->user_port());
  RdpMessage m;
  ASSERT_TRUE(user.Call(kRdpUserLogin, UserLoginBody(4, UserToken(5)), &m));
  EXPECT_EQ(m.cmd, 0xA0);
  EXPECT_EQ(m.status(), 1);
  uint32_t usid = 0;
  ASSERT_EQ(user.UserLogin(4, &usid), 0);
  EXPECT_NE(usid, 0u);

  int online = -1;
  uint32_t secs = 99;
  EXPECT_EQ(user.Query(usid + 1, 11, &online), 3);  // unknown user session
  EXPECT_EQ(user.Query(usid, 11, &online, &secs), 0);
  EXPECT_EQ(online, 0);
  EXPECT_EQ(secs, 0u);

  RdpClient dev(target_->access_port());
  uint32_t sid = 0;
  ASSERT_EQ(dev.Login(11, &sid), 0);
  EXPECT_EQ(user.Query(usid, 11, &online, &secs), 0);
  EXPECT_EQ(online, 1);
  EXPECT_LE(secs, 1u);
  ASSERT_EQ(dev.Logout(sid), 0);
  EXPECT_EQ(user.Query(usid, 11, &online), 0);
  EXPECT_EQ(online, 0);

  Json j = target_->Counters();
  EXPECT_EQ(Cmd(j, "USER_LOGIN", "received"), 2u);
  EXPECT_EQ(Cmd(j, "USER_LOGIN", "rejected"), 1u);
  EXPECT_EQ(Cmd(j, "QUERY", "received"), 4u);
  EXPECT_EQ(Cmd(j, "QUERY", "rejected"), 1u);
  EXPECT_EQ(Get(j, "users", "ever"), 1);
  EXPECT_EQ(Get(j, "users", "online"), 1);
  user.conn().Close();
  ASSERT_TRUE(target_->WaitCounters([](const Json& c) { return Get(c, "users", "online") == 0; },
                                    absl::Seconds(5)));
}

TEST_F(TargetCommandsTest, UnknownCommandGetsError9AndTheConnectionStays) {
  RdpClient c(target_->access_port());
  RdpMessage m;
  ASSERT_TRUE(c.Call(0x55, "whatever", &m));
  EXPECT_EQ(m.cmd, kRdpError);
  EXPECT_EQ(m.seq, 1u);
  ASSERT_EQ(m.body.size(), 3u);
  EXPECT_EQ(m.status(), 9);
  EXPECT_EQ(GetBe16(m.body, 1), 0x55);
  ASSERT_TRUE(c.Call(0x81, "", &m));  // a response cmd sent as a request is unknown too
  EXPECT_EQ(GetBe16(m.body, 1), 0x81);
  uint32_t sid = 0;
  EXPECT_EQ(c.Login(1, &sid), 0);
  Json j = target_->Counters();
  EXPECT_EQ(Cmd(j, "UNKNOWN", "received"), 2u);
  EXPECT_EQ(Cmd(j, "UNKNOWN", "responded"), 2u);
  EXPECT_EQ(Cmd(j, "UNKNOWN", "rejected"), 2u);
  EXPECT_EQ(j["protocol_errors"], 0);
}

TEST_F(TargetCommandsTest, KnownCommandOnTheWrongPortGetsError9) {
  RdpClient rep(target_->report_port());
  RdpMessage m;
  ASSERT_TRUE(rep.Call(kRdpLogin, LoginBody(1), &m));
  EXPECT_EQ(m.cmd, kRdpError);
  EXPECT_EQ(m.status(), 9);
  EXPECT_EQ(GetBe16(m.body, 1), kRdpLogin);
  RdpClient acc(target_->access_port());
  ASSERT_TRUE(acc.Call(kRdpQuery, "short", &m));  // not its port: no body check either
  EXPECT_EQ(m.cmd, kRdpError);
  Json j = target_->Counters();
  EXPECT_EQ(Cmd(j, "LOGIN", "received"), 1u);
  EXPECT_EQ(Cmd(j, "LOGIN", "rejected"), 1u);
  EXPECT_EQ(Cmd(j, "QUERY", "received"), 1u);
  EXPECT_EQ(j["wrong_port"], 2);
  EXPECT_EQ(Get(j, "devices", "ever"), 0);
}

TEST_F(TargetCommandsTest, ProtocolErrorsCloseTheConnection) {
  const std::vector<std::string> bad = {
      RdpFrameRaw(0x4654, 1, kRdpLogin, 1, 0, ""),          // bad magic
      RdpFrameRaw(0x4653, 2, kRdpLogin, 1, 0, ""),          // bad version
      RdpFrameRaw(0x4653, 1, kRdpReport, 1, 4097, ""),      // body_len over 4096
      RdpFrame(kRdpLogin, 1, "too short"),                  // malformed LOGIN body
      RdpFrame(kRdpReport, 1, Be32(1) + Be16(10) + "abc"),  // payload length mismatch
  };
  const std::vector<int> ports = {target_->access_port(), target_->access_port(),
                                  target_->report_port(), target_->access_port(),
                                  target_->report_port()};
  for (size_t i = 0; i < bad.size(); ++i) {
    TestConn c;
    ASSERT_TRUE(c.Connect("127.0.0.1", ports[i]));
    ASSERT_TRUE(c.Send(bad[i]));
    EXPECT_TRUE(c.WaitClosed()) << i;
  }
  Json j;
  ASSERT_TRUE(target_->WaitCounters(
      [](const Json& c) { return Get(c, "connections", "open") == 0; }, absl::Seconds(5), &j));
  EXPECT_EQ(j["protocol_errors"], 5);
  EXPECT_EQ(Cmd(j, "LOGIN", "received"), 0u);
  EXPECT_EQ(Cmd(j, "REPORT", "received"), 0u);
}

TEST_F(TargetCommandsTest, PipelinedRequestsAndRequestsSplitAtEveryByte) {
  RdpClient c(target_->access_port());
  uint32_t sid = 0;
  ASSERT_EQ(c.Login(2, &sid), 0);
  std::string batch;
  for (uint32_t seq = 100; seq < 300; ++seq) batch += RdpFrame(kRdpHeartbeat, seq, Be32(sid));
  ASSERT_TRUE(c.conn().Send(batch));
  for (uint32_t seq = 100; seq < 300; ++seq) {
    RdpMessage m;
    ASSERT_TRUE(ReadRdp(c.conn(), &m)) << seq;
    EXPECT_EQ(m.seq, seq);
    EXPECT_EQ(m.status(), 0);
  }
  // One frame, one byte per write (TCP_NODELAY on the test client keeps them apart).
  const std::string one = RdpFrame(kRdpReport, 7, ReportBody(sid, "split"));
  RdpClient rep(target_->report_port());
  for (char ch : one) ASSERT_TRUE(rep.conn().Send(std::string(1, ch)));
  RdpMessage m;
  ASSERT_TRUE(ReadRdp(rep.conn(), &m));
  EXPECT_EQ(m.seq, 7u);
  EXPECT_EQ(m.status(), 0);
  Json j = target_->Counters();
  EXPECT_EQ(Cmd(j, "HEARTBEAT", "received"), 200u);
  EXPECT_EQ(Cmd(j, "HEARTBEAT", "responded"), 200u);
  EXPECT_EQ(Cmd(j, "REPORT", "received"), 1u);
}

TEST_F(TargetCommandsTest, ManyPipelinedRequestsFromASlowReader) {
  // More requests than the output queue's high-water mark, sent before reading any reply:
  // the server stops reading until the client catches up, and loses nothing.
  RdpClient c(target_->access_port());
  const uint32_t kN = 5000;
  std::string batch;
  for (uint32_t seq = 0; seq < kN; ++seq) batch += RdpFrame(kRdpHeartbeat, seq, Be32(1));
  ASSERT_TRUE(c.conn().Send(batch));
  for (uint32_t seq = 0; seq < kN; ++seq) {
    RdpMessage m;
    ASSERT_TRUE(ReadRdp(c.conn(), &m)) << seq;
    ASSERT_EQ(m.seq, seq);
  }
  Json j = target_->Counters();
  EXPECT_EQ(Cmd(j, "HEARTBEAT", "received"), kN);
  EXPECT_EQ(Cmd(j, "HEARTBEAT", "responded"), kN);
}

TEST_F(TargetCommandsTest, SecondLoginReplacesTheFirstSession) {
  RdpClient a(target_->access_port());
  RdpClient b(target_->access_port());
  uint32_t sid_a = 0, sid_b = 0;
  ASSERT_EQ(a.Login(50, &sid_a), 0);
  ASSERT_EQ(b.Login(50, &sid_b), 0);
  EXPECT_NE(sid_a, sid_b);
  EXPECT_EQ(a.Heartbeat(sid_a), 3);
  EXPECT_EQ(b.Heartbeat(sid_b), 0);
  Json j = target_->Counters();
  EXPECT_EQ(Get(j, "sessions", "replaced"), 1);
  EXPECT_EQ(Get(j, "devices", "online"), 1);
  EXPECT_EQ(Get(j, "devices", "ever"), 1);
  // Closing the first connection does not end the session that replaced it.
  a.conn().Close();
  ASSERT_TRUE(target_->WaitCounters(
      [](const Json& c) { return Get(c, "connections", "open") == 1; }, absl::Seconds(5), &j));
  EXPECT_EQ(Get(j, "devices", "online"), 1);
  EXPECT_EQ(b.Heartbeat(sid_b), 0);
}

TEST_F(TargetCommandsTest, ClosingTheAccessConnectionEndsTheSession) {
  uint32_t sid = 0;
  {
    RdpClient dev(target_->access_port());
    ASSERT_EQ(dev.Login(60, &sid), 0);
  }
  Json j;
  ASSERT_TRUE(target_->WaitCounters([](const Json& c) { return Get(c, "devices", "online") == 0; },
                                    absl::Seconds(5), &j));
  EXPECT_EQ(Get(j, "sessions", "conn_closed"), 1);
  RdpClient rep(target_->report_port());
  EXPECT_EQ(rep.Report(sid, "late"), 3);
}

TEST_F(TargetCommandsTest, CountsAreExactWhenClientsLeaveRightAfterSending) {
  // Every connection sends its requests in one write and closes without reading a byte.
  const int kConns = 30;
  uint64_t payload = 0;
  for (int i = 0; i < kConns; ++i) {
    TestConn acc, rep, usr;
    ASSERT_TRUE(acc.Connect("127.0.0.1", target_->access_port()));
    ASSERT_TRUE(rep.Connect("127.0.0.1", target_->report_port()));
    ASSERT_TRUE(usr.Connect("127.0.0.1", target_->user_port()));
    std::string a = RdpFrame(kRdpLogin, 1, LoginBody(1000 + i));
    for (int k = 0; k < 8; ++k) a += RdpFrame(kRdpHeartbeat, 2 + k, Be32(k));
    a += RdpFrame(0x42, 10, "?") + RdpFrame(kRdpLogout, 11, Be32(0));
    std::string r;
    for (int k = 0; k < 5; ++k) {
      r += RdpFrame(kRdpReport, k, ReportBody(k, std::string(k * 7, 'p')));
      payload += k * 7;
    }
    const std::string u = RdpFrame(kRdpUserLogin, 1, UserLoginBody(i, UserToken(i))) +
                          RdpFrame(kRdpQuery, 2, QueryBody(1, DeviceMac(i)));
    ASSERT_TRUE(acc.Send(a));
    ASSERT_TRUE(rep.Send(r));
    ASSERT_TRUE(usr.Send(u));
  }  // all closed here
  Json j;
  ASSERT_TRUE(target_->WaitCounters(
      [&](const Json& c) {
        return Get(c, "connections", "accepted") == 3 * kConns &&
               Get(c, "connections", "open") == 0;
      },
      absl::Seconds(10), &j))
      << j.dump();
  EXPECT_EQ(Cmd(j, "LOGIN", "received"), uint64_t{kConns});
  EXPECT_EQ(Cmd(j, "HEARTBEAT", "received"), uint64_t{8 * kConns});
  EXPECT_EQ(Cmd(j, "UNKNOWN", "received"), uint64_t{kConns});
  EXPECT_EQ(Cmd(j, "LOGOUT", "received"), uint64_t{kConns});
  EXPECT_EQ(Cmd(j, "REPORT", "received"), uint64_t{5 * kConns});
  EXPECT_EQ(Cmd(j, "USER_LOGIN", "received"), uint64_t{kConns});
  EXPECT_EQ(Cmd(j, "QUERY", "received"), uint64_t{kConns});
  EXPECT_EQ(j["report_payload_bytes"].get<uint64_t>(), payload);
  for (const char* cmd :
       {"LOGIN", "HEARTBEAT", "LOGOUT", "REPORT", "USER_LOGIN", "QUERY", "UNKNOWN"}) {
    // No faults configured: every request was either answered or lost with its connection.
    EXPECT_EQ(Cmd(j, cmd, "responded") + Cmd(j, cmd, "unanswered"), Cmd(j, cmd, "received")) << cmd;
    EXPECT_EQ(Cmd(j, cmd, "faulted"), 0u) << cmd;
  }
  EXPECT_EQ(Get(j, "devices", "ever"), kConns);
  EXPECT_EQ(Get(j, "devices", "online"), 0);
  EXPECT_EQ(Get(j, "users", "online"), 0);
  EXPECT_EQ(j["protocol_errors"], 0);
}

TEST_F(TargetCommandsTest, AHalfClosedClientStillGetsItsResponses) {
  RdpClient c(target_->access_port());
  std::string batch;
  for (uint32_t seq = 1; seq <= 3; ++seq) batch += RdpFrame(kRdpHeartbeat, seq, Be32(9));
  ASSERT_TRUE(c.conn().Send(batch));
  ASSERT_EQ(shutdown(c.conn().fd(), SHUT_WR), 0);
  for (uint32_t seq = 1; seq <= 3; ++seq) {
    RdpMessage m;
    ASSERT_TRUE(ReadRdp(c.conn(), &m)) << seq;
    EXPECT_EQ(m.seq, seq);
  }
  EXPECT_TRUE(c.conn().WaitClosed());
}

}  // namespace
}  // namespace fleetsim::testing
