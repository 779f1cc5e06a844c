// Copyright fleetsim authors.
//
// fleetsim-target end to end: each fault flag, observed on the wire and in the counters.

#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/e2e/target_e2e.h"
#include "tests/testlib/net.h"
#include "tests/testlib/rdp.h"

namespace fleetsim::testing {
namespace {

constexpr size_t kHeartbeatAckSize = 10 + 9;

TEST(TargetFaultsTest, BusyRatioRefusesLoginsWithStatus2) {
  auto t = StartTarget({"--procs=1", "--busy_ratio=1"});
  ASSERT_NE(t, nullptr);
  RdpClient c(t->access_port());
  RdpMessage m;
  ASSERT_TRUE(c.Call(kRdpLogin, LoginBody(1), &m));
  EXPECT_EQ(m.cmd, 0x81);
  EXPECT_EQ(m.status(), 2);
  EXPECT_EQ(GetBe32(m.body, 1), 0u);
  ASSERT_TRUE(c.Call(kRdpLogin, LoginBody(DeviceMac(1), DeviceSn(2)), &m));
  EXPECT_EQ(m.status(), 2);      // busy is decided before the identity check
  EXPECT_EQ(c.Heartbeat(1), 3);  // only LOGIN is refused as busy
  Json j = t->Counters();
  EXPECT_EQ(Get(j, "faults", "busy"), 2);
  EXPECT_EQ(Cmd(j, "LOGIN", "received"), 2u);
  EXPECT_EQ(Cmd(j, "LOGIN", "responded"), 2u);
  EXPECT_EQ(Cmd(j, "LOGIN", "rejected"), 2u);
  EXPECT_EQ(Cmd(j, "LOGIN", "faulted"), 2u);
  EXPECT_EQ(Cmd(j, "HEARTBEAT", "faulted"), 0u);
  EXPECT_EQ(Get(j, "devices", "ever"), 0);
}

TEST(TargetFaultsTest, DropRatioSendsNothing) {
  auto t = StartTarget({"--procs=1", "--drop_ratio=1"});
  ASSERT_NE(t, nullptr);
  RdpClient c(t->access_port());
  c.Send(kRdpLogin, LoginBody(4));
  c.Send(kRdpHeartbeat, Be32(1));
  ASSERT_TRUE(t->WaitCounters([](const Json& j) { return Get(j, "faults", "dropped") == 2; },
                              absl::Seconds(5)));
  EXPECT_TRUE(NothingArrives(c.conn(), absl::Milliseconds(200)));
  Json j = t->Counters();
  EXPECT_EQ(Cmd(j, "LOGIN", "faulted"), 1u);
  EXPECT_EQ(Cmd(j, "LOGIN", "responded"), 0u);
  EXPECT_EQ(Cmd(j, "HEARTBEAT", "faulted"), 1u);
  EXPECT_EQ(Get(j, "devices", "online"), 1);  // the request was executed; only its reply lost
  EXPECT_EQ(Get(j, "connections", "open"), 1);
}

TEST(TargetFaultsTest, GarbageRatioSendsBytesThatAreNotAFrame) {
  auto t = StartTarget({"--procs=1", "--garbage_ratio=1"});
  ASSERT_NE(t, nullptr);
  RdpClient c(t->access_port());
  c.Send(kRdpHeartbeat, Be32(1));
  std::string got;
  ASSERT_TRUE(c.conn().ReadExact(kHeartbeatAckSize, &got));  // as long as the real reply
  EXPECT_NE(GetBe16(got, 0), 0x4653);
  EXPECT_TRUE(NothingArrives(c.conn(), absl::Milliseconds(100)));
  Json j = t->Counters();
  EXPECT_EQ(Get(j, "faults", "garbage"), 1);
  EXPECT_EQ(Cmd(j, "HEARTBEAT", "faulted"), 1u);
  EXPECT_EQ(Cmd(j, "HEARTBEAT", "responded"), 0u);
}

TEST(TargetFaultsTest, CloseRatioClosesInsteadOfAnswering) {
  auto t = StartTarget({"--procs=1", "--close_ratio=1"});
  ASSERT_NE(t, nullptr);
  RdpClient c(t->access_port());
  c.Send(kRdpLogin, LoginBody(9));
  c.Send(kRdpHeartbeat, Be32(1));  // after the close: never served
  EXPECT_TRUE(c.conn().WaitClosed());
  Json j;
  ASSERT_TRUE(t->WaitCounters([](const Json& c) { return Get(c, "connections", "open") == 0; },
                              absl::Seconds(5), &j));
  EXPECT_EQ(Get(j, "faults", "closed"), 1);
  EXPECT_EQ(Cmd(j, "LOGIN", "faulted"), 1u);
  EXPECT_EQ(Cmd(j, "LOGIN", "responded"), 0u);
  EXPECT_EQ(Cmd(j, "HEARTBEAT", "received"), 0u);
  EXPECT_EQ(Get(j, "devices", "online"), 0);  // its access connection closed
  EXPECT_EQ(Get(j, "sessions", "conn_closed"), 1);
}

TEST(TargetFaultsTest, DelayHoldsEveryResponseAndKeepsTheirOrder) {
  auto t = StartTarget({"--procs=1", "--delay_ms=300"});
  ASSERT_NE(t, nullptr);
  RdpClient c(t->access_port());
  const absl::Time sent = absl::Now();
  std::string batch;
  for (uint32_t seq = 1; seq <= 5; ++seq) batch += RdpFrame(kRdpHeartbeat, seq, Be32(1));
  ASSERT_TRUE(c.conn().Send(batch));
  for (uint32_t seq = 1; seq <= 5; ++seq) {
    RdpMessage m;
    ASSERT_TRUE(ReadRdp(c.conn(), &m));
    EXPECT_EQ(m.seq, seq);
  }
  const absl::Duration took = absl::Now() - sent;
  EXPECT_GE(took, absl::Milliseconds(300));
  EXPECT_LT(took, absl::Seconds(3));
  Json j = t->Counters();
  EXPECT_EQ(Get(j, "faults", "delayed"), 5);
  EXPECT_EQ(Cmd(j, "HEARTBEAT", "responded"), 5u);
  EXPECT_EQ(Cmd(j, "HEARTBEAT", "faulted"), 0u);  // late is not faulted: the reply is valid
}

TEST(TargetFaultsTest, DelayJitterSpreadsResponsesOverItsRange) {
  auto t = StartTarget({"--procs=1", "--delay_ms=150", "--delay_jitter_ms=100"});
  ASSERT_NE(t, nullptr);
  // One request on each of many connections, sent together; each reply is timed as it
  // arrives (polling all connections at once), so one slow reply does not delay the others'.
  const int kConns = 30;
  std::vector<std::unique_ptr<RdpClient>> conns;
  for (int i = 0; i < kConns; ++i) {
    conns.push_back(std::make_unique<RdpClient>(t->access_port()));
    ASSERT_TRUE(conns.back()->ok());
  }
  std::vector<absl::Time> sent_at(kConns);
  for (int i = 0; i < kConns; ++i) {
    sent_at[i] = absl::Now();
    conns[i]->Send(kRdpHeartbeat, Be32(1));
  }
  absl::Duration lo = absl::InfiniteDuration(), hi = absl::ZeroDuration();
  std::vector<bool> done(kConns, false);
  int left = kConns;
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (left > 0 && absl::Now() < deadline) {
    std::vector<pollfd> fds;
    for (int i = 0; i < kConns; ++i) fds.push_back({conns[i]->conn().fd(), POLLIN, 0});
    if (poll(fds.data(), fds.size(), 50) <= 0) continue;
    const absl::Time now = absl::Now();
    for (int i = 0; i < kConns; ++i) {
      if (done[i] || !(fds[i].revents & POLLIN)) continue;
      RdpMessage m;
      ASSERT_TRUE(ReadRdp(conns[i]->conn(), &m));
      lo = std::min(lo, now - sent_at[i]);
      hi = std::max(hi, now - sent_at[i]);
      done[i] = true;
      --left;
    }
  }
  ASSERT_EQ(left, 0);
  // Uniform in [50, 250] ms: 30 draws all above 120 (or all below 180) has odds ~1e-6.
  EXPECT_GE(lo, absl::Milliseconds(50));
  EXPECT_LT(lo, absl::Milliseconds(120));
  EXPECT_GT(hi, absl::Milliseconds(180));
  EXPECT_LT(hi, absl::Milliseconds(1000));
  Json j = t->Counters();
  EXPECT_EQ(Get(j, "faults", "delayed"), kConns);
  EXPECT_EQ(Cmd(j, "HEARTBEAT", "responded"), uint64_t{kConns});
}

TEST(TargetFaultsTest, FragmentWritesArriveInSmallSeparatePieces) {
  auto t = StartTarget({"--procs=1", "--fragment_writes"});
  ASSERT_NE(t, nullptr);
  RdpClient c(t->access_port());
  std::string batch;
  for (uint32_t seq = 1; seq <= 3; ++seq) batch += RdpFrame(kRdpHeartbeat, seq, Be32(1));
  ASSERT_TRUE(c.conn().Send(batch));
  std::string got;
  const std::vector<size_t> pieces = ReadPieces(c.conn(), 3 * kHeartbeatAckSize, &got);
  ASSERT_EQ(got.size(), 3 * kHeartbeatAckSize);
  // 57 bytes in 1-3 byte writes 1 ms apart: at least 19 writes. A busy reader may merge a
  // few, but far from all.
  EXPECT_GE(pieces.size(), 10u);
  size_t small = 0;
  for (size_t p : pieces) small += p <= 3;
  EXPECT_GE(small, pieces.size() / 2);
  for (uint32_t seq = 1; seq <= 3; ++seq) {  // reassembled, they are the three replies
    const std::string frame = got.substr((seq - 1) * kHeartbeatAckSize, kHeartbeatAckSize);
    EXPECT_EQ(GetBe16(frame, 0), 0x4653);
    EXPECT_EQ(static_cast<uint8_t>(frame[3]), 0x82);
    EXPECT_EQ(GetBe32(frame, 4), seq);
  }
  Json j = t->Counters();
  EXPECT_EQ(Get(j, "faults", "fragmented"), 3);
  EXPECT_EQ(Cmd(j, "HEARTBEAT", "responded"), 3u);
}

TEST(TargetFaultsTest, StallHoldsEveryResponseUntilTheWindowEnds) {
  // The window opens at start and lasts 1.5 s; everything answered in it is released
  // together when it closes, and nothing is lost.
  auto t = StartTarget({"--procs=2", "--stall_at_s=0", "--stall_for_s=1.5"});
  ASSERT_NE(t, nullptr);
  ASSERT_LT(t->ready_after_ms(), 1000) << "started too slowly to test inside the window";
  const int kConns = 6;
  std::vector<std::unique_ptr<RdpClient>> conns;
  for (int i = 0; i < kConns; ++i) {
    conns.push_back(std::make_unique<RdpClient>(t->access_port()));
    ASSERT_TRUE(conns.back()->ok());
    conns.back()->Send(kRdpLogin, LoginBody(i));
  }
  std::vector<absl::Time> got_at;
  for (auto& c : conns) {
    RdpMessage m;
    ASSERT_TRUE(ReadRdp(c->conn(), &m));
    EXPECT_EQ(m.status(), 0);
    got_at.push_back(absl::Now());
  }
  const absl::Time window_end = t->spawned_at() + absl::Milliseconds(1500);
  for (const absl::Time& at : got_at) EXPECT_GE(at, window_end);
  EXPECT_LT(got_at.back() - got_at.front(), absl::Milliseconds(300));  // released together
  // After the window: answered at once.
  const absl::Time before = absl::Now();
  EXPECT_EQ(conns[0]->Heartbeat(1), 3);
  EXPECT_LT(absl::Now() - before, absl::Milliseconds(500));
  Json j = t->Counters();
  EXPECT_EQ(Get(j, "faults", "stalled"), kConns);
  EXPECT_EQ(Cmd(j, "LOGIN", "responded"), uint64_t{kConns});
  EXPECT_EQ(Cmd(j, "HEARTBEAT", "responded"), 1u);
  EXPECT_EQ(Get(j, "devices", "online"), kConns);
}

TEST(TargetFaultsTest, MixedFaultsStillAddUpExactly) {
  auto t =
      StartTarget({"--procs=2", "--seed=7", "--drop_ratio=0.2", "--garbage_ratio=0.2",
                   "--close_ratio=0.1", "--busy_ratio=0.3", "--delay_ms=5", "--delay_jitter_ms=5"});
  ASSERT_NE(t, nullptr);
  const int kConns = 40;
  for (int i = 0; i < kConns; ++i) {
    TestConn c;
    ASSERT_TRUE(c.Connect("127.0.0.1", t->access_port()));
    std::string batch = RdpFrame(kRdpLogin, 1, LoginBody(i));
    for (uint32_t k = 0; k < 5; ++k) batch += RdpFrame(kRdpHeartbeat, 2 + k, Be32(k));
    ASSERT_TRUE(c.Send(batch));
    c.WaitClosed(absl::Milliseconds(50));  // read whatever comes for a moment, then leave
  }
  Json j;
  ASSERT_TRUE(t->WaitCounters([](const Json& c) { return Get(c, "connections", "open") == 0; },
                              absl::Seconds(10), &j))
      << j.dump();
  const uint64_t busy = Get(j, "faults", "busy");
  uint64_t faulted = 0, received = 0;
  for (const char* cmd : {"LOGIN", "HEARTBEAT"}) {
    const uint64_t not_busy_faults =
        Cmd(j, cmd, "faulted") - (std::string(cmd) == "LOGIN" ? busy : 0);
    EXPECT_EQ(Cmd(j, cmd, "responded") + not_busy_faults + Cmd(j, cmd, "unanswered"),
              Cmd(j, cmd, "received"))
        << cmd << " " << j.dump();
    faulted += Cmd(j, cmd, "faulted");
    received += Cmd(j, cmd, "received");
  }
  EXPECT_EQ(faulted, Get(j, "faults", "dropped") + Get(j, "faults", "garbage") +
                         Get(j, "faults", "closed") + busy);
  EXPECT_GT(Get(j, "faults", "closed"), 0);
  EXPECT_GT(Get(j, "faults", "dropped"), 0);
  EXPECT_GT(received, uint64_t{kConns});
}

}  // namespace
}  // namespace fleetsim::testing
