// Copyright fleetsim authors.

#include "src/proc_meminfo.h"

#include "gtest/gtest.h"
#include "src/proc_file.h"
#include "tests/testlib/testdata.h"

namespace fleetsim {
namespace {

TEST(MeminfoTest, ParsesThisMachinesFile) {
  absl::StatusOr<std::string> text =
      ReadProcFile(testing::TestDataPath("proc_real/t0/proc/meminfo"));
  ASSERT_TRUE(text.ok());
  Meminfo m = ParseMeminfo(*text);
  EXPECT_EQ(m.entries.size(), 54u);  // every line kept
  EXPECT_EQ(m.Get("MemTotal"), 24684092ull * 1024);
  EXPECT_EQ(m.Get("MemAvailable"), 22870144ull * 1024);
  EXPECT_EQ(m.Get("HugePages_Total"), 0u);
  EXPECT_EQ(m.entries.front().key, "MemTotal");
  EXPECT_TRUE(m.entries.front().bytes);
}

TEST(MeminfoTest, UnitsOddLinesAndMissingKeys) {
  Meminfo m = ParseMeminfo(
      "MemTotal:        1000 kB\n"
      "HugePages_Free:      7\n"  // unitless: a page count, kept raw
      "Active(anon):      12 kB\n"
      "Weird:            5 MB\n"  // unknown unit: skipped
      "NoColon 5 kB\n"
      "Empty:\n"
      "Bad:   x kB\n"
      "TooMany:  1 kB extra\n");
  EXPECT_EQ(m.entries.size(), 3u);
  EXPECT_EQ(m.Get("MemTotal"), 1024000u);
  EXPECT_EQ(m.Get("HugePages_Free"), 7u);
  EXPECT_FALSE(m.entries[1].bytes);
  EXPECT_EQ(m.Get("Active(anon)"), 12u * 1024);
  EXPECT_FALSE(m.Get("MemAvailable").has_value());
  EXPECT_FALSE(m.Get("Weird").has_value());
}

}  // namespace
}  // namespace fleetsim
