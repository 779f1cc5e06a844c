// Copyright fleetsim authors.
//
// End to end: the agent's raw counters against Debian's prometheus-node-exporter on the
// same machine at the same moment (collector.md §10), and its live /metrics through
// promtool. Each test skips, saying why, when its tool is not installed (`make deps`
// installs both).

#include <stdio.h>
#include <unistd.h>

#include <cmath>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "gtest/gtest.h"
#include "src/net_address.h"
#include "tests/testlib/agent_runner.h"
#include "tests/testlib/files.h"
#include "tests/testlib/net.h"
#include "tests/testlib/prom_check.h"
#include "tests/testlib/subprocess.h"
#include "tests/testlib/wait.h"

namespace fleetsim {
namespace {

using testing::AgentRunner;

constexpr char kNodeExporter[] = "/usr/bin/prometheus-node-exporter";
constexpr char kPromtool[] = "/usr/bin/promtool";

// Series in `ours` with the node_exporter name `theirs_name` mapped by `rename`, compared
// where both exist. Returns how many pairs were compared; adds failures for mismatches.
int Compare(const std::map<std::string, double>& ours, const std::map<std::string, double>& theirs,
            const std::string& their_prefix, const std::string& our_prefix, double rel,
            double abs_slack) {
  int n = 0;
  for (const auto& [series, theirs_v] : theirs) {
    if (series.rfind(their_prefix, 0) != 0) continue;
    const std::string mine = our_prefix + series.substr(their_prefix.size());
    auto it = ours.find(mine);
    if (it == ours.end()) continue;
    ++n;
    const double tol = std::max(rel * std::fabs(theirs_v), abs_slack);
    EXPECT_NEAR(it->second, theirs_v, tol) << series << " vs ours " << mine;
  }
  return n;
}

TEST(AgentCrossCheckTest, RawCountersAgreeWithNodeExporterWithinOnePercent) {
  if (access(kNodeExporter, X_OK) != 0) {
    GTEST_SKIP() << kNodeExporter << " is not installed (make deps installs it)";
  }
  testing::TempDir dir;
  const std::string ne_addr = "127.0.0.1:" + std::to_string(testing::FreePorts(1)[0]);
  testing::Subprocess ne = testing::Subprocess::Start(
      {kNodeExporter, "--web.listen-address=" + ne_addr, "--collector.disable-defaults",
       "--collector.cpu", "--collector.diskstats", "--collector.netdev", "--collector.meminfo",
       "--collector.netdev.device-exclude=^$"},
      dir.File("node_exporter.log"));
  ASSERT_TRUE(testing::WaitUntil(
      [&] { return testing::HttpGet(ne_addr, "/metrics", absl::Seconds(1)).status == 200; },
      absl::Seconds(10)))
      << ne.Log();
  // Watch node_exporter itself: its process_* metrics are a golden reading of /proc/PID.
  std::unique_ptr<AgentRunner> agent =
      AgentRunner::Start({"--watch_pid=" + std::to_string(ne.pid())});
  ASSERT_NE(agent, nullptr);

  // Both scraped at the same moment: one poll() loop fetching the two concurrently.
  std::vector<HttpGetResult> r =
      HttpGetAll({HttpGetRequest{*ParseNumericHostPort(agent->address()), "a", "/metrics"},
                  HttpGetRequest{*ParseNumericHostPort(ne_addr), "n", "/metrics"}},
                 absl::Seconds(10), 64 << 20);
  ASSERT_EQ(r[0].status, 200) << r[0].error;
  ASSERT_EQ(r[1].status, 200) << r[1].error;
  const std::map<std::string, double> ours = testing::PromSamples(r[0].body);
  const std::map<std::string, double> theirs = testing::PromSamples(r[1].body);

  // CPU seconds per cpu and mode. 1 %, but at least 0.05 s: a counter of a few ticks
  // (irq, steal) moves by more than 1 % between two reads a millisecond apart.
  const int cpu =
      Compare(ours, theirs, "node_cpu_seconds_total{", "node_cpu_seconds_total{", 0.01, 0.05);
  EXPECT_GE(cpu, 8) << "expected every mode of every CPU";
  // Disk sectors (as bytes), per device both export.
  int disk =
      Compare(ours, theirs, "node_disk_read_bytes_total{", "node_disk_read_bytes_total{", 0.01, 0);
  disk += Compare(ours, theirs, "node_disk_written_bytes_total{", "node_disk_written_bytes_total{",
                  0.01, 0);
  disk += Compare(ours, theirs, "node_disk_discarded_sectors_total{",
                  "node_disk_discarded_sectors_total{", 0.01, 0);
  EXPECT_GE(disk, 2);
  // Network bytes per interface (lo included: it is this project's traffic). Our scrape
  // itself moves a few KB over lo between the two reads.
  int net = Compare(ours, theirs, "node_network_receive_bytes_total{",
                    "node_network_receive_bytes_total{", 0.01, 256 << 10);
  net += Compare(ours, theirs, "node_network_transmit_bytes_total{",
                 "node_network_transmit_bytes_total{", 0.01, 256 << 10);
  EXPECT_GE(net, 2);
  // MemAvailable (snake_cased here for promtool).
  ASSERT_EQ(theirs.count("node_memory_MemAvailable_bytes"), 1u);
  ASSERT_EQ(ours.count("node_memory_mem_available_bytes"), 1u);
  EXPECT_NEAR(ours.at("node_memory_mem_available_bytes"),
              theirs.at("node_memory_MemAvailable_bytes"),
              0.01 * theirs.at("node_memory_MemAvailable_bytes"));
  EXPECT_EQ(ours.at("node_memory_mem_total_bytes"), theirs.at("node_memory_MemTotal_bytes"));
  // The watched process: start time is btime + starttime / USER_HZ in both.
  ASSERT_EQ(theirs.count("process_start_time_seconds"), 1u);
  EXPECT_NEAR(ours.at("fleetsim_agent_watched_process_start_time_seconds"),
              theirs.at("process_start_time_seconds"), 0.011);
  EXPECT_NEAR(ours.at("fleetsim_agent_watched_process_cpu_seconds_total"),
              theirs.at("process_cpu_seconds_total"), 0.05);
  LOG(INFO) << "compared " << cpu << " cpu, " << disk << " disk, " << net
            << " network series, MemAvailable and the process start time";
  ne.Stop(absl::Seconds(5));
}

TEST(AgentCrossCheckTest, PromtoolAcceptsTheLiveExposition) {
  std::unique_ptr<AgentRunner> agent = AgentRunner::Start({"--watch_name=fleetsim-agent"});
  ASSERT_NE(agent, nullptr);
  HttpGetResult m = agent->Get("/metrics");
  ASSERT_EQ(m.status, 200) << m.error;
  std::vector<std::string> problems = testing::PromFormatProblems(m.body);
  EXPECT_TRUE(problems.empty()) << problems.size() << " problems; first: " << problems[0];
  if (access(kPromtool, X_OK) != 0) {
    GTEST_SKIP() << kPromtool << " is not installed (make deps installs package prometheus); "
                 << "the built-in format check above passed";
  }
  testing::TempDir dir;
  testing::WriteFile(dir.File("metrics.txt"), m.body);
  FILE* p = popen(
      absl::StrCat(kPromtool, " check metrics < ", dir.File("metrics.txt"), " 2>&1").c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof(buf), p)) out.append(buf, n);
  EXPECT_EQ(pclose(p), 0) << out;
}

}  // namespace
}  // namespace fleetsim
