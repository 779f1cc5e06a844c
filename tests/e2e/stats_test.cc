// Copyright fleetsim authors.
//
// The stats line end to end: what fleetsim reports against what the reference server saw
// and did on purpose (a fixed delay, a stall, dropped and garbled responses).

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/e2e/fleet_e2e.h"
#include "tests/testlib/fleetsim_runner.h"

namespace fleetsim::testing {
namespace {

std::vector<std::string> RdpArgs(const TargetServer& t, int devices, int users,
                                 const std::string& duration) {
  return {"--scenario=" + SrcDir() + "/conf/scenarios/rdp.yaml", "--duration=" + duration,
          RdpPortsSet(t.access_port(), t.report_port(), t.user_port()),
          absl::StrCat("--set=device.count=", devices, ",user.count=", users),
          // Reports rarely: these tests are about the paced heartbeats and queries.
          "--set=vars.report_every=60s"};
}

// The target delays every response by 20 ms (no jitter): the heartbeat's corrected p50 and
// p99 are both within 20-21 ms.
TEST(StatsTest, FixedServerDelayIsWhatTheLatencyShows) {
  // One process on each side: this measures timing, and fewer processes to schedule on this
  // 2-core machine means fewer wakeups that land late.
  auto target = StartTarget({"--heartbeat_s=1", "--delay_ms=20", "--procs=1"});
  ASSERT_NE(target, nullptr);
  std::vector<std::string> args = RdpArgs(*target, 300, 0, "8s");
  args.push_back("--workers=1");
  auto run = FleetsimRun::Start(args);
  ASSERT_EQ(run->Wait(absl::Seconds(40)), 0) << run->Log();
  const Json fin = run->FinalLine();
  ASSERT_TRUE(fin.is_object()) << run->Log();
  const Json hb = fin["totals"]["steps"]["heartbeat"]["latency_ms"];
  EXPECT_GT(hb.value("count", 0), 1000);
  EXPECT_GE(hb.value("p50", 0.0), 20.0) << hb;
  EXPECT_LE(hb.value("p50", 99.0), 21.0) << hb;
  EXPECT_GE(hb.value("p99", 0.0), 20.0) << hb;
  EXPECT_LE(hb.value("p99", 99.0), 21.0) << hb;
  const Json unc = fin["totals"]["steps"]["heartbeat"]["latency_uncorrected_ms"];
  EXPECT_GE(unc.value("p50", 0.0), 20.0) << unc;
  EXPECT_LE(unc.value("p99", 99.0), 21.0) << unc;
  ExpectExactAccounting(fin, target->Counters());
}

// The target stalls every response for 1 s in the middle of a paced run.
TEST(StatsTest, AServerStallShowsInTheCorrectedLatency) {
  // A 20 ms delay holds the responses of requests that arrived just before the stall too.
  auto target =
      StartTarget({"--heartbeat_s=1", "--delay_ms=20", "--stall_at_s=4", "--stall_for_s=1"});
  ASSERT_NE(target, nullptr);
  std::vector<std::string> args = RdpArgs(*target, 300, 50, "9s");
  // Queries are paced faster than the stall is long. A slow ramp spreads every member's
  // schedule over the whole period, so requests arrive evenly, the stall's first instants
  // included.
  args.push_back("--set=vars.query_every=200ms,device.ramp.rate=300,user.ramp.rate=50");
  auto run = FleetsimRun::Start(args);
  ASSERT_EQ(run->Wait(absl::Seconds(40)), 0) << run->Log();
  const Json fin = run->FinalLine();
  ASSERT_TRUE(fin.is_object()) << run->Log();

  // The whole run: the stall is there, in full.
  const Json lat = fin["totals"]["latency_ms"];
  const Json unc = fin["totals"]["latency_uncorrected_ms"];
  EXPECT_GE(lat.value("max", 0.0), 1000.0) << lat;
  // Corrected never holds fewer slow samples than uncorrected; here it holds many more,
  // because slots that passed while members waited are counted from their schedule.
  for (const char* over : {"100ms", "500ms", "1s"}) {
    EXPECT_GE(lat["over"].value(over, 0), unc["over"].value(over, 0)) << over;
  }
  EXPECT_GT(lat["over"].value("500ms", 0), unc["over"].value("500ms", 0));
  EXPECT_GT(fin["totals"]["behind_schedule"].value("count", 0), 0);
  EXPECT_GT(fin["totals"]["behind_schedule"].value("skipped", 0), 0);

  // The interval in which the stall ended: its p99 shows it.
  Json stall_end;
  for (const Json& line : run->Lines()) {
    if (line.value("final", false)) continue;
    if (!stall_end.is_object() ||
        line["latency_ms"].value("max", 0.0) > stall_end["latency_ms"].value("max", 0.0)) {
      stall_end = line;
    }
    // Per interval too, corrected never shows fewer slow samples than uncorrected.
    EXPECT_GE(line["latency_ms"]["over"].value("500ms", 0),
              line["latency_uncorrected_ms"]["over"].value("500ms", 0));
  }
  ASSERT_TRUE(stall_end.is_object());
  EXPECT_GE(stall_end["latency_ms"].value("p99", 0.0), 500.0) << stall_end["latency_ms"];
  EXPECT_GE(stall_end["latency_ms"].value("max", 0.0), 1000.0);

  // Nothing held back by the stall is lost from the accounting.
  const Json t = target->Counters();
  EXPECT_GT(t["faults"].value("stalled", 0), 0);
  ExpectExactAccounting(fin, t);
  EXPECT_EQ(fin["totals"]["errors"].value("timeout", -1), 0);
}

// 1 % of responses dropped and 1 % garbled: fleetsim's error counts are the target's fault
// counts, and recv_error_rate is their share of the answers expected.
TEST(StatsTest, DroppedAndGarbledResponsesAreCountedAsErrors) {
  auto target = StartTarget({"--heartbeat_s=1", "--drop_ratio=0.01", "--garbage_ratio=0.01"});
  ASSERT_NE(target, nullptr);
  std::vector<std::string> args = RdpArgs(*target, 500, 50, "10s");
  // Answers that never come time out within the run's grace, so each is counted.
  args.push_back("--set=vars.reply_timeout=1s,vars.query_every=500ms");
  auto run = FleetsimRun::Start(args);
  ASSERT_EQ(run->Wait(absl::Seconds(40)), 0) << run->Log();
  const Json fin = run->FinalLine();
  ASSERT_TRUE(fin.is_object()) << run->Log();
  const Json t = target->Counters();
  const int64_t dropped = t["faults"].value("dropped", 0),
                garbage = t["faults"].value("garbage", 0);
  ASSERT_GT(dropped, 20);
  ASSERT_GT(garbage, 20);
  const Json e = fin["totals"]["errors"];
  // A dropped answer times out. Garbage is cut as a frame with an impossible length
  // (malformed), or read as a frame that fails its checks, or leaves a partial frame that
  // never completes (timeout): one error each, whichever it is.
  const int64_t missing =
      e.value("timeout", 0) + e.value("malformed", 0) + e.value("check_failed", 0);
  EXPECT_EQ(missing, dropped + garbage) << e;
  EXPECT_EQ(fin["totals"]["responses"].value("missed", 0), dropped + garbage);
  EXPECT_EQ(e.value("reset", 0) + e.value("refused", 0) + e.value("closed_by_peer", 0), 0) << e;
  const double expected = fin["totals"]["responses"].value("expected", 0.0);
  const double rate = fin["totals"]["responses"].value("recv_error_rate", -1.0);
  EXPECT_NEAR(rate, static_cast<double>(dropped + garbage) / expected, 1e-6);
  EXPECT_NEAR(rate, 0.02, 0.006);
  // Each kind of command: what fleetsim counted as an error is what the target faulted.
  for (const auto& [step, cmd] : RdpSteps()) {
    EXPECT_EQ(Step(fin, step, "errors"), Cmd(t, cmd, "faulted")) << step;
    EXPECT_EQ(Step(fin, step, "sent"), Cmd(t, cmd, "received")) << step;
  }
}

}  // namespace
}  // namespace fleetsim::testing
