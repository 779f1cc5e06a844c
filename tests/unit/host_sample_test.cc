// Copyright fleetsim authors.

#include "src/host_sample.h"

#include <filesystem>

#include "gtest/gtest.h"
#include "src/mono_clock.h"
#include "tests/testlib/files.h"
#include "tests/testlib/testdata.h"

namespace fleetsim {
namespace {

TEST(HostSamplerTest, EdgeFixtureEverySection) {
  HostSampler sampler(testing::FixtureRoots("proc_edge/t1"), WatchSpec{0, "srv"}, 0);
  const int64_t before = MonoNanos();
  HostSample s = sampler.Sample();
  EXPECT_GE(s.mono_ns, before);
  EXPECT_LE(s.mono_ns, MonoNanos());
  EXPECT_EQ(s.user_hz, 100);
  ASSERT_TRUE(s.stat.has_value());
  EXPECT_EQ(s.stat->per_cpu.size(), 3u);
  ASSERT_TRUE(s.loadavg.has_value());
  EXPECT_DOUBLE_EQ(s.loadavg->load1, 2.5);
  ASSERT_TRUE(s.meminfo.has_value());
  ASSERT_TRUE(s.disks.has_value());
  ASSERT_TRUE(s.net_dev.has_value());
  ASSERT_TRUE(s.snmp.has_value());
  ASSERT_TRUE(s.netstat.has_value());
  ASSERT_TRUE(s.sockstat.has_value());
  EXPECT_EQ(Lookup(*s.sockstat, "TCP6", "inuse"), 5);  // sockstat6 merged in
  EXPECT_TRUE(s.process_watched);
  ASSERT_TRUE(s.process.has_value());
  EXPECT_EQ(s.process->pid, 4242);

  // Classification from /sys: partitions are missing from sys/block; virtual devices
  // have no device link.
  for (const DiskStat& d : *s.disks) {
    const bool partition = d.name == "sda1";
    const bool virt = d.name == "loop0" || d.name == "dm-0";
    EXPECT_EQ(d.partition, partition) << d.name;
    EXPECT_EQ(d.is_virtual, virt) << d.name;
  }
  for (const NetDevStat& n : *s.net_dev) {
    EXPECT_EQ(n.is_virtual, n.name == "lo" || n.name == "veth0" || n.name == "ifb0") << n.name;
  }
}

TEST(HostSamplerTest, MissingFilesGiveAbsentSections) {
  testing::TempDir dir;
  SysRoots r{dir.File("proc"), dir.File("sys")};
  HostSampler sampler(r, WatchSpec{0, "srv"}, 0);
  HostSample s = sampler.Sample();
  EXPECT_FALSE(s.stat.has_value());
  EXPECT_FALSE(s.loadavg.has_value());
  EXPECT_FALSE(s.meminfo.has_value());
  EXPECT_FALSE(s.disks.has_value());
  EXPECT_FALSE(s.net_dev.has_value());
  EXPECT_FALSE(s.snmp.has_value());
  EXPECT_FALSE(s.sockstat.has_value());
  EXPECT_TRUE(s.process_watched);
  EXPECT_FALSE(s.process.has_value());
  EXPECT_EQ(s.process_error, "no process named 'srv'");
  EXPECT_GT(s.mono_ns, 0);
}

TEST(HostSamplerTest, OddFilesGiveAbsentOrPartialSections) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.File("proc/net"));
  testing::WriteFile(dir.File("proc/stat"), "garbage\n\0\0\n");
  testing::WriteFile(dir.File("proc/loadavg"), "not a loadavg");
  testing::WriteFile(dir.File("proc/meminfo"), "");
  testing::WriteFile(dir.File("proc/diskstats"), "8 0 sda 1 2 3\n");
  testing::WriteFile(dir.File("proc/net/dev"), "eth0: 1 2\n");
  testing::WriteFile(dir.File("proc/net/sockstat"), "TCP: inuse 3\n");
  HostSampler sampler(SysRoots{dir.File("proc"), dir.File("sys")}, WatchSpec{}, 0);
  HostSample s = sampler.Sample();
  EXPECT_FALSE(s.stat.has_value());
  EXPECT_FALSE(s.loadavg.has_value());
  EXPECT_FALSE(s.meminfo.has_value());
  ASSERT_TRUE(s.disks.has_value());
  EXPECT_TRUE(s.disks->empty());
  ASSERT_TRUE(s.net_dev.has_value());
  EXPECT_TRUE(s.net_dev->empty());
  EXPECT_EQ(Lookup(*s.sockstat, "TCP", "inuse"), 3);
  EXPECT_FALSE(s.process_watched);
}

TEST(HostSamplerTest, LiveSystem) {
  HostSampler sampler(SysRoots{}, WatchSpec{}, 0);
  HostSample s = sampler.Sample();
  ASSERT_TRUE(s.stat.has_value());
  EXPECT_FALSE(s.stat->per_cpu.empty());
  EXPECT_TRUE(s.meminfo.has_value());
  EXPECT_TRUE(s.disks.has_value());
  EXPECT_TRUE(s.net_dev.has_value());
  ASSERT_TRUE(s.sockstat.has_value());
  EXPECT_TRUE(Lookup(*s.sockstat, "TCP", "inuse").has_value());
}

}  // namespace
}  // namespace fleetsim
