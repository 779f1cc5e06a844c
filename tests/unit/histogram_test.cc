// Copyright fleetsim authors.

#include "src/histogram.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <ostream>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace fleetsim {

// gtest prints a failing Histogram comparison with this rather than as 28 KiB of bytes.
void PrintTo(const Histogram& h, std::ostream* os) {
  *os << "{count=" << h.count() << " sum=" << h.sum() << " min=" << h.min() << " max=" << h.max()
      << " overflow=" << h.overflow() << " buckets:";
  h.ForEachBucket([os](const HistogramBucket& b) {
    *os << " [" << b.lower << "," << b.upper << "]=" << b.count;
  });
  *os << "}";
}

namespace {

constexpr int64_t kUs = 1000;
constexpr int64_t kMs = 1000 * kUs;
constexpr int64_t kS = 1000 * kMs;
constexpr int kLast = Histogram::kNumBuckets - 1;

// Histograms are 28 KiB: keep them off the test's stack.
std::unique_ptr<Histogram> NewHistogram() { return std::make_unique<Histogram>(); }

// The rank ValueAtPercentile documents: ceil(p / 100 * n), at least 1.
uint64_t Rank(double p, uint64_t n) {
  const long double exact = static_cast<long double>(p) * n / 100;
  return std::clamp<uint64_t>(static_cast<uint64_t>(std::ceil(exact)), 1, n);
}

// The exact sample at percentile p of a sorted reference, by the same rank rule.
int64_t ReferencePercentile(const std::vector<int64_t>& sorted, double p) {
  if (p <= 0) return sorted.front();
  if (p >= 100) return sorted.back();
  return sorted[Rank(p, sorted.size()) - 1];
}

// What the histogram may report for an exact value v: v itself up to the top of v's bucket.
void ExpectWithinBucketError(int64_t got, int64_t v, double p) {
  EXPECT_GE(got, v) << "p" << p << " under-reports";
  const int64_t allowed = v < 896 ? 7 : v / 128;
  EXPECT_LE(got - v, allowed) << "p" << p << " exact " << v << " got " << got;
  if (v >= kUs) {
    EXPECT_LE(static_cast<double>(got - v) / v, 0.01) << "p" << p;
  }
}

TEST(HistogramTest, IsAPlainValue) {
  static_assert(std::is_trivially_copyable_v<Histogram>);
  EXPECT_EQ(sizeof(Histogram), 28720u);
  EXPECT_EQ(Histogram::kNumBuckets, 3584);
  EXPECT_GE(Histogram::kMaxValue, 100 * kS);
}

TEST(HistogramTest, BucketsTileTheRangeWithoutGaps) {
  EXPECT_EQ(Histogram::BucketLower(0), 0);
  EXPECT_EQ(Histogram::BucketUpper(kLast), Histogram::kMaxValue);
  for (int i = 0; i < Histogram::kNumBuckets; ++i) {
    const int64_t lo = Histogram::BucketLower(i);
    const int64_t hi = Histogram::BucketUpper(i);
    ASSERT_LE(lo, hi) << i;
    if (i > 0) {
      ASSERT_EQ(lo, Histogram::BucketUpper(i - 1) + 1) << i;
    }
    ASSERT_EQ(Histogram::BucketIndex(lo), i);
    ASSERT_EQ(Histogram::BucketIndex(hi), i);
    ASSERT_EQ(Histogram::BucketIndex(lo + (hi - lo) / 2), i);
    if (i > 0) {
      ASSERT_EQ(Histogram::BucketIndex(lo - 1), i - 1);
    }
  }
  // Linear region: 8 ns buckets up to 2048 ns.
  EXPECT_EQ(Histogram::BucketIndex(0), 0);
  EXPECT_EQ(Histogram::BucketIndex(7), 0);
  EXPECT_EQ(Histogram::BucketIndex(8), 1);
  EXPECT_EQ(Histogram::BucketIndex(2047), 255);
  EXPECT_EQ(Histogram::BucketIndex(2048), 256);
  EXPECT_EQ(Histogram::BucketUpper(256), 2048 + 15);
  // Clamps.
  EXPECT_EQ(Histogram::BucketIndex(-1), 0);
  EXPECT_EQ(Histogram::BucketIndex(std::numeric_limits<int64_t>::min()), 0);
  EXPECT_EQ(Histogram::BucketIndex(Histogram::kMaxValue + 1), kLast);
  EXPECT_EQ(Histogram::BucketIndex(std::numeric_limits<int64_t>::max()), kLast);
}

// The error bound, checked for every bucket rather than sampled: the worst value of a
// bucket is its lowest one (v = lower, reported as upper).
TEST(HistogramTest, RelativeErrorBoundHoldsForEveryBucketFrom1us) {
  double worst = 0;
  for (int i = 0; i < Histogram::kNumBuckets; ++i) {
    const int64_t hi = Histogram::BucketUpper(i);
    if (hi < kUs) {
      ASSERT_LE(hi - Histogram::BucketLower(i), 7) << i;  // Absolute bound below 1 us.
      continue;
    }
    const int64_t worst_v = std::max(Histogram::BucketLower(i), kUs);
    ASSERT_LE((hi - worst_v) * 128, worst_v) << "bucket " << i;
    worst = std::max(worst, static_cast<double>(hi - worst_v) / worst_v);
  }
  EXPECT_LT(worst, 0.01);
  EXPECT_LE(worst, 1.0 / 128);
}

TEST(HistogramTest, EmptyHistogram) {
  auto h = NewHistogram();
  EXPECT_TRUE(h->empty());
  EXPECT_EQ(h->count(), 0u);
  EXPECT_EQ(h->sum(), 0);
  EXPECT_EQ(h->min(), 0);
  EXPECT_EQ(h->max(), 0);
  EXPECT_EQ(h->Mean(), 0);
  EXPECT_EQ(h->overflow(), 0u);
  for (double p : {0.0, 50.0, 100.0}) EXPECT_EQ(h->ValueAtPercentile(p), 0);
  EXPECT_EQ(h->CountAbove(-1), 0u);
  EXPECT_EQ(h->CountAbove(0), 0u);
  int visits = 0;
  h->ForEachBucket([&](const HistogramBucket&) { ++visits; });
  EXPECT_EQ(visits, 0);
}

TEST(HistogramTest, ZeroBytesAreAnEmptyHistogram) {
  auto h = NewHistogram();
  h->Add(123);
  std::memset(static_cast<void*>(h.get()), 0, sizeof(Histogram));
  EXPECT_EQ(*h, Histogram());
  h->Add(5000);
  EXPECT_EQ(h->min(), 5000);  // Not 0: the all-zero state has no minimum yet.
  EXPECT_EQ(h->max(), 5000);
}

TEST(HistogramTest, OneValueIsEveryPercentile) {
  for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{7}, int64_t{8}, int64_t{999}, kUs,
                    int64_t{2048}, 20 * kMs + 1, 100 * kS, Histogram::kMaxValue}) {
    auto h = NewHistogram();
    h->Add(v);
    EXPECT_EQ(h->count(), 1u);
    EXPECT_EQ(h->min(), v);
    EXPECT_EQ(h->max(), v);
    EXPECT_EQ(h->sum(), static_cast<double>(v));
    EXPECT_EQ(h->Mean(), static_cast<double>(v));
    EXPECT_EQ(h->overflow(), 0u);
    for (double p : {0.0, 1e-9, 1.0, 50.0, 99.0, 99.999, 100.0}) {
      EXPECT_EQ(h->ValueAtPercentile(p), v) << "v=" << v << " p=" << p;
    }
  }
}

TEST(HistogramTest, NegativeValuesCountAsZero) {
  auto h = NewHistogram();
  h->Add(-1);
  h->Add(std::numeric_limits<int64_t>::min());
  EXPECT_EQ(h->count(), 2u);
  EXPECT_EQ(h->sum(), 0);
  EXPECT_EQ(h->min(), 0);
  EXPECT_EQ(h->max(), 0);
  EXPECT_EQ(h->bucket_count(0), 2u);
  EXPECT_EQ(h->ValueAtPercentile(50), 0);
}

TEST(HistogramTest, HugeValuesOverflowIntoTheLastBucketButKeepTrueSumAndMax) {
  const int64_t huge = std::numeric_limits<int64_t>::max();
  auto h = NewHistogram();
  h->Add(kMs);
  h->Add(Histogram::kMaxValue);  // The top of the range: not overflow.
  h->Add(Histogram::kMaxValue + 1);
  h->Add(huge);
  h->Add(huge);
  EXPECT_EQ(h->count(), 5u);
  EXPECT_EQ(h->overflow(), 3u);
  EXPECT_EQ(h->bucket_count(kLast), 4u);
  EXPECT_EQ(h->max(), huge);
  EXPECT_EQ(h->min(), kMs);
  // The 128-bit sum does not wrap (2 * INT64_MAX alone exceeds int64).
  const long double expected = static_cast<long double>(kMs) + Histogram::kMaxValue +
                               (Histogram::kMaxValue + 1.0L) + 2.0L * huge;
  EXPECT_DOUBLE_EQ(h->sum(), static_cast<double>(expected));
  EXPECT_EQ(h->ValueAtPercentile(100), huge);
  EXPECT_EQ(h->ValueAtPercentile(50), huge);  // Rank 3 is in the last bucket: reports max.
  EXPECT_EQ(h->ValueAtPercentile(20), Histogram::BucketUpper(Histogram::BucketIndex(kMs)));
  EXPECT_EQ(h->CountAbove(Histogram::kMaxValue), 3u);  // Exactly the overflow.
  EXPECT_EQ(h->CountAbove(Histogram::kMaxValue - 1), 3u);
  EXPECT_EQ(h->CountAbove(Histogram::BucketUpper(kLast - 1)), 4u);
  EXPECT_EQ(h->CountAbove(Histogram::kMaxValue + 1), 0u);  // Overflow is not resolved.
}

TEST(HistogramTest, ExactBucketBoundaries) {
  for (int i : {0, 1, 127, 128, 255, 256, 257, 383, 384, 1000, 2000, kLast - 1, kLast}) {
    const int64_t lo = Histogram::BucketLower(i);
    const int64_t hi = Histogram::BucketUpper(i);
    auto h = NewHistogram();
    h->Add(lo);
    h->Add(hi);
    EXPECT_EQ(h->bucket_count(i), 2u) << i;
    EXPECT_EQ(h->ValueAtPercentile(50), hi) << i;  // Upper bound, == max here.
    EXPECT_EQ(h->ValueAtPercentile(0), lo) << i;
    EXPECT_EQ(h->CountAbove(hi), 0u);
    EXPECT_EQ(h->CountAbove(lo - 1), 2u);
    if (i < kLast) {
      h->Add(hi + 1);
      EXPECT_EQ(h->bucket_count(i + 1), 1u) << i;
      EXPECT_EQ(h->CountAbove(hi), 1u);
    }
  }
}

TEST(HistogramTest, PercentileIsClampedToMaxAndNeverAboveIt) {
  auto h = NewHistogram();
  h->Add(20 * kMs + 1);  // Upper bound of its bucket is well above the value.
  h->Add(1 * kMs);
  ASSERT_GT(Histogram::BucketUpper(Histogram::BucketIndex(20 * kMs + 1)), 20 * kMs + 1);
  EXPECT_EQ(h->ValueAtPercentile(99), 20 * kMs + 1);
  EXPECT_EQ(h->ValueAtPercentile(100), h->max());
  EXPECT_EQ(h->ValueAtPercentile(0), h->min());
  EXPECT_EQ(h->ValueAtPercentile(-5), h->min());
  EXPECT_EQ(h->ValueAtPercentile(250), h->max());
  EXPECT_EQ(h->ValueAtPercentile(std::nan("")), h->min());
}

TEST(HistogramTest, AddNEqualsRepeatedAdd) {
  auto a = NewHistogram();
  auto b = NewHistogram();
  for (int64_t v : {int64_t{-3}, int64_t{0}, int64_t{17}, 5 * kMs, Histogram::kMaxValue + 9}) {
    a->AddN(v, 5);
    for (int i = 0; i < 5; ++i) b->Add(v);
  }
  a->AddN(100 * kS, 0);  // A zero count records nothing, and moves neither min nor max.
  a->AddN(0, 0);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(a->count(), 25u);
}

struct Distribution {
  const char* name;
  std::function<int64_t(std::mt19937_64&)> draw;
};

std::vector<Distribution> Distributions() {
  return {
      {"uniform 0..1s",
       [](std::mt19937_64& rng) { return std::uniform_int_distribution<int64_t>(0, kS)(rng); }},
      {"exponential mean 2ms",
       [](std::mt19937_64& rng) {
         return static_cast<int64_t>(std::exponential_distribution<double>(1.0 / (2 * kMs))(rng));
       }},
      {"bimodal 300us / 20ms",
       [](std::mt19937_64& rng) {
         const bool slow = std::bernoulli_distribution(0.2)(rng);
         std::normal_distribution<double> d(slow ? 20.0 * kMs : 300.0 * kUs,
                                            slow ? 2.0 * kMs : 30.0 * kUs);
         return std::max<int64_t>(0, static_cast<int64_t>(d(rng)));
       }},
      {"heavy tail pareto a=1.1 from 50us",
       [](std::mt19937_64& rng) {
         const double u = std::uniform_real_distribution<double>(0, 1)(rng);
         const double v = 50.0 * kUs / std::pow(1 - u, 1 / 1.1);
         // Keep within the tracked range: overflow is tested on its own.
         return static_cast<int64_t>(std::min(v, static_cast<double>(Histogram::kMaxValue)));
       }},
      {"sub-microsecond 0..2us",
       [](std::mt19937_64& rng) {
         return std::uniform_int_distribution<int64_t>(0, 2 * kUs)(rng);
       }},
  };
}

TEST(HistogramTest, PercentilesMatchASortedReferenceWithinTheBucketError) {
  std::mt19937_64 rng(42);
  for (const Distribution& dist : Distributions()) {
    SCOPED_TRACE(dist.name);
    for (int n : {1, 2, 3, 10, 999, 100000}) {
      SCOPED_TRACE(n);
      std::vector<int64_t> values(n);
      auto h = NewHistogram();
      long double sum = 0;
      for (int64_t& v : values) {
        v = dist.draw(rng);
        h->Add(v);
        sum += v;
      }
      std::sort(values.begin(), values.end());
      EXPECT_EQ(h->count(), static_cast<uint64_t>(n));
      EXPECT_EQ(h->min(), values.front());
      EXPECT_EQ(h->max(), values.back());
      EXPECT_EQ(h->sum(), static_cast<double>(sum));
      EXPECT_DOUBLE_EQ(h->Mean(), static_cast<double>(sum / n));
      int64_t previous = 0;
      for (double p : {0.0, 0.1, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
        const int64_t got = h->ValueAtPercentile(p);
        ExpectWithinBucketError(got, ReferencePercentile(values, p), p);
        EXPECT_GE(got, previous) << "not monotone at p" << p;
        EXPECT_LE(got, h->max());
        previous = got;
      }
    }
  }
}

TEST(HistogramTest, MergeEqualsAddingEverythingToOne) {
  std::mt19937_64 rng(7);
  auto all = NewHistogram();
  std::vector<std::unique_ptr<Histogram>> parts;
  for (int i = 0; i < 3; ++i) parts.push_back(NewHistogram());
  for (const Distribution& dist : Distributions()) {
    for (int i = 0; i < 20000; ++i) {
      const int64_t v = dist.draw(rng);
      all->Add(v);
      parts[rng() % parts.size()]->Add(v);
    }
  }
  all->Add(std::numeric_limits<int64_t>::max());
  parts[0]->Add(std::numeric_limits<int64_t>::max());
  auto merged = NewHistogram();
  for (const auto& part : parts) merged->Merge(*part);
  EXPECT_EQ(*merged, *all);
  EXPECT_EQ(merged->min(), all->min());
  EXPECT_EQ(merged->overflow(), 1u);

  // Merging an empty one changes nothing; merging into an empty one copies.
  merged->Merge(Histogram());
  EXPECT_EQ(*merged, *all);
  auto empty = NewHistogram();
  empty->Merge(*all);
  EXPECT_EQ(*empty, *all);
}

TEST(HistogramTest, MergeWithItselfDoublesCounts) {
  auto h = NewHistogram();
  h->Add(3 * kMs);
  h->Add(5 * kUs);
  h->Merge(*h);
  EXPECT_EQ(h->count(), 4u);
  EXPECT_EQ(h->min(), 5 * kUs);
  EXPECT_EQ(h->max(), 3 * kMs);
  EXPECT_EQ(h->bucket_count(Histogram::BucketIndex(3 * kMs)), 2u);
}

TEST(HistogramTest, SubtractIsTheInverseOfMerge) {
  std::mt19937_64 rng(11);
  auto a = NewHistogram();
  auto b = NewHistogram();
  for (int i = 0; i < 50000; ++i) {
    a->Add(std::uniform_int_distribution<int64_t>(0, 10 * kMs)(rng));
    b->Add(std::uniform_int_distribution<int64_t>(kMs, 10 * kS)(rng));
  }
  Histogram sum = *a;
  sum.Merge(*b);
  sum.Subtract(*a);
  // The interval holds b's samples exactly; b's max and min were new extremes (b reaches
  // higher than a; its min is not lower, so min is estimated within one bucket).
  for (int i = 0; i < Histogram::kNumBuckets; ++i) {
    ASSERT_EQ(sum.bucket_count(i), b->bucket_count(i)) << i;
  }
  EXPECT_EQ(sum.count(), b->count());
  EXPECT_EQ(sum.sum(), b->sum());
  EXPECT_EQ(sum.max(), b->max());
  EXPECT_LE(sum.min(), b->min());
  EXPECT_EQ(Histogram::BucketIndex(sum.min()), Histogram::BucketIndex(b->min()));

  Histogram none = *a;
  none.Subtract(*a);
  EXPECT_EQ(none, Histogram());
}

TEST(HistogramTest, SubtractGivesIntervalsOfACumulativeHistogram) {
  auto cumulative = NewHistogram();
  cumulative->Add(5 * kUs);
  cumulative->Add(900 * kMs);  // An old spike: the cumulative max.
  const Histogram earlier = *cumulative;

  // Interval 1: only values between the old extremes. Min and max are estimated.
  cumulative->Add(20 * kMs + 12345);
  cumulative->Add(21 * kMs + 7);
  Histogram interval = *cumulative;
  interval.Subtract(earlier);
  EXPECT_EQ(interval.count(), 2u);
  EXPECT_DOUBLE_EQ(interval.sum(), 41.0 * kMs + 12352);
  EXPECT_EQ(interval.max(), Histogram::BucketUpper(Histogram::BucketIndex(21 * kMs + 7)));
  EXPECT_GE(interval.max(), 21 * kMs + 7);
  EXPECT_LE(interval.max(), 21 * kMs + 7 + (21 * kMs) / 128);
  EXPECT_EQ(interval.min(), Histogram::BucketLower(Histogram::BucketIndex(20 * kMs + 12345)));
  EXPECT_LE(interval.min(), 20 * kMs + 12345);
  EXPECT_EQ(interval.ValueAtPercentile(100), interval.max());
  EXPECT_EQ(interval.ValueAtPercentile(0), interval.min());
  EXPECT_LE(interval.ValueAtPercentile(50), interval.max());
  EXPECT_GE(interval.ValueAtPercentile(50), interval.min());

  // Interval 2: new extremes on both sides: exact.
  const Histogram earlier2 = *cumulative;
  cumulative->Add(1 * kUs);
  cumulative->Add(2 * kS + 1);
  cumulative->Add(3 * kMs);
  interval = *cumulative;
  interval.Subtract(earlier2);
  EXPECT_EQ(interval.count(), 3u);
  EXPECT_EQ(interval.min(), 1 * kUs);
  EXPECT_EQ(interval.max(), 2 * kS + 1);

  // Interval 3: nothing happened.
  interval = *cumulative;
  interval.Subtract(*cumulative);
  EXPECT_TRUE(interval.empty());
  EXPECT_EQ(interval.min(), 0);
  EXPECT_EQ(interval.max(), 0);
  EXPECT_EQ(interval.ValueAtPercentile(99), 0);

  // From an empty start, the first interval is the cumulative histogram itself.
  interval = *cumulative;
  interval.Subtract(Histogram());
  EXPECT_EQ(interval, *cumulative);
}

TEST(HistogramTest, SubtractOfALaterStateSaturatesInsteadOfWrapping) {
  auto later = NewHistogram();
  later->Add(kMs);
  later->Add(kMs);
  auto restarted = NewHistogram();  // The writer restarted and has less than before.
  restarted->Add(kMs);
  restarted->Add(2 * kS);
  restarted->Subtract(*later);
  EXPECT_EQ(restarted->count(), 1u);
  EXPECT_EQ(restarted->bucket_count(Histogram::BucketIndex(kMs)), 0u);
  EXPECT_EQ(restarted->sum(), 2.0 * kS - kMs);
  EXPECT_EQ(restarted->overflow(), 0u);
}

TEST(HistogramTest, CountAboveMatchesTheReference) {
  std::mt19937_64 rng(3);
  std::vector<int64_t> values;
  auto h = NewHistogram();
  for (const Distribution& dist : Distributions()) {
    for (int i = 0; i < 5000; ++i) {
      values.push_back(dist.draw(rng));
      h->Add(values.back());
    }
  }
  auto reference = [&](int64_t t) {
    return static_cast<uint64_t>(
        std::count_if(values.begin(), values.end(), [t](int64_t v) { return v > t; }));
  };
  EXPECT_EQ(h->CountAbove(-1), values.size());
  // Exact at every bucket upper bound.
  for (int i = 0; i < Histogram::kNumBuckets; i += 7) {
    ASSERT_EQ(h->CountAbove(Histogram::BucketUpper(i)), reference(Histogram::BucketUpper(i))) << i;
  }
  // Elsewhere: leaves out at most the samples of the threshold's own bucket.
  for (int64_t t : {int64_t{0}, int64_t{1}, 999 * kUs, 500 * kMs, 500 * kMs + 1, 3 * kS}) {
    const uint64_t got = h->CountAbove(t);
    const uint64_t ref = reference(t);
    EXPECT_LE(got, ref) << t;
    EXPECT_GE(got + h->bucket_count(Histogram::BucketIndex(t)), ref) << t;
  }
}

// The coordinated-omission check compares two histograms: a corrected latency is never
// below its uncorrected twin, and CountAbove must not break that order.
TEST(HistogramTest, CountAboveIsMonotoneAcrossHistograms) {
  std::mt19937_64 rng(5);
  auto uncorrected = NewHistogram();
  auto corrected = NewHistogram();
  for (int i = 0; i < 20000; ++i) {
    const int64_t v = std::uniform_int_distribution<int64_t>(0, 2 * kS)(rng);
    uncorrected->Add(v);
    corrected->Add(v + std::uniform_int_distribution<int64_t>(0, 3)(rng));
  }
  for (int64_t t = 0; t < 2 * kS; t += 999 * kUs + 1) {
    ASSERT_GE(corrected->CountAbove(t), uncorrected->CountAbove(t)) << t;
  }
}

TEST(HistogramTest, ForEachBucketVisitsNonEmptyBucketsInOrder) {
  auto h = NewHistogram();
  const std::vector<int64_t> values = {
      0, 3, 9, 2 * kUs, 2 * kUs, 40 * kMs, 10 * kS, std::numeric_limits<int64_t>::max()};
  for (int64_t v : values) h->Add(v);
  std::vector<HistogramBucket> seen;
  h->ForEachBucket([&](const HistogramBucket& b) { seen.push_back(b); });
  ASSERT_EQ(seen.size(), 6u);
  uint64_t total = 0;
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_GT(seen[i].count, 0u);
    if (i > 0) {
      EXPECT_GT(seen[i].lower, seen[i - 1].upper);
    }
    total += seen[i].count;
  }
  EXPECT_EQ(total, h->count());
  EXPECT_EQ(seen[0].lower, 0);
  EXPECT_EQ(seen[0].upper, 7);
  EXPECT_EQ(seen[0].count, 2u);
  EXPECT_EQ(seen[2].count, 2u);
  EXPECT_LE(seen[2].lower, 2 * kUs);
  EXPECT_GE(seen[2].upper, 2 * kUs);
  EXPECT_EQ(seen.back().upper, Histogram::kMaxValue);
}

TEST(HistogramTest, ClearEmpties) {
  auto h = NewHistogram();
  h->Add(kMs);
  h->Add(std::numeric_limits<int64_t>::max());
  h->Clear();
  EXPECT_EQ(*h, Histogram());
  EXPECT_TRUE(h->empty());
  EXPECT_EQ(h->overflow(), 0u);
}

// Sparse use (see Histogram, "Sparse use"): buckets outside bucket_range() are zero, and the
// methods neither read nor write them.

// Every non-zero bucket lies inside bucket_range().
void ExpectZeroOutsideRange(const Histogram& h) {
  const BucketRange r = h.bucket_range();
  for (int i = 0; i < Histogram::kNumBuckets; ++i) {
    if (i < r.begin || i >= r.end) {
      ASSERT_EQ(h.bucket_count(i), 0u) << "bucket " << i;
    }
  }
}

constexpr uint64_t kPoison = 1000003;

// Sets every bucket outside [begin, end) to kPoison: a method that reads such a bucket gets
// a visibly wrong answer, one that writes it leaves something other than kPoison.
void Poison(Histogram* h, BucketRange keep) {
  for (int i = 0; i < Histogram::kNumBuckets; ++i) {
    if (i < keep.begin || i >= keep.end) h->mutable_buckets()[i] = kPoison;
  }
}

// True iff the poison outside `keep` is intact.
bool PoisonIntact(const Histogram& h, BucketRange keep) {
  for (int i = 0; i < Histogram::kNumBuckets; ++i) {
    if ((i < keep.begin || i >= keep.end) && h.bucket_count(i) != kPoison) return false;
  }
  return true;
}

// Equal totals and equal buckets inside `in`.
void ExpectSameInside(const Histogram& got, const Histogram& want, BucketRange in) {
  EXPECT_EQ(got.count(), want.count());
  EXPECT_EQ(got.sum(), want.sum());
  EXPECT_EQ(got.min(), want.min());
  EXPECT_EQ(got.max(), want.max());
  EXPECT_EQ(got.overflow(), want.overflow());
  for (int i = in.begin; i < in.end; ++i) ASSERT_EQ(got.bucket_count(i), want.bucket_count(i)) << i;
}

BucketRange Hull(BucketRange a, BucketRange b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return BucketRange{std::min(a.begin, b.begin), std::max(a.end, b.end)};
}

TEST(HistogramTest, BucketRangeSpansMinToMax) {
  auto h = NewHistogram();
  EXPECT_TRUE(h->bucket_range().empty());
  EXPECT_EQ(h->bucket_range().size(), 0);
  h->Add(3 * kMs);
  EXPECT_EQ(h->bucket_range().begin, Histogram::BucketIndex(3 * kMs));
  EXPECT_EQ(h->bucket_range().end, Histogram::BucketIndex(3 * kMs) + 1);
  h->Add(40 * kUs);
  h->Add(7 * kMs);
  EXPECT_EQ(h->bucket_range().begin, Histogram::BucketIndex(40 * kUs));
  EXPECT_EQ(h->bucket_range().end, Histogram::BucketIndex(7 * kMs) + 1);
  h->Add(-5);
  h->Add(std::numeric_limits<int64_t>::max());
  EXPECT_EQ(h->bucket_range().begin, 0);
  EXPECT_EQ(h->bucket_range().end, Histogram::kNumBuckets);
  h->AddN(kS, 0);  // Records nothing: the range does not move.
  EXPECT_EQ(h->bucket_range().size(), Histogram::kNumBuckets);
}

TEST(HistogramTest, TheRawLayoutIsTotalsThenBuckets) {
  auto h = NewHistogram();
  h->Add(kMs);
  const auto* bytes = reinterpret_cast<const unsigned char*>(h.get());
  EXPECT_EQ(reinterpret_cast<const unsigned char*>(h->buckets()), bytes + Histogram::kTotalsBytes);
  EXPECT_EQ(h->buckets()[Histogram::BucketIndex(kMs)], 1u);
  // The totals alone carry the range: copying them and the range's buckets copies the value.
  auto copy = NewHistogram();
  std::memcpy(static_cast<void*>(copy.get()), h.get(), Histogram::kTotalsBytes);
  const BucketRange r = copy->bucket_range();
  EXPECT_EQ(r.begin, Histogram::BucketIndex(kMs));
  std::copy(h->buckets() + r.begin, h->buckets() + r.end, copy->mutable_buckets() + r.begin);
  EXPECT_EQ(*copy, *h);
}

TEST(HistogramTest, EveryMethodKeepsBucketsOutsideTheRangeZero) {
  std::mt19937_64 rng(17);
  auto cumulative = NewHistogram();
  auto earlier = NewHistogram();
  auto interval = NewHistogram();
  auto merged = NewHistogram();
  for (int round = 0; round < 30; ++round) {
    SCOPED_TRACE(round);
    *earlier = *cumulative;
    // A band that wanders, so ranges grow, move and (for intervals) shrink.
    const int64_t base = std::uniform_int_distribution<int64_t>(0, 2 * kS)(rng);
    const int64_t width = std::uniform_int_distribution<int64_t>(0, base / 8 + 1)(rng);
    for (int i = 0; i < 50; ++i) cumulative->Add(base + rng() % (width + 1));
    ExpectZeroOutsideRange(*cumulative);
    *interval = *cumulative;
    interval->Subtract(*earlier);
    ExpectZeroOutsideRange(*interval);
    EXPECT_EQ(interval->count(), 50u);
    merged->Merge(*interval);
    ExpectZeroOutsideRange(*merged);
    // Saturating subtraction (the writer restarted) keeps it too.
    Histogram restarted = *interval;
    restarted.Subtract(*cumulative);
    ExpectZeroOutsideRange(restarted);
    if (round % 10 == 9) {
      merged->Clear();
      EXPECT_EQ(*merged, Histogram());
    }
  }
}

TEST(HistogramTest, MethodsNeitherReadNorWriteOutsideTheRange) {
  auto a = NewHistogram();  // 1 ms .. 5 ms.
  auto b = NewHistogram();  // 4 ms .. 30 ms.
  for (int64_t v = kMs; v <= 5 * kMs; v += 37 * kUs) a->Add(v);
  for (int64_t v = 4 * kMs; v <= 30 * kMs; v += 211 * kUs) b->Add(v);
  const BucketRange ra = a->bucket_range();
  const BucketRange rb = b->bucket_range();
  const BucketRange both = Hull(ra, rb);

  // Merge reads only other's range and writes only there: a's poison outside the union
  // stays, b's poison is never added in.
  {
    Histogram want = *a;
    want.Merge(*b);
    auto got = NewHistogram();
    *got = *a;
    Poison(got.get(), both);
    Histogram other = *b;
    Poison(&other, rb);
    got->Merge(other);
    ExpectSameInside(*got, want, both);
    EXPECT_TRUE(PoisonIntact(*got, both));
  }
  // Subtract reads and writes only this histogram's range.
  {
    Histogram cumulative = *a;
    cumulative.Merge(*b);
    Histogram want = cumulative;
    want.Subtract(*a);
    Histogram got = cumulative;
    Poison(&got, both);
    Histogram earlier = *a;
    Poison(&earlier, both);
    got.Subtract(earlier);
    ExpectSameInside(got, want, both);
    EXPECT_TRUE(PoisonIntact(got, both));
  }
  // The readers see only the range.
  {
    Histogram poisoned = *b;
    Poison(&poisoned, rb);
    for (double p : {0.0, 1.0, 50.0, 99.0, 99.9, 100.0}) {
      EXPECT_EQ(poisoned.ValueAtPercentile(p), b->ValueAtPercentile(p)) << p;
    }
    for (int64_t t : {int64_t{-1}, int64_t{0}, 3 * kMs, 10 * kMs, 40 * kMs, 2 * kS}) {
      EXPECT_EQ(poisoned.CountAbove(t), b->CountAbove(t)) << t;
    }
    uint64_t seen = 0;
    poisoned.ForEachBucket([&](const HistogramBucket& bucket) { seen += bucket.count; });
    EXPECT_EQ(seen, b->count());
  }
  // Clear writes only the range (and the totals).
  {
    Histogram poisoned = *a;
    Poison(&poisoned, ra);
    poisoned.Clear();
    EXPECT_TRUE(poisoned.empty());
    EXPECT_TRUE(PoisonIntact(poisoned, ra));
    for (int i = ra.begin; i < ra.end; ++i) ASSERT_EQ(poisoned.bucket_count(i), 0u) << i;
  }
}

}  // namespace
}  // namespace fleetsim
