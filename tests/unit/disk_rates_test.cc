// Copyright fleetsim authors.

#include "src/disk_rates.h"

#include "gtest/gtest.h"
#include "src/host_sample.h"
#include "src/proc_file.h"
#include "tests/testlib/testdata.h"

namespace fleetsim {
namespace {

std::vector<DiskStat> Edge(const char* t) {
  const std::string root = testing::TestDataPath(std::string("proc_edge/") + t);
  std::vector<DiskStat> d = ParseDiskstats(ReadProcFile(root + "/proc/diskstats").value_or(""));
  ClassifyDisks(root + "/sys", &d);
  return d;
}

class EdgeDiskRatesTest : public ::testing::Test {
 protected:
  DiskRatesResult r_ = DeriveDiskRates(Edge("t0"), Edge("t1"), 4.0);
  const DiskRates& Dev(const std::string& name) {
    EXPECT_EQ(r_.devices.count(name), 1u) << name;
    return r_.devices[name];
  }
};

TEST_F(EdgeDiskRatesTest, FourteenColumnLine) {
  const DiskRates& d = Dev("sda");
  EXPECT_DOUBLE_EQ(d.r_s, 100);
  EXPECT_DOUBLE_EQ(d.w_s, 25);
  EXPECT_DOUBLE_EQ(d.rkBps, 2000);
  EXPECT_DOUBLE_EQ(d.wkBps, 1000);
  EXPECT_DOUBLE_EQ(d.rrqm_s, 2.5);
  EXPECT_DOUBLE_EQ(d.wrqm_s, 2.5);
  EXPECT_DOUBLE_EQ(*d.r_await_ms, 2);
  EXPECT_DOUBLE_EQ(*d.w_await_ms, 2);
  EXPECT_DOUBLE_EQ(*d.await_ms, 2);
  EXPECT_DOUBLE_EQ(*d.util_pct, 50);
  EXPECT_DOUBLE_EQ(*d.aqu_sz, 0.25);
  EXPECT_FALSE(d.d_s.has_value());  // no discard stats before 4.18
  EXPECT_FALSE(d.f_s.has_value());
}

TEST_F(EdgeDiskRatesTest, OldPartitionLineHasNoTimes) {
  const DiskRates& d = Dev("sda1");
  EXPECT_DOUBLE_EQ(d.r_s, 100);
  EXPECT_DOUBLE_EQ(d.rkBps, 2000);
  EXPECT_DOUBLE_EQ(d.w_s, 25);
  EXPECT_DOUBLE_EQ(d.wkBps, 1000);
  EXPECT_FALSE(d.util_pct.has_value());
  EXPECT_FALSE(d.await_ms.has_value());
  EXPECT_DOUBLE_EQ(d.rrqm_s, 0);
}

TEST_F(EdgeDiskRatesTest, EighteenColumnLineWithDiscards) {
  const DiskRates& d = Dev("sdb");
  EXPECT_DOUBLE_EQ(d.r_s, 0);
  EXPECT_DOUBLE_EQ(d.w_s, 100);
  EXPECT_DOUBLE_EQ(d.wkBps, 400);
  EXPECT_DOUBLE_EQ(*d.w_await_ms, 2);
  EXPECT_DOUBLE_EQ(*d.r_await_ms, 0);
  EXPECT_DOUBLE_EQ(*d.d_s, 1);
  EXPECT_DOUBLE_EQ(*d.dkBps, 100);
  EXPECT_DOUBLE_EQ(*d.await_ms, 840.0 / 404);
  EXPECT_DOUBLE_EQ(*d.util_pct, 30);
  EXPECT_DOUBLE_EQ(*d.aqu_sz, 0.2);
  EXPECT_FALSE(d.f_s.has_value());
}

TEST_F(EdgeDiskRatesTest, TwentyColumnLineWith32BitWraps) {
  const DiskRates& d = Dev("vda");
  EXPECT_DOUBLE_EQ(d.r_s, 50);
  EXPECT_DOUBLE_EQ(d.rkBps, 200);
  EXPECT_DOUBLE_EQ(*d.r_await_ms, 3);  // rd_ticks 4294967000 -> 304: +600
  EXPECT_DOUBLE_EQ(d.w_s, 25);
  EXPECT_DOUBLE_EQ(d.wkBps, 200);
  EXPECT_DOUBLE_EQ(*d.w_await_ms, 20);  // wr_ticks 4294966000 -> 704: +2000
  EXPECT_DOUBLE_EQ(*d.util_pct, 80);    // io_ticks 4294967200 -> 3104: +3200
  EXPECT_DOUBLE_EQ(*d.aqu_sz, 3);       // time_in_queue 4294960000 -> 4704: +12000
  EXPECT_DOUBLE_EQ(*d.await_ms, 2600.0 / 300);
  EXPECT_DOUBLE_EQ(*d.f_s, 5);
  EXPECT_DOUBLE_EQ(*d.d_s, 0);
}

TEST_F(EdgeDiskRatesTest, ResetsAndDisappearances) {
  EXPECT_EQ(r_.reset, std::vector<std::string>{"nvme0n1"});
  EXPECT_EQ(r_.devices.count("nvme0n1"), 0u);
  EXPECT_EQ(r_.devices.count("nvme0n1p1"), 0u);  // gone in t1
  EXPECT_DOUBLE_EQ(Dev("loop0").r_s, 0);
  EXPECT_DOUBLE_EQ(Dev("dm-0").r_s, 50);
}

TEST_F(EdgeDiskRatesTest, TotalsOverPhysicalWholeDisks) {
  const DiskTotals& t = r_.total;
  EXPECT_EQ(t.devices, (std::vector<std::string>{"sda", "sdb", "vda"}));
  EXPECT_DOUBLE_EQ(t.r_s, 150);
  EXPECT_DOUBLE_EQ(t.w_s, 150);
  EXPECT_DOUBLE_EQ(t.rkBps, 2200);
  EXPECT_DOUBLE_EQ(t.wkBps, 1600);
  EXPECT_DOUBLE_EQ(*t.await_ms, 4440.0 / 1204);
  EXPECT_DOUBLE_EQ(*t.util_pct, 80);
}

DiskStat Disk(const std::string& name, std::vector<uint64_t> stats) {
  DiskStat d;
  EXPECT_TRUE(DiskStatFromStats(8, 0, name, stats, &d));
  return d;
}

TEST(DiskRatesTest, ImpossibleBusyTimeIsAReset) {
  // io_ticks jumped by 2 s in a 1 s interval: a re-created device whose counters were
  // taken mod 2^32, not a real reading.
  std::vector<DiskStat> a{Disk("sda", {1, 0, 8, 1, 1, 0, 8, 1, 0, 100, 100})};
  std::vector<DiskStat> b{Disk("sda", {2, 0, 16, 2, 2, 0, 16, 2, 0, 2100, 200})};
  DiskRatesResult r = DeriveDiskRates(a, b, 1.0);
  EXPECT_EQ(r.reset, std::vector<std::string>{"sda"});
  // The same with a plausible +1000 ms is fine, and util is capped at 100.
  b[0] = Disk("sda", {2, 0, 16, 2, 2, 0, 16, 2, 0, 1110, 200});
  r = DeriveDiskRates(a, b, 1.0);
  ASSERT_EQ(r.devices.count("sda"), 1u);
  EXPECT_DOUBLE_EQ(*r.devices["sda"].util_pct, 100);
}

TEST(DiskRatesTest, ChangedIdentityIsAReset) {
  std::vector<DiskStat> a{Disk("sda", {1, 0, 8, 1, 1, 0, 8, 1, 0, 1, 1})};
  std::vector<DiskStat> b{Disk("sda", {2, 0, 16, 2, 2, 0, 16, 2, 0, 2, 2, 0, 0, 0, 0})};
  EXPECT_EQ(DeriveDiskRates(a, b, 1.0).reset, std::vector<std::string>{"sda"});
}

TEST(DiskRatesTest, TotalsFallBackWhenNoDiskIsPhysical) {
  DiskStat vd = Disk("vdx", {10, 0, 80, 1, 0, 0, 0, 0, 0, 1, 1});
  vd.is_virtual = true;
  DiskStat loop = Disk("loop1", {10, 0, 80, 1, 0, 0, 0, 0, 0, 1, 1});
  loop.is_virtual = true;
  EXPECT_TRUE(CountsInDiskTotal(vd, false));
  EXPECT_FALSE(CountsInDiskTotal(vd, true));
  EXPECT_FALSE(CountsInDiskTotal(loop, false));
  DiskStat part = Disk("vdx1", {10, 0, 80, 1, 0, 0, 0, 0, 0, 1, 1});
  part.partition = true;
  EXPECT_FALSE(CountsInDiskTotal(part, false));
}

}  // namespace
}  // namespace fleetsim
