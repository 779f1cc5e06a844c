// Copyright fleetsim authors.

#include "src/proc_diskstats.h"

#include "gtest/gtest.h"
#include "src/proc_file.h"
#include "tests/testlib/testdata.h"

namespace fleetsim {
namespace {

using F = DiskField;

const DiskStat* Find(const std::vector<DiskStat>& v, const std::string& name) {
  for (const DiskStat& d : v) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

TEST(DiskstatsTest, ParsesThisMachinesFile) {
  absl::StatusOr<std::string> text =
      ReadProcFile(testing::TestDataPath("proc_real/t0/proc/diskstats"));
  ASSERT_TRUE(text.ok());
  std::vector<DiskStat> d = ParseDiskstats(*text);
  const DiskStat* vda = Find(d, "vda");
  ASSERT_NE(vda, nullptr);
  // 254 0 vda 62810 10409 4594258 21724 13913 8570 4573056 10713 0 6568 33183 6190 24
  // 2898152 700 1514 44
  EXPECT_EQ(vda->major, 254u);
  EXPECT_EQ(vda->minor, 0u);
  EXPECT_EQ(vda->n_stats, 17);
  EXPECT_EQ((*vda)[F::kReads], 62810u);
  EXPECT_EQ((*vda)[F::kReadSectors], 4594258u);
  EXPECT_EQ((*vda)[F::kWriteSectors], 4573056u);
  EXPECT_EQ((*vda)[F::kIoTicks], 6568u);
  EXPECT_EQ((*vda)[F::kDiscardSectors], 2898152u);
  EXPECT_EQ((*vda)[F::kFlushes], 1514u);
  EXPECT_EQ((*vda)[F::kFlushTicks], 44u);
  EXPECT_NE(Find(d, "zram0"), nullptr);
}

TEST(DiskstatsTest, EveryKernelGeneration) {
  std::vector<DiskStat> d = ParseDiskstats(
      "   8 0 sda 1 2 3 4 5 6 7 8 9 10 11\n"                          // 14 tokens (<= 4.17)
      "   8 1 sda1 10 20 30 40\n"                                     // 7 tokens: old partition
      "   8 16 sdb 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\n"             // 18 tokens (4.18+)
      " 254 0 vda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n"        // 20 tokens (5.5+)
      " 254 1 vdb 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19\n"  // future: extra ignored
      "   8 2 bad 1 2 3 4 5\n"                 // 8 tokens: no kernel prints it
      "   8 3 bad2 1 2 x 4 5 6 7 8 9 10 11\n"  // not a number
      "   x 3 bad3 1 2 3 4 5 6 7 8 9 10 11\n");
  ASSERT_EQ(d.size(), 5u);
  EXPECT_EQ(d[0].n_stats, 11);
  EXPECT_TRUE(d[0].Has(F::kTimeInQueue));
  EXPECT_FALSE(d[0].Has(F::kDiscards));
  EXPECT_EQ(d[0][F::kTimeInQueue], 11u);
  EXPECT_EQ(d[0][F::kDiscards], 0u);

  const DiskStat& old = d[1];
  EXPECT_EQ(old.n_stats, 4);
  EXPECT_EQ(old[F::kReads], 10u);
  EXPECT_EQ(old[F::kReadSectors], 20u);
  EXPECT_EQ(old[F::kWrites], 30u);
  EXPECT_EQ(old[F::kWriteSectors], 40u);
  EXPECT_TRUE(old.Has(F::kWriteSectors));
  EXPECT_FALSE(old.Has(F::kReadsMerged));
  EXPECT_FALSE(old.Has(F::kIoTicks));

  EXPECT_EQ(d[2].n_stats, 15);
  EXPECT_EQ(d[2][F::kDiscardTicks], 15u);
  EXPECT_FALSE(d[2].Has(F::kFlushes));
  EXPECT_EQ(d[3].n_stats, 17);
  EXPECT_EQ(d[3][F::kFlushTicks], 17u);
  EXPECT_EQ(d[4].n_stats, 17);
}

TEST(DiskstatsTest, ThirtyTwoBitFields) {
  EXPECT_TRUE(DiskFieldIs32Bit(F::kReadTicks));
  EXPECT_TRUE(DiskFieldIs32Bit(F::kWriteTicks));
  EXPECT_TRUE(DiskFieldIs32Bit(F::kIoTicks));
  EXPECT_TRUE(DiskFieldIs32Bit(F::kTimeInQueue));
  EXPECT_TRUE(DiskFieldIs32Bit(F::kDiscardTicks));
  EXPECT_TRUE(DiskFieldIs32Bit(F::kFlushTicks));
  EXPECT_FALSE(DiskFieldIs32Bit(F::kReads));
  EXPECT_FALSE(DiskFieldIs32Bit(F::kWriteSectors));
  EXPECT_FALSE(DiskFieldIs32Bit(F::kFlushes));
}

TEST(DiskstatsTest, GuessClassWithoutSys) {
  auto guess = [](const std::string& name) {
    DiskStat d;
    d.name = name;
    GuessDiskClass(&d);
    return std::make_pair(d.partition, d.is_virtual);
  };
  EXPECT_EQ(guess("sda"), std::make_pair(false, false));
  EXPECT_EQ(guess("sda1"), std::make_pair(true, false));
  EXPECT_EQ(guess("xvdb12"), std::make_pair(true, false));
  EXPECT_EQ(guess("nvme0n1"), std::make_pair(false, false));
  EXPECT_EQ(guess("nvme0n1p2"), std::make_pair(true, false));
  EXPECT_EQ(guess("mmcblk0p1"), std::make_pair(true, false));
  EXPECT_EQ(guess("mmcblk0"), std::make_pair(false, false));
  EXPECT_EQ(guess("loop3"), std::make_pair(false, true));
  EXPECT_EQ(guess("dm-0"), std::make_pair(false, true));
  EXPECT_EQ(guess("zram0"), std::make_pair(false, true));
}

}  // namespace
}  // namespace fleetsim
