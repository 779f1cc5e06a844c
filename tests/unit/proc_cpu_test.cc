// Copyright fleetsim authors.

#include "src/proc_cpu.h"

#include "gtest/gtest.h"
#include "src/proc_file.h"
#include "tests/testlib/testdata.h"

namespace fleetsim {
namespace {

using testing::TestDataPath;

ProcStat ParseFile(const std::string& rel) {
  absl::StatusOr<std::string> text = ReadProcFile(TestDataPath(rel));
  EXPECT_TRUE(text.ok()) << text.status();
  return ParseProcStat(text.value_or(""));
}

TEST(ProcStatTest, ParsesThisMachinesFile) {
  ProcStat s = ParseFile("proc_real/t0/proc/stat");
  ASSERT_TRUE(s.total.has_value());
  ASSERT_EQ(s.per_cpu.size(), 2u);
  // cpu0 23707 0 4154 97351 33 0 19 12 0 0
  const CpuTimes& c0 = s.per_cpu.at(0);
  EXPECT_EQ(c0[CpuMode::kUser], 23707u);
  EXPECT_EQ(c0[CpuMode::kSystem], 4154u);
  EXPECT_EQ(c0[CpuMode::kIdle], 97351u);
  EXPECT_EQ(c0[CpuMode::kIowait], 33u);
  EXPECT_EQ(c0[CpuMode::kSoftirq], 19u);
  EXPECT_EQ(c0[CpuMode::kSteal], 12u);
  EXPECT_EQ(s.ctxt, 540561u);
  EXPECT_EQ(s.btime, 1795664243u);
  EXPECT_EQ(s.procs_running, 5u);
  EXPECT_EQ(s.procs_blocked, 0u);
  EXPECT_TRUE(s.intr.has_value());
  EXPECT_TRUE(s.processes.has_value());
  EXPECT_TRUE(s.softirq.has_value());
}

TEST(ProcStatTest, EdgeFixtureShortColumnsAndHugeIntrLine) {
  ProcStat s = ParseFile("proc_edge/t0/proc/stat");
  ASSERT_EQ(s.per_cpu.size(), 2u);
  // cpu1 has 8 columns (kernels 2.6.11-2.6.23): guest columns zero-filled.
  const CpuTimes& c1 = s.per_cpu.at(1);
  EXPECT_EQ(c1[CpuMode::kUser], 500u);
  EXPECT_EQ(c1[CpuMode::kSteal], 0u);
  EXPECT_EQ(c1[CpuMode::kGuest], 0u);
  EXPECT_EQ(c1[CpuMode::kGuestNice], 0u);
  EXPECT_EQ(s.per_cpu.at(0)[CpuMode::kGuest], 30u);
  // The intr line has 65000 IRQ columns (~130 KB): only its total is read.
  EXPECT_EQ(s.intr, 1000000u);
  EXPECT_EQ(s.ctxt, 100000u);
  EXPECT_EQ(s.softirq, 3000u);
  EXPECT_EQ(s.total->ticks[0], 1000u);
}

TEST(ProcStatTest, ExtraColumnsIgnoredBadLinesSkipped) {
  ProcStat s = ParseProcStat(
      "cpu  1 2 3 4 5 6 7 8 9 10 11 12\n"  // a future kernel's extra columns
      "cpu0 1 2 3\n"                       // too few columns: skipped
      "cpu1 1 x 3 4\n"                     // not a number: skipped
      "cpuX 1 2 3 4\n"                     // not a cpu number: skipped
      "cpu7 9 9 9 9\n"                     // minimal 4-column line
      "ctxt\n"                             // no value
      "btime notanumber\n"
      "weird\n");
  ASSERT_TRUE(s.total.has_value());
  EXPECT_EQ(s.total->ticks[9], 10u);
  ASSERT_EQ(s.per_cpu.size(), 1u);
  EXPECT_EQ(s.per_cpu.at(7)[CpuMode::kIdle], 9u);
  EXPECT_EQ(s.per_cpu.at(7)[CpuMode::kIowait], 0u);
  EXPECT_FALSE(s.ctxt.has_value());
  EXPECT_FALSE(s.btime.has_value());
  EXPECT_FALSE(s.intr.has_value());
}

TEST(ProcStatTest, EmptyAndGarbage) {
  ProcStat s = ParseProcStat("");
  EXPECT_FALSE(s.total.has_value());
  EXPECT_TRUE(s.per_cpu.empty());
  s = ParseProcStat(std::string(1000, '\0'));
  EXPECT_TRUE(s.per_cpu.empty());
}

TEST(ProcStatTest, ModeNames) {
  EXPECT_STREQ(CpuModeName(CpuMode::kUser), "user");
  EXPECT_STREQ(CpuModeName(CpuMode::kSoftirq), "softirq");
  EXPECT_STREQ(CpuModeName(CpuMode::kGuestNice), "guest_nice");
}

TEST(LoadAvgTest, Parses) {
  std::optional<LoadAvg> l = ParseLoadAvg("1.94 1.16 0.55 6/109 16684\n");
  ASSERT_TRUE(l.has_value());
  EXPECT_DOUBLE_EQ(l->load1, 1.94);
  EXPECT_DOUBLE_EQ(l->load5, 1.16);
  EXPECT_DOUBLE_EQ(l->load15, 0.55);
  EXPECT_EQ(l->runnable, 6u);
  EXPECT_EQ(l->threads, 109u);
  EXPECT_EQ(l->last_pid, 16684u);
}

TEST(LoadAvgTest, OddInput) {
  EXPECT_FALSE(ParseLoadAvg("").has_value());
  EXPECT_FALSE(ParseLoadAvg("1.0 2.0").has_value());
  EXPECT_FALSE(ParseLoadAvg("a b c").has_value());
  std::optional<LoadAvg> l = ParseLoadAvg("1 2 3");  // the rest is optional
  ASSERT_TRUE(l.has_value());
  EXPECT_EQ(l->threads, 0u);
  l = ParseLoadAvg("1 2 3 x/y z");
  ASSERT_TRUE(l.has_value());
  EXPECT_EQ(l->runnable, 0u);
  EXPECT_EQ(l->last_pid, 0u);
}

}  // namespace
}  // namespace fleetsim
