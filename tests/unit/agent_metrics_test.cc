// Copyright fleetsim authors.

#include "src/agent_metrics.h"

#include <stdio.h>
#include <unistd.h>

#include "gtest/gtest.h"
#include "tests/testlib/files.h"
#include "tests/testlib/prom_check.h"
#include "tests/testlib/testdata.h"

namespace fleetsim {
namespace {

class AgentMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HostSampler sampler(testing::FixtureRoots("proc_edge/t1"), WatchSpec{0, "srv"}, 0);
    sample_ = sampler.Sample();
    inv_ = ReadInventory(testing::FixtureRoots("proc_edge/t1"));
    AgentSelf self{*sample_.process, uint64_t{1700000000}};
    text_ = RenderAgentMetrics(sample_, inv_, self, 0.00123);
    samples_ = testing::PromSamples(text_);
  }
  double At(const std::string& series) {
    EXPECT_EQ(samples_.count(series), 1u) << series;
    return samples_[series];
  }
  HostSample sample_;
  Inventory inv_;
  std::string text_;
  std::map<std::string, double> samples_;
};

TEST_F(AgentMetricsTest, FormatIsClean) {
  std::vector<std::string> problems = testing::PromFormatProblems(text_);
  EXPECT_TRUE(problems.empty()) << problems.size() << " problems, first: " << problems[0];
}

TEST_F(AgentMetricsTest, PromtoolAgreesWhenInstalled) {
  if (access("/usr/bin/promtool", X_OK) != 0) GTEST_SKIP() << "promtool not installed";
  testing::TempDir dir;
  testing::WriteFile(dir.File("m.txt"), text_);
  const std::string cmd = "/usr/bin/promtool check metrics < " + dir.File("m.txt") + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[4096];
  std::string out;
  while (size_t n = fread(buf, 1, sizeof(buf), p)) out.append(buf, n);
  const int rc = pclose(p);
  EXPECT_EQ(rc, 0) << out;
}

TEST_F(AgentMetricsTest, CpuLoadAndMemoryValues) {
  EXPECT_DOUBLE_EQ(At("node_cpu_seconds_total{cpu=\"0\",mode=\"user\"}"), 7.0);
  EXPECT_DOUBLE_EQ(At("node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"}"), 51.0);
  EXPECT_DOUBLE_EQ(At("node_cpu_seconds_total{cpu=\"2\",mode=\"system\"}"), 0.1);
  EXPECT_DOUBLE_EQ(At("node_cpu_guest_seconds_total{cpu=\"0\",mode=\"user\"}"), 0.5);
  EXPECT_EQ(samples_.count("node_cpu_seconds_total{cpu=\"0\",mode=\"guest\"}"), 0u);
  EXPECT_DOUBLE_EQ(At("node_context_switches_total"), 100400);
  EXPECT_DOUBLE_EQ(At("node_forks_total"), 5020);
  EXPECT_DOUBLE_EQ(At("node_intr_total"), 1004000);
  EXPECT_DOUBLE_EQ(At("node_boot_time_seconds"), 1700000000);
  EXPECT_DOUBLE_EQ(At("node_procs_running"), 3);
  EXPECT_DOUBLE_EQ(At("node_load1"), 2.5);
  EXPECT_DOUBLE_EQ(At("node_memory_mem_available_bytes"), 600000.0 * 1024);
  EXPECT_DOUBLE_EQ(At("node_memory_active_anon_bytes"), 12345.0 * 1024);
  EXPECT_DOUBLE_EQ(At("node_memory_huge_pages_total_pages"), 0);
  EXPECT_DOUBLE_EQ(At("node_memory_sreclaimable_bytes"), 40000.0 * 1024);
}

TEST_F(AgentMetricsTest, DiskNetAndSockets) {
  EXPECT_DOUBLE_EQ(At("node_disk_reads_completed_total{device=\"sda\"}"), 1400);
  EXPECT_DOUBLE_EQ(At("node_disk_read_bytes_total{device=\"sda\"}"), 96000.0 * 512);
  EXPECT_DOUBLE_EQ(At("node_disk_io_time_seconds_total{device=\"vda\"}"), 3.104);
  EXPECT_DOUBLE_EQ(At("node_disk_discarded_sectors_total{device=\"sdb\"}"), 840);
  EXPECT_DOUBLE_EQ(At("node_disk_flush_requests_total{device=\"vda\"}"), 30);
  EXPECT_EQ(samples_.count("node_disk_flush_requests_total{device=\"sda\"}"), 0u);  // 14 tokens
  EXPECT_EQ(samples_.count("node_disk_reads_completed_total{device=\"sda1\"}"), 0u);
  EXPECT_EQ(samples_.count("node_disk_reads_completed_total{device=\"loop0\"}"), 0u);
  EXPECT_DOUBLE_EQ(At("node_disk_info{device=\"vda\",major=\"254\",minor=\"0\"}"), 1);
  EXPECT_DOUBLE_EQ(At("node_network_receive_bytes_total{device=\"eth0\"}"), 5400000);
  EXPECT_DOUBLE_EQ(At("node_network_transmit_drop_total{device=\"eth0\"}"), 9);
  EXPECT_DOUBLE_EQ(At("node_network_receive_bytes_total{device=\"lo\"}"), 41000);
  EXPECT_DOUBLE_EQ(At("node_network_speed_bytes{device=\"eth0\"}"), 10000 * 1e6 / 8);
  EXPECT_DOUBLE_EQ(At("node_netstat_tcp_curr_estab"), 12);
  EXPECT_DOUBLE_EQ(At("node_netstat_tcp_active_opens_total"), 140);
  EXPECT_DOUBLE_EQ(At("node_netstat_tcp_ext_listen_overflows_total"), 8);
  EXPECT_DOUBLE_EQ(At("node_netstat_ip_ext_in_octets_total"), 100);
  EXPECT_DOUBLE_EQ(At("node_sockstat_TCP_inuse"), 1020);
  EXPECT_DOUBLE_EQ(At("node_sockstat_TCP6_inuse"), 5);
  EXPECT_DOUBLE_EQ(At("node_sockstat_TCP_mem_bytes"), 100.0 * sample_.page_size);
  EXPECT_DOUBLE_EQ(At("node_sockstat_FUTURE_thing"), 9);
}

TEST_F(AgentMetricsTest, WatchedProcessSelfAndInventory) {
  EXPECT_DOUBLE_EQ(At("fleetsim_agent_watched_process_up"), 1);
  EXPECT_DOUBLE_EQ(At("fleetsim_agent_watched_process_info{pid=\"4242\",comm=\"(a) b)\"}"), 1);
  EXPECT_DOUBLE_EQ(At("fleetsim_agent_watched_process_cpu_seconds_total"), 18);
  EXPECT_DOUBLE_EQ(At("fleetsim_agent_watched_process_resident_memory_bytes"), 20480.0 * 1024);
  EXPECT_DOUBLE_EQ(At("fleetsim_agent_watched_process_open_fds"), 5);
  EXPECT_DOUBLE_EQ(At("fleetsim_agent_watched_process_threads"), 6);
  EXPECT_DOUBLE_EQ(At("fleetsim_agent_watched_process_start_time_seconds"), 1700000050);
  EXPECT_DOUBLE_EQ(At("process_start_time_seconds"), 1700000050);
  EXPECT_DOUBLE_EQ(At("fleetsim_agent_scrape_duration_seconds"), 0.00123);
  EXPECT_DOUBLE_EQ(At("node_uname_info{nodename=\"edgehost\",release=\"9.9.9-test\"}"), 1);
  EXPECT_DOUBLE_EQ(At("fleetsim_agent_cpu_info{model=\"Test CPU @ 2.0GHz\",sockets=\"2\","
                      "cores=\"4\",threads_per_core=\"2\"}"),
                   8);
  EXPECT_DOUBLE_EQ(
      At("fleetsim_agent_disk_size_bytes{device=\"sda\",rotational=\"1\",virtual=\"0\"}"),
      1953525168.0 * 512);
}

TEST(AgentMetricsMinimalTest, EmptySampleStillRendersCleanly) {
  HostSample empty;
  empty.process_watched = true;
  const std::string text = RenderAgentMetrics(empty, Inventory{}, std::nullopt, 0);
  EXPECT_TRUE(testing::PromFormatProblems(text).empty());
  EXPECT_NE(text.find("fleetsim_agent_watched_process_up 0\n"), std::string::npos);
}

}  // namespace
}  // namespace fleetsim
