// Copyright fleetsim authors.
//
// A misbehaving server is counted and survived, never a crash: responses in tiny pieces,
// connections closed instead of answered, logins refused, nothing but garbage.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/e2e/fleet_e2e.h"
#include "tests/testlib/fleetsim_runner.h"

namespace fleetsim::testing {
namespace {

std::vector<std::string> Args(const TargetServer& t, int devices, int users,
                              const std::string& duration) {
  return {"--scenario=" + SrcDir() + "/conf/scenarios/rdp.yaml", "--duration=" + duration,
          RdpPortsSet(t.access_port(), t.report_port(), t.user_port()),
          absl::StrCat("--set=device.count=", devices, ",user.count=", users),
          "--set=vars.report_every=2s,vars.query_every=500ms,vars.reply_timeout=1s"};
}

// Every response in 1-3 byte pieces a millisecond apart: reassembled, nothing lost.
TEST(FaultsTest, ResponsesInTinyPiecesAreReassembled) {
  auto target = StartTarget({"--heartbeat_s=1", "--fragment_writes"});
  ASSERT_NE(target, nullptr);
  auto run = FleetsimRun::Start(Args(*target, 200, 20, "5s"));
  ASSERT_EQ(run->Wait(absl::Seconds(30)), 0) << run->Log();
  const Json fin = run->FinalLine();
  const Json t = target->Counters();
  ASSERT_GT(t["faults"].value("fragmented", 0), 1000);
  ExpectExactAccounting(fin, t);
  EXPECT_EQ(fin["totals"]["responses"].value("missed", -1), 0) << fin["totals"];
  for (const auto& [name, n] : fin["totals"]["errors"].items()) EXPECT_EQ(n, 0) << name;
}

// The server closes instead of answering (2 %) and refuses logins as busy (20 %): each is
// counted, members back off and reconnect, and every one of them ends up online.
TEST(FaultsTest, ClosedConnectionsAndRefusedLoginsAreCountedAndRetried) {
  auto target = StartTarget({"--heartbeat_s=1", "--close_ratio=0.02", "--busy_ratio=0.2"});
  ASSERT_NE(target, nullptr);
  std::vector<std::string> args = Args(*target, 300, 0, "12s");
  args.push_back("--set=device.ramp.rate=1000");
  // Quick retries, so the run sees members come back.
  std::string scenario = ReadFile(SrcDir() + "/conf/scenarios/rdp.yaml");
  const std::string backoff = "backoff: {initial: 1s, max: 30s, multiplier: 2, jitter: 50%}";
  ASSERT_NE(scenario.find(backoff), std::string::npos);
  scenario.replace(scenario.find(backoff), backoff.size(),
                   "backoff: {initial: 50ms, max: 200ms, multiplier: 2, jitter: 50%}");
  TempDir dir;
  WriteFile(dir.File("rdp.yaml"), scenario);
  args[0] = "--scenario=" + dir.File("rdp.yaml");
  auto run = FleetsimRun::Start(args);
  ASSERT_EQ(run->Wait(absl::Seconds(40)), 0) << run->Log();
  const Json fin = run->FinalLine();
  const Json t = target->Counters();
  const Json e = fin["totals"]["errors"];
  // A busy LOGIN is an answer with status 2: its check fails, the member backs off.
  EXPECT_EQ(Step(fin, "login", "check_failed"), t["faults"].value("busy", 0u));
  // A close instead of an answer: the connection was lost with a request out.
  EXPECT_EQ(e.value("closed_by_peer", 0), t["faults"].value("closed", 0)) << e;
  EXPECT_GT(fin["totals"]["connects"].value("reconnects", 0), 0);
  EXPECT_EQ(Cmd(t, "LOGIN", "received"), Step(fin, "login", "sent"));
  // Everyone got back in: at some point all 300 were online at once.
  bool all = false;
  for (const Json& line : run->Lines()) all |= line["devices"].value("online", 0) == 300;
  EXPECT_TRUE(all);
}

// A server that sends nothing but garbage: every answer is malformed or fails its check,
// fleetsim counts them, keeps retrying, and stops cleanly.
TEST(FaultsTest, AServerThatSpeaksOnlyGarbageIsSurvived) {
  auto target = StartTarget({"--heartbeat_s=1", "--garbage_ratio=1"});
  ASSERT_NE(target, nullptr);
  auto run = FleetsimRun::Start(Args(*target, 200, 20, "4s"));
  ASSERT_EQ(run->Wait(absl::Seconds(30)), 0) << run->Log();
  const Json fin = run->FinalLine();
  const Json t = target->Counters();
  const Json e = fin["totals"]["errors"];
  const int64_t bad = e.value("malformed", 0) + e.value("check_failed", 0) + e.value("timeout", 0);
  EXPECT_EQ(bad, t["faults"].value("garbage", 0)) << e;
  EXPECT_GT(bad, 200);
  EXPECT_EQ(fin["devices"].value("online", -1), 0);
  // A garbage frame that happens to have a plausible length is read as the answer, and
  // fails its check: nothing garbled ever logs a device in.
  EXPECT_EQ(Step(fin, "login", "received"), Step(fin, "login", "check_failed"));
}

}  // namespace
}  // namespace fleetsim::testing
