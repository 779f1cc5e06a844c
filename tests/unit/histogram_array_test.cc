// Copyright fleetsim authors.

#include "src/histogram_array.h"

#include <cstdint>
#include <set>
#include <utility>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testlib/resident.h"

namespace fleetsim {
namespace {

using ::fleetsim::testing::PagesOf;
using ::fleetsim::testing::ResidentPages;
using ::fleetsim::testing::WrittenPages;

constexpr int64_t kUs = 1000;
constexpr int64_t kMs = 1000 * kUs;

// The page(s) of a[i]'s totals.
std::set<size_t> TotalsPages(const HistogramArray& a, size_t i) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(&a[i]);
  return PagesOf(a.data(), bytes, bytes + Histogram::kTotalsBytes);
}

// The pages a histogram in use may occupy: those of its totals and of its bucket range.
std::set<size_t> PagesInUse(const HistogramArray& a, size_t i) {
  const Histogram& h = a[i];
  std::set<size_t> pages = TotalsPages(a, i);
  const BucketRange r = h.bucket_range();
  for (size_t p : PagesOf(a.data(), h.buckets() + r.begin, h.buckets() + r.end)) pages.insert(p);
  return pages;
}

// Pages read or written (mincore) and pages written (allocated memory).
std::set<size_t> Resident(const HistogramArray& a) {
  return ResidentPages(a.data(), a.size() * sizeof(Histogram));
}
std::set<size_t> Written(const HistogramArray& a) {
  return WrittenPages(a.data(), a.size() * sizeof(Histogram));
}

std::set<size_t> Union(std::set<size_t> a, const std::set<size_t>& b) {
  a.insert(b.begin(), b.end());
  return a;
}

TEST(HistogramArrayTest, HoldsEmptyHistograms) {
  HistogramArray a(5);
  ASSERT_EQ(a.size(), 5u);
  EXPECT_FALSE(a.empty());
  ASSERT_NE(a.data(), nullptr);
  EXPECT_EQ(a.end() - a.begin(), 5);
  for (const Histogram& h : a) EXPECT_EQ(h, Histogram());
  a[2].Add(5 * kMs);
  EXPECT_EQ(a.data()[2].count(), 1u);
  EXPECT_EQ(a[1].count(), 0u);

  HistogramArray none;
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(none.data(), nullptr);
  EXPECT_EQ(HistogramArray(0).data(), nullptr);
}

TEST(HistogramArrayTest, MovesOwnership) {
  HistogramArray a(3);
  a[1].Add(kMs);
  Histogram* data = a.data();
  HistogramArray b(std::move(a));
  EXPECT_EQ(b.data(), data);
  EXPECT_EQ(b.size(), 3u);
  EXPECT_EQ(b[1].count(), 1u);
  EXPECT_TRUE(a.empty());  // A moved-from array is empty.
  EXPECT_EQ(a.data(), nullptr);

  HistogramArray c(7);
  c = std::move(b);
  EXPECT_EQ(c.data(), data);
  EXPECT_EQ(c.size(), 3u);
  EXPECT_TRUE(b.empty());

  std::swap(a, c);
  EXPECT_EQ(a.data(), data);
  EXPECT_TRUE(c.empty());
}

TEST(HistogramArrayTest, ClearEmptiesEveryHistogram) {
  HistogramArray a(3);
  a[0].Add(kMs);
  a[2].Add(3 * kMs);
  a[2].Add(-1);
  a.Clear();
  for (const Histogram& h : a) EXPECT_EQ(h, Histogram());
}

// The point of the class: memory in proportion to the buckets in use. Written() is what
// costs memory; Resident() (mincore) also shows pages only read, so it shows that no method
// scans all 28 KiB of a histogram either: only the totals of an empty one are read.
TEST(HistogramArrayTest, OnlyThePagesInUseAreEverTouched) {
  HistogramArray a(16);
  EXPECT_THAT(Resident(a), ::testing::IsEmpty());

  // A narrow band of latencies: a few hundred buckets, two or three pages of seven.
  for (int64_t v = 200 * kUs; v <= 900 * kUs; v += 3 * kUs) a[3].Add(v);
  ASSERT_GE(a[3].bucket_range().size(), 100);
  const std::set<size_t> pages3 = PagesInUse(a, 3);
  EXPECT_LE(pages3.size(), 4u);
  EXPECT_EQ(Written(a), pages3);
  EXPECT_EQ(Resident(a), pages3);

  // Merging, diffing, clearing and reading stay inside the ranges involved.
  a[7].Merge(a[3]);
  a[7].Merge(a[3]);
  a[7].Subtract(a[3]);
  a[5].Merge(a[9]);  // Both empty: nothing to write.
  a[9].Subtract(a[3]);
  a[11].Clear();
  // a[7] is a[3] again (its min and max were never new extremes, so they stay exact).
  for (double p : {0.0, 50.0, 99.0, 100.0}) {
    EXPECT_EQ(a[7].ValueAtPercentile(p), a[3].ValueAtPercentile(p)) << p;
    EXPECT_EQ(a[9].ValueAtPercentile(p), 0) << p;
  }
  EXPECT_EQ(a[7].CountAbove(500 * kUs), a[3].CountAbove(500 * kUs));
  EXPECT_GT(a[3].CountAbove(500 * kUs), 0u);
  uint64_t in_buckets = 0;
  a[7].ForEachBucket([&](const HistogramBucket& b) { in_buckets += b.count; });
  EXPECT_EQ(in_buckets, a[3].count());
  a[9].ForEachBucket([&](const HistogramBucket&) { ADD_FAILURE() << "a[9] is empty"; });
  const std::set<size_t> written = Union(pages3, PagesInUse(a, 7));
  EXPECT_EQ(Written(a), written);
  std::set<size_t> read = written;
  for (size_t i : {9, 11}) read = Union(read, TotalsPages(a, i));  // a[5] is not even read.
  EXPECT_EQ(Resident(a), read);

  // Clearing writes only what was in use (and reads every histogram's totals).
  a.Clear();
  EXPECT_EQ(Written(a), written);
  for (size_t i = 0; i < a.size(); ++i) read = Union(read, TotalsPages(a, i));
  EXPECT_EQ(Resident(a), read);
  EXPECT_LT(read.size(), 40u);  // Of 16 * 7 = 112 pages.

  // Checked last: operator== reads every bucket (which costs no memory either).
  for (const Histogram& h : a) EXPECT_EQ(h, Histogram());
  EXPECT_EQ(Written(a), written);
}

}  // namespace
}  // namespace fleetsim
