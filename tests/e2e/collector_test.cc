// Copyright fleetsim authors.
//
// fleetsim's stats lines with an agent: the server's figures land beside the load figures,
// and they move with the load fleetsim puts on it.

#include "src/collector.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/e2e/target_e2e.h"
#include "tests/testlib/agent_runner.h"
#include "tests/testlib/fleetsim_runner.h"
#include "tests/testlib/netns.h"

namespace fleetsim::testing {
namespace {

int64_t TcpInuse(const Json& servers, const std::string& agent) {
  if (!servers.is_object() || !servers.contains(agent)) return -1;
  return servers[agent].value("tcp", Json::object()).value("inuse", int64_t{-1});
}

TEST(CollectorTest, TcpInUseRisesByTheConnectionsFleetsimOpened) {
  // In a private network namespace (when permitted) the agent counts exactly the sockets
  // of this test's processes, whatever else the machine runs.
  ScopedNetns netns;
  if (!netns.ok()) LOG(WARNING) << "no private network namespace: " << netns.error();
  auto target = StartTarget({});
  ASSERT_NE(target, nullptr);
  auto agent = AgentRunner::Start({});
  ASSERT_NE(agent, nullptr);
  // The baseline, from the same agent, before fleetsim opens anything.
  Collector baseline(std::vector<std::string>{agent->address()}, absl::Seconds(2));
  baseline.Poll();
  const int64_t before = TcpInuse(Json::parse(baseline.ServersJson().dump()), agent->address());
  ASSERT_GT(before, 0);

  constexpr int kDevices = 1000;
  auto run = FleetsimRun::Start(
      // Half an interval past the last line: no line's poll meets the stop's closing.
      {"--scenario=" + SrcDir() + "/conf/scenarios/rdp.yaml", "--duration=6500ms",
       RdpPortsSet(target->access_port(), target->report_port(), target->user_port()),
       absl::StrCat("--set=device.count=", kDevices, ",user.count=0,vars.report_every=1h"),
       "--agents=" + agent->address()});
  ASSERT_EQ(run->Wait(absl::Seconds(40)), 0) << run->Log();
  // Each device holds one loopback connection: two sockets on this host (ours and the
  // server's). Other processes on the machine may open or close a few meanwhile.
  // A line's server figures come from the poll just before its snapshot of the workers:
  // take lines whose previous line already had every device online, so the poll came after.
  bool seen = false;
  bool before_all_online = false;
  for (const Json& line : run->Lines()) {
    const bool all_online = line["devices"].value("online", 0) == kDevices;
    const bool poll_after = before_all_online;
    before_all_online = all_online;
    if (line.value("final", false) || !all_online || !poll_after) continue;
    const int64_t rise = TcpInuse(line["servers"], agent->address()) - before;
    EXPECT_NEAR(static_cast<double>(rise), 2.0 * kDevices, 0.02 * 2 * kDevices + 20) << line;
    EXPECT_FALSE(line["servers"][agent->address()].value("stale", true));
    EXPECT_TRUE(line["generator"].contains("cpu"));
    EXPECT_TRUE(line["generator"]["fleetsim"].contains("workers_cpu_pct"));
    seen = true;
  }
  EXPECT_TRUE(seen) << "no line with every device online";
  // The inventory of every host is in the first line, and the log names them once.
  const std::vector<Json> lines = run->Lines();
  ASSERT_FALSE(lines.empty());
  EXPECT_TRUE(lines[0]["inventory"]["servers"].contains(agent->address()));
  EXPECT_NE(run->Log().find("server " + agent->address()), std::string::npos);
}

// A dead agent is marked stale, and the load goes on at full speed.
TEST(CollectorTest, AnAgentThatDoesNotAnswerIsStaleAndTheLoadGoesOn) {
  auto target = StartTarget({});
  ASSERT_NE(target, nullptr);
  const std::string dead = absl::StrCat("127.0.0.1:", FreePorts(1)[0]);  // nobody listens
  auto run = FleetsimRun::Start(
      {"--scenario=" + SrcDir() + "/conf/scenarios/rdp.yaml", "--duration=4s",
       RdpPortsSet(target->access_port(), target->report_port(), target->user_port()),
       "--set=device.count=500,user.count=0", "--agents=" + dead, "--agent_timeout=300ms"});
  ASSERT_EQ(run->Wait(absl::Seconds(30)), 0) << run->Log();
  const std::vector<Json> lines = run->Lines();
  ASSERT_GE(lines.size(), 3u);
  for (const Json& line : lines) {
    EXPECT_TRUE(line["servers"][dead].value("stale", false)) << line["servers"];
  }
  // Every device came online meanwhile (the last lines may be from the stop).
  bool all_online = false;
  for (const Json& line : lines) all_online |= line["devices"].value("online", 0) == 500;
  EXPECT_TRUE(all_online);
  const Json t = target->Counters();
  EXPECT_EQ(Cmd(t, "LOGIN", "received"), 500u);
}

}  // namespace
}  // namespace fleetsim::testing
