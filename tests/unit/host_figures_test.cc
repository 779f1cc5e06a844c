// Copyright fleetsim authors.

#include "src/host_figures.h"

#include "gtest/gtest.h"
#include "tests/testlib/testdata.h"

namespace fleetsim {
namespace {

using json = nlohmann::json;

// The edge fixture pair read as the agent would, 4 s apart on the agent's clock.
HostSample EdgeSample(const char* t, int64_t mono_ns) {
  HostSampler sampler(testing::FixtureRoots(std::string("proc_edge/") + t), WatchSpec{0, "srv"}, 0);
  HostSample s = sampler.Sample();
  s.mono_ns = mono_ns;
  return s;
}

class EdgeFiguresTest : public ::testing::Test {
 protected:
  HostSample t0_ = EdgeSample("t0", 1'000'000'000);
  HostSample t1_ = EdgeSample("t1", 5'000'000'000);
  HostFigures f_ = DeriveHostFigures(&t0_, t1_);
  json j_ = HostFiguresJson(f_);
};

TEST_F(EdgeFiguresTest, IntervalCpuAndLoad) {
  EXPECT_DOUBLE_EQ(*f_.interval_s, 4.0);
  ASSERT_TRUE(f_.cpu.has_value());
  EXPECT_DOUBLE_EQ(f_.cpu->all.busy_pct, 75);
  EXPECT_DOUBLE_EQ(*f_.ctxt_ps, 100);
  EXPECT_DOUBLE_EQ(*f_.intr_ps, 1000);
  EXPECT_DOUBLE_EQ(*f_.forks_ps, 5);
  EXPECT_DOUBLE_EQ(f_.load->load1, 2.5);
  EXPECT_EQ(f_.procs_running, 3u);
  EXPECT_EQ(f_.procs_blocked, 0u);
  const json& cpu = j_["cpu"];
  EXPECT_EQ(cpu["busy_pct"], 75.0);
  EXPECT_EQ(cpu["user_pct"], 50.0);
  EXPECT_EQ(cpu["nice_pct"], 0.0);
  EXPECT_EQ(cpu["system_pct"], 25.0);
  EXPECT_EQ(cpu["idle_pct"], 25.0);
  EXPECT_EQ(cpu["iowait_pct"], 0.0);
  EXPECT_EQ(cpu["irq_pct"], 0.0);
  EXPECT_EQ(cpu["softirq_pct"], 0.0);
  EXPECT_EQ(cpu["steal_pct"], 0.0);
  EXPECT_EQ(cpu["guest_pct"], 5.0);
  EXPECT_EQ(cpu["guest_nice_pct"], 0.0);
  EXPECT_EQ(cpu["cores_busy"], 0.75);
  EXPECT_EQ(cpu["cpus"], 1);
  EXPECT_EQ(cpu["per_cpu_busy_pct"], json({{"0", 75.0}}));
  EXPECT_EQ(cpu["ctxt_ps"], 100.0);
  EXPECT_EQ(j_["load1"], 2.5);
  EXPECT_EQ(j_["load5"], 1.25);
  EXPECT_EQ(j_["load15"], 0.75);
  EXPECT_EQ(j_["interval_s"], 4.0);
}

TEST_F(EdgeFiguresTest, Memory) {
  const json& m = j_["mem"];
  EXPECT_EQ(m["total_bytes"], 1000000ull * 1024);
  EXPECT_EQ(m["available_bytes"], 600000ull * 1024);
  EXPECT_EQ(m["used_bytes"], 400000ull * 1024);
  EXPECT_EQ(m["used_pct"], 40.0);
  EXPECT_EQ(m["available_estimated"], false);
  EXPECT_EQ(m["free_bytes"], 250000ull * 1024);
  EXPECT_EQ(m["buffers_bytes"], 50000ull * 1024);
  EXPECT_EQ(m["cached_bytes"], 340000ull * 1024);
  EXPECT_EQ(m["buff_cache_bytes"], 390000ull * 1024);
  EXPECT_EQ(m["shared_bytes"], 10000ull * 1024);
  EXPECT_EQ(m["swap_total_bytes"], 100000ull * 1024);
  EXPECT_EQ(m["swap_used_bytes"], 40000ull * 1024);
  // t0 has no MemAvailable: MemFree stands in, flagged.
  std::optional<MemFigures> old = DeriveMem(*t0_.meminfo);
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->available_bytes, 200000ull * 1024);
  EXPECT_TRUE(old->available_estimated);
  EXPECT_EQ(old->used_bytes, 800000ull * 1024);
  EXPECT_DOUBLE_EQ(old->used_pct, 80);
}

TEST_F(EdgeFiguresTest, Disk) {
  const json& d = j_["disk"];
  EXPECT_EQ(d["read_kBps"], 2200.0);
  EXPECT_EQ(d["write_kBps"], 1600.0);
  EXPECT_EQ(d["r_s"], 150.0);
  EXPECT_EQ(d["w_s"], 150.0);
  EXPECT_EQ(d["await_ms"], 3.69);
  EXPECT_EQ(d["util_pct"], 80.0);
  EXPECT_EQ(d["counted"], json({"sda", "sdb", "vda"}));
  // Whole disks that ever did I/O and have a rate: no partitions, no idle loop0, no
  // reset nvme0n1.
  std::vector<std::string> names;
  for (const auto& [k, v] : d["devices"].items()) names.push_back(k);
  EXPECT_EQ(names, (std::vector<std::string>{"dm-0", "sda", "sdb", "vda"}));
  const json& vda = d["devices"]["vda"];
  EXPECT_EQ(vda["r_await_ms"], 3.0);
  EXPECT_EQ(vda["w_await_ms"], 20.0);
  EXPECT_EQ(vda["await_ms"], 8.67);
  EXPECT_EQ(vda["util_pct"], 80.0);
  EXPECT_EQ(vda["aqu_sz"], 3.0);
  EXPECT_EQ(vda["f_s"], 5.0);
  EXPECT_EQ(vda["read_kBps"], 200.0);
  EXPECT_FALSE(d["devices"]["sda"].contains("d_s"));
  EXPECT_EQ(d["devices"]["sdb"]["discard_kBps"], 100.0);
}

TEST_F(EdgeFiguresTest, Network) {
  const json& n = j_["net"];
  EXPECT_EQ(n["rx_Bps"], 110000.0);
  EXPECT_EQ(n["tx_Bps"], 60000.0);
  EXPECT_EQ(n["rx_pps"], 300.0);
  EXPECT_EQ(n["tx_pps"], 200.0);
  EXPECT_EQ(n["rx_errs_ps"], 1.0);
  EXPECT_EQ(n["tx_errs_ps"], 0.0);
  EXPECT_EQ(n["rx_drop_ps"], 0.0);
  EXPECT_EQ(n["tx_drop_ps"], 2.0);
  EXPECT_EQ(n["counted"], json({"lo", "eth0"}));
  EXPECT_EQ(f_.net->reset, std::vector<std::string>{"wlan0"});
  EXPECT_EQ(n["interfaces"]["veth0"]["rx_Bps"], 25000.0);
  EXPECT_EQ(n["interfaces"]["lo"]["tx_pps"], 100.0);
  EXPECT_FALSE(n["interfaces"].contains("ifb0"));   // never moved a byte
  EXPECT_FALSE(n["interfaces"].contains("wlan0"));  // reset this interval
}

TEST_F(EdgeFiguresTest, Tcp) {
  const json& t = j_["tcp"];
  EXPECT_EQ(t["inuse"], 1025);  // TCP 1020 + TCP6 5
  EXPECT_EQ(t["tw"], 30);
  EXPECT_EQ(t["orphan"], 2);
  EXPECT_EQ(t["alloc"], 1030);
  EXPECT_EQ(t["mem_bytes"], 100 * t1_.page_size);
  EXPECT_EQ(t["sockets_used"], 1150);
  EXPECT_EQ(t["estab"], 12);
  EXPECT_EQ(t["listen_overflows"], 5);
  EXPECT_EQ(t["listen_drops"], 6);
  EXPECT_EQ(t["active_opens_ps"], 10.0);
  EXPECT_EQ(t["passive_opens_ps"], 50.0);
  EXPECT_EQ(t["retrans_segs_ps"], 5.0);
  EXPECT_EQ(t["retrans_pct"], 0.5);
}

TEST_F(EdgeFiguresTest, WatchedProcess) {
  const json& p = j_["process"];
  EXPECT_EQ(p["pid"], 4242);
  EXPECT_EQ(p["name"], "(a) b)");
  EXPECT_EQ(p["state"], "S");
  EXPECT_EQ(p["cpu_pct"], 75.0);  // 300 ticks / 100 Hz / 4 s
  EXPECT_EQ(p["rss_bytes"], 20480ull * 1024);
  EXPECT_EQ(p["fds"], 5);
  EXPECT_EQ(p["threads"], 6);
  EXPECT_FALSE(f_.process->restarted);
}

TEST_F(EdgeFiguresTest, ContractKeysOfTheStatsLine) {
  for (const char* path :
       {"/cpu/busy_pct", "/cpu/user_pct", "/cpu/system_pct", "/cpu/idle_pct", "/cpu/iowait_pct",
        "/load1", "/mem/used_bytes", "/mem/available_bytes", "/disk/read_kBps", "/disk/write_kBps",
        "/disk/util_pct", "/net/rx_Bps", "/net/tx_Bps", "/tcp/inuse", "/tcp/tw", "/process/cpu_pct",
        "/process/rss_bytes", "/process/fds"}) {
    EXPECT_TRUE(j_.contains(json::json_pointer(path))) << path;
  }
}

TEST_F(EdgeFiguresTest, FirstSampleHasGaugesOnly) {
  HostFigures f = DeriveHostFigures(nullptr, t1_);
  json j = HostFiguresJson(f);
  EXPECT_FALSE(j.contains("interval_s"));
  EXPECT_FALSE(j["cpu"].contains("busy_pct"));
  EXPECT_TRUE(j["disk"].empty());
  EXPECT_TRUE(j["net"].empty());
  EXPECT_EQ(j["load1"], 2.5);
  EXPECT_EQ(j["mem"]["used_bytes"], 400000ull * 1024);
  EXPECT_EQ(j["tcp"]["inuse"], 1025);
  EXPECT_EQ(j["tcp"]["estab"], 12);
  EXPECT_FALSE(j["tcp"].contains("listen_overflows"));
  EXPECT_EQ(j["process"]["rss_bytes"], 20480ull * 1024);
  EXPECT_FALSE(j["process"].contains("cpu_pct"));
}

TEST_F(EdgeFiguresTest, RebootOrClockGoingBackMeansNoRates) {
  HostSample rebooted = t1_;
  rebooted.stat->btime = *t1_.stat->btime + 100;
  EXPECT_FALSE(DeriveHostFigures(&t0_, rebooted).interval_s.has_value());
  HostSample earlier = t1_;
  earlier.mono_ns = t0_.mono_ns;
  EXPECT_FALSE(DeriveHostFigures(&t0_, earlier).cpu.has_value());
}

TEST_F(EdgeFiguresTest, ProcessRestartGivesNoCpuRate) {
  HostSample restarted = t1_;
  restarted.process->starttime = 7000;
  HostFigures f = DeriveHostFigures(&t0_, restarted);
  ASSERT_TRUE(f.process.has_value());
  EXPECT_TRUE(f.process->restarted);
  EXPECT_FALSE(f.process->cpu_pct.has_value());
  HostSample gone = t1_;
  gone.process.reset();
  gone.process_error = "no process named 'srv'";
  json j = HostFiguresJson(DeriveHostFigures(&t0_, gone));
  EXPECT_EQ(j["process"], json({{"error", "no process named 'srv'"}}));
}

TEST(MemFiguresTest, ContainerAvailableAboveTotalFallsBack) {
  Meminfo m;
  m.entries = {{"MemTotal", 1000, true}, {"MemFree", 300, true}, {"MemAvailable", 5000, true}};
  std::optional<MemFigures> f = DeriveMem(m);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->available_bytes, 300u);
  EXPECT_TRUE(f->available_estimated);
  EXPECT_EQ(f->used_bytes, 700u);
  m.entries = {{"MemFree", 300, true}};
  EXPECT_FALSE(DeriveMem(m).has_value());
}

}  // namespace
}  // namespace fleetsim
