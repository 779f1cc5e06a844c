// Copyright fleetsim authors.

#include "src/cpu_rates.h"

#include "gtest/gtest.h"
#include "src/proc_file.h"
#include "tests/testlib/testdata.h"

namespace fleetsim {
namespace {

ProcStat Edge(const char* t) {
  return ParseProcStat(
      ReadProcFile(testing::TestDataPath(std::string("proc_edge/") + t + "/proc/stat"))
          .value_or(""));
}

TEST(CpuRatesTest, EdgePairHotplugJumpBackAndIowaitDecrease) {
  std::optional<CpuRates> r = DeriveCpuRates(Edge("t0"), Edge("t1"), 100, 4.0);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->appeared, std::vector<int>{2});  // cpu2 came online: no rate yet
  EXPECT_EQ(r->reset, std::vector<int>{1});     // cpu1 idle went back 5 s
  EXPECT_EQ(r->cpus, 1);
  ASSERT_EQ(r->per_cpu.size(), 1u);
  // cpu0: 400 ticks = user 200 + system 100 + idle 100 (+ iowait 50->40: counted 0).
  const CpuPercents& all = r->all;
  EXPECT_EQ(all.ticks, 400u);
  EXPECT_EQ(all.busy_ticks, 300u);
  EXPECT_DOUBLE_EQ(all[CpuMode::kUser], 50);
  EXPECT_DOUBLE_EQ(all[CpuMode::kNice], 0);
  EXPECT_DOUBLE_EQ(all[CpuMode::kSystem], 25);
  EXPECT_DOUBLE_EQ(all[CpuMode::kIdle], 25);
  EXPECT_DOUBLE_EQ(all[CpuMode::kIowait], 0);
  EXPECT_DOUBLE_EQ(all[CpuMode::kIrq], 0);
  EXPECT_DOUBLE_EQ(all[CpuMode::kSoftirq], 0);
  EXPECT_DOUBLE_EQ(all[CpuMode::kSteal], 0);
  EXPECT_DOUBLE_EQ(all[CpuMode::kGuest], 5);  // inside user, not added to the total
  EXPECT_DOUBLE_EQ(all[CpuMode::kGuestNice], 0);
  EXPECT_DOUBLE_EQ(all.busy_pct, 75);
  EXPECT_DOUBLE_EQ(r->per_cpu.at(0).busy_pct, 75);
  EXPECT_DOUBLE_EQ(r->cores_busy, 0.75);  // 300 ticks / 100 Hz / 4 s
}

CpuTimes T(std::initializer_list<uint64_t> v) {
  CpuTimes t;
  int i = 0;
  for (uint64_t x : v) t.ticks[i++] = x;
  return t;
}

TEST(CpuRatesTest, SumsPerCpuDeltas) {
  ProcStat a, b;
  a.per_cpu[0] = T({100, 0, 100, 800, 0, 0, 0, 0});
  a.per_cpu[1] = T({100, 0, 100, 800, 0, 0, 0, 0});
  b.per_cpu[0] = T({200, 0, 100, 800, 0, 0, 0, 0});   // 100 % busy
  b.per_cpu[1] = T({100, 0, 100, 860, 40, 0, 0, 0});  // idle 60, iowait 40
  std::optional<CpuRates> r = DeriveCpuRates(a, b, 100, 1.0);
  ASSERT_TRUE(r.has_value());
  EXPECT_DOUBLE_EQ(r->per_cpu.at(0).busy_pct, 100);
  EXPECT_DOUBLE_EQ(r->per_cpu.at(1).busy_pct, 0);
  EXPECT_DOUBLE_EQ(r->per_cpu.at(1)[CpuMode::kIowait], 40);
  EXPECT_DOUBLE_EQ(r->all.busy_pct, 50);
  EXPECT_DOUBLE_EQ(r->all[CpuMode::kIowait], 20);
  EXPECT_DOUBLE_EQ(r->cores_busy, 1.0);
  EXPECT_EQ(r->cpus, 2);
}

TEST(CpuRatesTest, SmallIdleJitterIsClampedNotReset) {
  ProcStat a, b;
  a.per_cpu[0] = T({100, 0, 100, 1000, 0, 0, 0, 0});
  b.per_cpu[0] = T({150, 0, 100, 990, 0, 0, 0, 0});  // idle back 0.1 s < 3 s
  std::optional<CpuRates> r = DeriveCpuRates(a, b, 100, 1.0);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->reset.empty());
  EXPECT_DOUBLE_EQ(r->all[CpuMode::kIdle], 0);
  EXPECT_DOUBLE_EQ(r->all.busy_pct, 100);
}

TEST(CpuRatesTest, NoTicksReadsIdle) {
  ProcStat a;
  a.per_cpu[0] = T({1, 2, 3, 4});
  std::optional<CpuRates> r = DeriveCpuRates(a, a, 100, 1.0);
  ASSERT_TRUE(r.has_value());
  EXPECT_DOUBLE_EQ(r->all[CpuMode::kIdle], 100);
  EXPECT_DOUBLE_EQ(r->all.busy_pct, 0);
}

TEST(CpuRatesTest, AggregateLineOnlyWhenNoPerCpuLines) {
  ProcStat a, b;
  a.total = T({0, 0, 0, 100, 0, 0, 0, 0});
  b.total = T({30, 0, 10, 160, 0, 0, 0, 0});
  std::optional<CpuRates> r = DeriveCpuRates(a, b, 100, 1.0);
  ASSERT_TRUE(r.has_value());
  EXPECT_DOUBLE_EQ(r->all.busy_pct, 40);
  EXPECT_EQ(r->cpus, 0);                    // unknown
  b.total = T({30, 0, 10, 0, 0, 0, 0, 0});  // idle back 1 s on the aggregate... fine
  EXPECT_TRUE(DeriveCpuRates(a, b, 100, 1.0).has_value());
  b.total = std::nullopt;
  EXPECT_FALSE(DeriveCpuRates(a, b, 100, 1.0).has_value());
  ProcStat only_new;
  only_new.per_cpu[5] = T({1, 1, 1, 1});
  ProcStat only_old;
  only_old.per_cpu[4] = T({1, 1, 1, 1});
  EXPECT_FALSE(DeriveCpuRates(only_old, only_new, 100, 1.0).has_value());
}

}  // namespace
}  // namespace fleetsim
