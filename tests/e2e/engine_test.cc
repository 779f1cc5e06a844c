// Copyright fleetsim authors.
//
// The simulator engine end to end: the default scenario against fleetsim-target, a second
// protocol against its own server, and scenarios or plans that must be refused.

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/e2e/fleet_e2e.h"
#include "tests/testlib/fleetsim_runner.h"
#include "tests/testlib/net.h"
#include "tests/testlib/wait.h"

namespace fleetsim::testing {
namespace {

// How many iterations `n` members ramped in at `rate` per second run in `run_s` of a loop
// with period `period_s` and 10 % jitter.
double LoopIterations(int n, double rate, double run_s, double period_s) {
  double total = 0;
  for (int i = 0; i < n; ++i) {
    total += std::floor((run_s - i / rate - 0.05 * period_s) / period_s);
  }
  return total;
}

// 5,000 devices and 500 users for 20 s against the reference server (heartbeat 2 s): every
// login counted once, no identity rejected, no protocol error, and every other message in
// the numbers the scenario implies, counted identically on both sides.
TEST(EngineTest, DefaultScenarioAgainstTheTarget) {
  auto target = StartTarget({"--heartbeat_s=2", "--procs=2"});
  ASSERT_NE(target, nullptr);
  constexpr int kDevices = 5000, kUsers = 500;
  constexpr double kRunS = 20, kReportS = 5, kQueryS = 5, kHeartbeatS = 2;
  auto run = FleetsimRun::Start(
      {"--scenario=" + SrcDir() + "/conf/scenarios/rdp.yaml", "--duration=20s",
       RdpPortsSet(target->access_port(), target->report_port(), target->user_port()),
       absl::StrCat("--set=device.count=", kDevices, ",user.count=", kUsers),
       "--set=vars.report_every=5s,vars.query_every=5s"});
  ASSERT_EQ(run->Wait(absl::Seconds(60)), 0) << run->Log();
  const Json t = target->Counters();
  const Json fin = run->FinalLine();
  ASSERT_TRUE(fin.is_object()) << run->Log();

  EXPECT_EQ(Cmd(t, "LOGIN", "received"), static_cast<uint64_t>(kDevices));
  EXPECT_EQ(Cmd(t, "USER_LOGIN", "received"), static_cast<uint64_t>(kUsers));
  EXPECT_EQ(Get(t, "devices", "ever"), kDevices);
  EXPECT_EQ(t.value("protocol_errors", -1), 0);
  for (const char* cmd : {"LOGIN", "HEARTBEAT", "LOGOUT", "REPORT", "USER_LOGIN", "QUERY"}) {
    EXPECT_EQ(Cmd(t, cmd, "rejected"), 0u) << cmd;
  }
  // What fleetsim sent, the target received; what it answered, fleetsim received.
  ExpectExactAccounting(fin, t);
  for (const auto& [step, cmd] : RdpSteps()) EXPECT_EQ(Step(fin, step, "errors"), 0u) << step;
  EXPECT_EQ(Cmd(t, "LOGOUT", "received"), static_cast<uint64_t>(kDevices));
  // The ramp starts member i at i / rate; a loop's iterations fall a period apart from one
  // period after login (each delayed by a jitter of 10 % of a period at most, 5 % on
  // average); a periodic connection opens a random part of a period after start, then
  // every period.
  const double heartbeats = LoopIterations(kDevices, 2000, kRunS, kHeartbeatS);
  const double queries = LoopIterations(kUsers, 500, kRunS, kQueryS);
  const double reports = kDevices * (kRunS - kDevices / 2000.0 / 2) / kReportS;
  EXPECT_NEAR(static_cast<double>(Cmd(t, "HEARTBEAT", "received")), heartbeats, heartbeats * 0.05);
  EXPECT_NEAR(static_cast<double>(Cmd(t, "QUERY", "received")), queries, queries * 0.05);
  EXPECT_NEAR(static_cast<double>(Cmd(t, "REPORT", "received")), reports, reports * 0.08);
  // The run stopped cleanly: every device logged out, nothing left connected.
  EXPECT_EQ(fin["totals"]["members"].value("started", 0), kDevices + kUsers);
  EXPECT_EQ(fin["totals"]["members"].value("stopped", 0), kDevices + kUsers);
  EXPECT_EQ(fin["totals"]["connects"].value("failed", -1), 0);
  EXPECT_TRUE(WaitUntil([&] { return Get(target->Counters(), "connections", "open") == 0; },
                        absl::Seconds(5)));
  // While it ran, every device was online at once.
  bool all_online = false;
  for (const Json& line : run->Lines()) {
    all_online |= line["devices"].value("online", 0) == kDevices + kUsers;
  }
  EXPECT_TRUE(all_online);
}

// A protocol unlike RDP/1: the server speaks first and pushes commands that need an answer.
TEST(EngineTest, BeaconProtocolEveryExchangeCountedOnBothSides) {
  TempDir dir;
  const int port = FreePorts(1)[0];
  const std::string counters = dir.File("beacon.json"), ready = dir.File("ready");
  Subprocess server =
      Subprocess::Start({"/usr/bin/python3", SrcDir() + "/tests/servers/beacon_server.py",
                         absl::StrCat("--port=", port), "--ping_ms=300", "--counters=" + counters,
                         "--ready=" + ready},
                        dir.File("server.log"));
  ASSERT_TRUE(WaitUntil([&] { return !ReadFile(ready).empty(); }, absl::Seconds(10)))
      << server.Log();
  auto run = FleetsimRun::Start({"--scenario=" + SrcDir() + "/conf/scenarios/beacon.yaml",
                                 "--duration=5s", absl::StrCat("--set=target.ports.beacon=", port),
                                 "--set=beacon.count=40"});
  ASSERT_EQ(run->Wait(absl::Seconds(30)), 0) << run->Log();
  ASSERT_EQ(ExitCode(server.Stop()), 0) << server.Log();
  const Json s = Json::parse(ReadFile(counters));
  const Json fin = run->FinalLine();
  ASSERT_TRUE(fin.is_object());
  EXPECT_EQ(s["connections"], 40);
  EXPECT_EQ(Step(fin, "hello", "received"), s["hello_sent"].get<uint64_t>());
  EXPECT_EQ(Step(fin, "auth", "sent"), s["auth_received"].get<uint64_t>());
  EXPECT_EQ(Step(fin, "auth", "received"), s["auth_ok_sent"].get<uint64_t>());
  EXPECT_EQ(s["auth_bad_nonce"], 0);  // the captured nonce was echoed back
  EXPECT_EQ(Step(fin, "ping", "sent"), s["ping_received"].get<uint64_t>());
  EXPECT_EQ(Step(fin, "ping", "received"), s["pong_sent"].get<uint64_t>());
  EXPECT_EQ(Step(fin, "push", "received"), s["push_sent"].get<uint64_t>());
  EXPECT_EQ(Step(fin, "push", "sent"), s["push_ack_matched"].get<uint64_t>());
  EXPECT_EQ(s["push_ack_received"], s["push_ack_matched"]);
  EXPECT_GT(s["push_sent"].get<int>(), 40);  // pushes really happened, mid-session
  EXPECT_EQ(fin["totals"]["errors"].value("unexpected", -1), 0);
  EXPECT_EQ(fin["totals"]["errors"].value("check_failed", -1), 0);
  EXPECT_EQ(s["unknown"], 0);
  EXPECT_EQ(s["malformed"], 0);
}

struct Bad {
  const char* name;
  std::string yaml;
  std::string want;  // in the error
};

// Broken scenarios are refused with file, line and field, before any socket opens.
TEST(EngineTest, BadScenariosAreRefusedWithFileLineAndField) {
  const std::string good = ReadFile(SrcDir() + "/conf/scenarios/rdp.yaml");
  ASSERT_FALSE(good.empty());
  auto edit = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return at == std::string::npos ? s : s.replace(at, from.size(), to);
  };
  const std::vector<Bad> cases = {
      {"bad yaml", edit("scenario: rdp", "scenario: [rdp"), "YAML syntax error"},
      {"unknown key", edit("seed: 1", "sede: 1"), "bad.yaml:13: sede: unknown key 'sede'"},
      {"bad format", edit("format: \"!HBBIH I32s\"", "format: \"!HBBIH I32y\""),
       "messages.user_login.format: bad char 'y'"},
      {"format/values mismatch", edit("$len, $session]\n  heartbeat_ack", "$len]\n  heartbeat_ack"),
       "messages.heartbeat.values: format '!HBBIH I' takes 6 values, 5 given"},
      {"unknown variable", edit("$user_session, {identity", "$usr_session, {identity"),
       "unknown variable '$usr_session'"},
      {"unknown port", edit("port: report", "port: reprot"), "no port named 'reprot'"},
      {"unknown message", edit("- send: heartbeat", "- send: hartbeat"), "no message 'hartbeat'"},
      {"frame cannot be built", edit("$mac, $sn, $firmware]", "$mac, $sn, 70000]"), "70000"},
  };
  TempDir dir;
  int n = 0;
  for (const Bad& c : cases) {
    ++n;
    const std::string path = dir.File("bad.yaml");
    WriteFile(path, c.yaml);
    for (bool check : {true, false}) {
      std::vector<std::string> argv = {BinPath("fleetsim"), "--scenario=" + path};
      if (check) argv.push_back("--check");
      Subprocess p = Subprocess::Start(argv, dir.File(absl::StrCat("case", n, check, ".log")));
      std::optional<int> st = p.Wait(absl::Seconds(20));
      ASSERT_TRUE(st.has_value()) << c.name;
      EXPECT_EQ(ExitCode(*st), 1) << c.name << (check ? " --check" : "");
      EXPECT_NE(p.Log().find(c.want), std::string::npos)
          << c.name << ": '" << c.want << "' not in:\n"
          << p.Log();
    }
  }
}

TEST(EngineTest, CheckPrintsEveryMessageOfDeviceZero) {
  TempDir dir;
  Subprocess p = Subprocess::Start(
      {BinPath("fleetsim"), "--check", "--scenario=" + SrcDir() + "/conf/scenarios/rdp.yaml"},
      dir.File("check.log"));
  ASSERT_EQ(ExitCode(*p.Wait(absl::Seconds(20))), 0) << p.Log();
  const std::string out = p.Log();
  for (const char* m : {"message login", "message heartbeat", "message logout", "message report",
                        "message user_login", "message query"}) {
    EXPECT_NE(out.find(m), std::string::npos) << m;
  }
  // LOGIN of device 0, byte for byte: header, mac 02:00:00:00:00:00, sn FS0...0, firmware 3.
  EXPECT_NE(out.find("00000000  46 53 01 01 00 00 00 01  00 18 02 00 00 00 00 00"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("|FS00000000000000|"), std::string::npos);
}

// A fleet that cannot fit is refused before any socket opens, saying what to change.
TEST(EngineTest, PlansThatCannotFitAreRefused) {
  auto target = StartTarget({});
  ASSERT_NE(target, nullptr);
  const std::string ports =
      RdpPortsSet(target->access_port(), target->report_port(), target->user_port());
  TempDir dir;
  // The default scenario with one source address instead of sixteen.
  std::string one_source = ReadFile(SrcDir() + "/conf/scenarios/rdp.yaml");
  const std::string sources = "sources: [\"127.0.0.2-127.0.0.17\"]";
  ASSERT_NE(one_source.find(sources), std::string::npos);
  one_source.replace(one_source.find(sources), sources.size(), "sources: [127.0.0.2]");
  WriteFile(dir.File("one_source.yaml"), one_source);
  struct Case {
    std::string scenario;
    std::vector<std::string> args;
    std::string want;
  };
  const std::vector<Case> cases = {
      {SrcDir() + "/conf/scenarios/rdp.yaml",
       {"--workers=1", "--set=device.count=30000"},
       "use --workers=2 or more"},
      {dir.File("one_source.yaml"),
       {"--set=device.count=60000"},
       "need at least 3 source addresses"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> argv = {BinPath("fleetsim"), "--scenario=" + c.scenario, ports};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    Subprocess p = Subprocess::Start(argv, dir.File("plan.log"));
    std::optional<int> st = p.Wait(absl::Seconds(20));
    ASSERT_TRUE(st.has_value());
    EXPECT_EQ(ExitCode(*st), 1);
    EXPECT_NE(p.Log().find(c.want), std::string::npos) << c.want << " not in:\n" << p.Log();
  }
  EXPECT_EQ(Get(target->Counters(), "connections", "accepted"), 0);
}

}  // namespace
}  // namespace fleetsim::testing
