// Copyright fleetsim authors.

#include <map>
#include <vector>

#include "gtest/gtest.h"
#include "tools/target/fault_plan.h"
#include "tools/target/frame.h"

namespace fleetsim::target {
namespace {

std::vector<int> Draws(const FaultConfig& c, uint64_t seed, int proc, int n) {
  FaultPlan p(c, seed, proc, 0);
  std::vector<int> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(static_cast<int>(p.PickResponseFault()));
    out.push_back(p.DelayMs());
    out.push_back(p.Busy() ? 1 : 0);
  }
  return out;
}

FaultConfig Mixed() {
  FaultConfig c;
  c.drop_ratio = 0.2;
  c.garbage_ratio = 0.2;
  c.close_ratio = 0.2;
  c.busy_ratio = 0.5;
  c.delay_ms = 50;
  c.delay_jitter_ms = 20;
  return c;
}

TEST(FaultPlanTest, SameSeedAndProcessReplay) {
  EXPECT_EQ(Draws(Mixed(), 42, 0, 200), Draws(Mixed(), 42, 0, 200));
  EXPECT_NE(Draws(Mixed(), 42, 0, 200), Draws(Mixed(), 43, 0, 200));
  EXPECT_NE(Draws(Mixed(), 42, 0, 200), Draws(Mixed(), 42, 1, 200));
}

TEST(FaultPlanTest, NoFaultsByDefault) {
  FaultPlan p(FaultConfig{}, 1, 0, 0);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(p.PickResponseFault(), ResponseFault::kNone);
    EXPECT_FALSE(p.Busy());
    EXPECT_EQ(p.DelayMs(), 0);
  }
  EXPECT_EQ(p.StallEndNs(0), 0);
}

TEST(FaultPlanTest, RatiosOfOneAlwaysFire) {
  FaultConfig c;
  c.drop_ratio = 1;
  c.busy_ratio = 1;
  FaultPlan p(c, 7, 0, 0);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(p.PickResponseFault(), ResponseFault::kDrop);
    EXPECT_TRUE(p.Busy());
  }
  c = FaultConfig{};
  c.close_ratio = 1;
  FaultPlan q(c, 7, 0, 0);
  EXPECT_EQ(q.PickResponseFault(), ResponseFault::kClose);
}

TEST(FaultPlanTest, RatiosAreRoughlyHonoured) {
  FaultPlan p(Mixed(), 99, 3, 0);
  std::map<ResponseFault, int> n;
  const int kN = 100000;
  for (int i = 0; i < kN; ++i) ++n[p.PickResponseFault()];
  for (ResponseFault f : {ResponseFault::kDrop, ResponseFault::kGarbage, ResponseFault::kClose}) {
    EXPECT_NEAR(n[f] / double{kN}, 0.2, 0.01) << static_cast<int>(f);
  }
  EXPECT_NEAR(n[ResponseFault::kNone] / double{kN}, 0.4, 0.01);
}

TEST(FaultPlanTest, DelayIsUniformInItsRangeAndClampedAtZero) {
  FaultConfig c;
  c.delay_ms = 50;
  c.delay_jitter_ms = 20;
  FaultPlan p(c, 5, 0, 0);
  int lo = 1 << 30, hi = -1;
  for (int i = 0; i < 10000; ++i) {
    const int d = p.DelayMs();
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  EXPECT_EQ(lo, 30);
  EXPECT_EQ(hi, 70);
  c.delay_ms = 10;
  c.delay_jitter_ms = 30;  // [-20, 40] clamped: about a third land on 0
  FaultPlan q(c, 5, 0, 0);
  int zeros = 0;
  for (int i = 0; i < 10000; ++i) {
    const int d = q.DelayMs();
    ASSERT_GE(d, 0);
    ASSERT_LE(d, 40);
    zeros += d == 0;
  }
  EXPECT_NEAR(zeros / 10000.0, 21.0 / 61, 0.03);
}

TEST(FaultPlanTest, GarbageNeverStartsWithTheMagicAndPiecesAreSmall) {
  FaultPlan p(FaultConfig{}, 11, 0, 0);
  for (int i = 0; i < 5000; ++i) {
    uint8_t buf[19];
    p.FillGarbage(buf, sizeof(buf));
    ASSERT_NE(buf[0], kMagic >> 8);
    const int piece = p.FragmentPiece();
    ASSERT_GE(piece, 1);
    ASSERT_LE(piece, 3);
  }
}

TEST(FaultPlanTest, StallWindowIsRelativeToStart) {
  FaultConfig c;
  c.stall_at_s = 2;
  c.stall_for_s = 1.5;
  const int64_t start = 1000000000000;
  FaultPlan p(c, 1, 0, start);
  EXPECT_EQ(p.StallEndNs(start), 0);
  EXPECT_EQ(p.StallEndNs(start + 1999999999), 0);
  EXPECT_EQ(p.StallEndNs(start + 2000000000), start + 3500000000);
  EXPECT_EQ(p.StallEndNs(start + 3499999999), start + 3500000000);
  EXPECT_EQ(p.StallEndNs(start + 3500000000), 0);
}

}  // namespace
}  // namespace fleetsim::target
