// Copyright fleetsim authors.

#include "src/inventory.h"

#include "gtest/gtest.h"
#include "tests/testlib/files.h"
#include "tests/testlib/testdata.h"

namespace fleetsim {
namespace {

TEST(CpuinfoTest, TopologyFromBlocks) {
  CpuTopology t = ParseCpuinfo(
      "processor\t: 0\nmodel name\t: X\nphysical id\t: 0\ncore id\t: 0\n\n"
      "processor\t: 1\nmodel name\t: X\nphysical id\t: 0\ncore id\t: 0\n\n"
      "processor\t: 2\nmodel name\t: X\nphysical id\t: 1\ncore id\t: 0\n\n");
  EXPECT_EQ(t.model, "X");
  EXPECT_EQ(t.logical, 3);
  EXPECT_EQ(t.sockets, 2);
  EXPECT_EQ(t.cores, 2);
}

TEST(CpuinfoTest, ArmStyleWithoutIds) {
  CpuTopology t = ParseCpuinfo("processor\t: 0\nBogoMIPS\t: 50\n\nprocessor\t: 1\n");
  EXPECT_EQ(t.logical, 2);
  EXPECT_EQ(t.model, "");
  EXPECT_EQ(t.sockets, 0);
  EXPECT_EQ(t.cores, 0);
}

TEST(InventoryTest, EdgeFixture) {
  Inventory inv = ReadInventory(testing::FixtureRoots("proc_edge/t0"));
  EXPECT_EQ(inv.hostname, "edgehost");
  EXPECT_EQ(inv.kernel_release, "9.9.9-test");
  EXPECT_EQ(inv.cpu_model, "Test CPU @ 2.0GHz");
  EXPECT_EQ(inv.logical_cpus, 8);
  EXPECT_EQ(inv.sockets, 2);
  EXPECT_EQ(inv.cores, 4);
  EXPECT_EQ(inv.threads_per_core, 2);
  EXPECT_EQ(inv.mem_total_bytes, 1000000u * 1024);
  // loop0 has size 0: not listed. dm-0 has no device link: virtual.
  ASSERT_EQ(inv.disks.size(), 5u);
  EXPECT_EQ(inv.disks[0].name, "dm-0");
  EXPECT_TRUE(inv.disks[0].is_virtual);
  EXPECT_EQ(inv.disks[2].name, "sda");
  EXPECT_EQ(inv.disks[2].size_bytes, 1953525168ull * 512);
  EXPECT_EQ(inv.disks[2].rotational, true);
  EXPECT_FALSE(inv.disks[2].is_virtual);
  EXPECT_EQ(inv.disks[3].name, "sdb");
  EXPECT_EQ(inv.disks[3].rotational, false);
  ASSERT_EQ(inv.nics.size(), 5u);
  EXPECT_EQ(inv.nics[0].name, "eth0");
  EXPECT_EQ(inv.nics[0].speed_mbps, 10000);
  EXPECT_FALSE(inv.nics[0].is_virtual);
  EXPECT_EQ(inv.nics[0].mtu, 1500);
  EXPECT_EQ(inv.nics[0].operstate, "up");
  EXPECT_EQ(inv.nics[2].name, "lo");
  EXPECT_FALSE(inv.nics[2].speed_mbps.has_value());
  EXPECT_TRUE(inv.nics[2].is_virtual);
  EXPECT_EQ(inv.user_hz, 100);
}

TEST(InventoryTest, ThisMachine) {
  Inventory inv = ReadInventory(testing::FixtureRoots("proc_real/t0"));
  EXPECT_EQ(inv.hostname, "vm");
  EXPECT_EQ(inv.cpu_model, "AMD EPYC");
  EXPECT_EQ(inv.logical_cpus, 2);
  EXPECT_EQ(inv.sockets, 1);
  EXPECT_EQ(inv.cores, 2);
  EXPECT_EQ(inv.threads_per_core, 1);
  bool vda = false;
  for (const DiskInfo& d : inv.disks) {
    if (d.name == "vda") {
      vda = true;
      EXPECT_EQ(d.size_bytes, 536870912ull * 512);
      EXPECT_FALSE(d.is_virtual);
    }
  }
  EXPECT_TRUE(vda);
}

TEST(InventoryTest, EmptyRootsGiveAnEmptyInventoryNotACrash) {
  testing::TempDir dir;
  SysRoots r{dir.File("proc"), dir.File("sys")};
  Inventory inv = ReadInventory(r);
  EXPECT_EQ(inv.logical_cpus, 0);
  EXPECT_TRUE(inv.disks.empty());
  EXPECT_TRUE(inv.nics.empty());
  EXPECT_FALSE(inv.hostname.empty());  // uname(2) fallback
}

}  // namespace
}  // namespace fleetsim
