// Copyright fleetsim authors.
//
// histogram: a fixed-size, pointer-free, mergeable log-linear histogram of int64 values
// (latencies in nanoseconds). Pure: no I/O, no clock, no allocation. Trivially copyable, so
// a worker can publish it into the shared stats segment by copying its bytes.

#ifndef FLEETSIM_SRC_HISTOGRAM_H_
#define FLEETSIM_SRC_HISTOGRAM_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "absl/functional/function_ref.h"

namespace fleetsim {

// One non-empty bucket, as visited by Histogram::ForEachBucket(). Bounds are inclusive.
struct HistogramBucket {
  int64_t lower;   // Smallest value the bucket holds.
  int64_t upper;   // Largest value the bucket holds (kMaxValue for the last bucket).
  uint64_t count;  // Samples in the bucket (the last bucket includes overflow()).
};

// A half-open range [begin, end) of bucket indices; empty when begin >= end.
struct BucketRange {
  int begin = 0;
  int end = 0;
  bool empty() const { return begin >= end; }
  int size() const { return empty() ? 0 : end - begin; }
};

// Histogram: counts of non-negative int64 values in fixed log-linear buckets, plus the exact
// count, sum, min and max of the values added.
//
// Bucket layout (HdrHistogram's, with a lowest discernible unit of 8 ns):
//   - a value v is first divided by 8 (kUnitShift = 3) into units u = v >> 3;
//   - u < 256: bucket u, i.e. 8 ns wide buckets covering [0, 2048) ns;
//   - u in [2^m, 2^(m+1)), m = 8..33: 128 equal sub-buckets of 2^(m-7) units, i.e.
//     bucket (m - 7) * 128 + (u >> (m - 7)).
// That is kNumBuckets = 3584 buckets from 0 to kMaxValue = 2^37 - 1 ns (137.4 s).
//
// Error bound: every bucket [lower, upper] is narrower than 1/128 of its lower bound once
// past the linear region, so for every value v >= 896 ns (in particular over 1 us .. 137 s)
// the bucket holding v satisfies upper - v <= v / 128 (0.79 %). Below 896 ns the absolute
// error is at most 7 ns. 128 sub-buckets per power of two is the fewest power-of-two count
// that keeps a bucket's *upper bound* (what percentiles report) within 1 %; the 8 ns unit
// drops three octaves of precision nobody needs below 1 us (clock_gettime itself costs ~20 ns)
// and saves 384 buckets (3 KiB) per histogram.
//
// Clamping: negative values are recorded as 0 (everywhere: buckets, sum, min, max). Values
// above kMaxValue go into the last bucket and are also counted in overflow(); sum, min and
// max keep their true values.
//
// All-zero bytes (a fresh mmap, memset, value-initialisation) are a valid empty histogram.
//
// Sparse use: every bucket outside bucket_range() = [BucketIndex(min()), BucketIndex(max())]
// is zero, and every method keeps it so. Merge, Subtract, Clear, ValueAtPercentile,
// CountAbove and ForEachBucket read and write only buckets inside the ranges involved, so a
// Histogram in fresh zero pages (HistogramArray, the stats segment) only ever faults in the
// pages its values span. Copying, operator== and value-initialisation touch all 28 KiB.
//
// Thread-compatible: a plain value. One thread writes a given Histogram; sharing it between
// threads or processes takes external synchronisation (the stats segment's seqlock).
class Histogram {
 public:
  static constexpr int kUnitShift = 3;      // Lowest discernible unit: 2^3 = 8 ns.
  static constexpr int kSubBucketBits = 7;  // 2^7 = 128 sub-buckets per power of two.
  static constexpr int kSubBuckets = 1 << kSubBucketBits;
  static constexpr int kTopOctave = 33;  // Highest power of two, in units.
  static constexpr int kNumBuckets = (kTopOctave - kSubBucketBits + 2) * kSubBuckets;
  // Largest value with its own bucket: 2^37 - 1 ns, about 137.4 s.
  static constexpr int64_t kMaxValue = (int64_t{1} << (kTopOctave + 1 + kUnitShift)) - 1;

  Histogram() = default;

  // Records one value. Hot path: no branches beyond cmovs, no floating point, no division.
  void Add(int64_t ns) { AddN(ns, 1); }
  // Records `n` samples of the same value (e.g. a batch of identical latencies). n == 0
  // records nothing (min and max do not move).
  void AddN(int64_t ns, uint64_t n) {
    const uint64_t v = ns < 0 ? 0 : static_cast<uint64_t>(ns);
    const uint64_t clamped = std::min(v, static_cast<uint64_t>(kMaxValue));
    const uint64_t any = n != 0 ? ~uint64_t{0} : 0;  // Folds away for Add().
    buckets_[BucketIndexOfClamped(clamped)] += n;
    overflow_ += v > static_cast<uint64_t>(kMaxValue) ? n : 0;
    count_ += n;
    sum_ += static_cast<unsigned __int128>(v) * n;
    min_inv_ = std::max(min_inv_, ~v & any);
    max_ = std::max(max_, v & any);
  }

  // Adds every bucket and the count, sum, overflow of `other`; min and max combine.
  // `other` may be *this. Reads and writes only the buckets of other.bucket_range(); an
  // empty `other` changes and writes nothing.
  void Merge(const Histogram& other);

  // Turns a cumulative histogram into the interval since `earlier`: this - earlier, bucket
  // by bucket; count, sum and overflow subtract exactly.
  // REQUIRES: `earlier` is an earlier state of this same cumulative histogram (no bucket of
  // `earlier` exceeds this one's). If violated (e.g. the writer restarted from zero), each
  // field saturates at 0 instead of wrapping, and count() is recomputed from the buckets.
  // Min and max of an interval cannot be diffed; they are:
  //   - exact when the interval set a new extreme (this->max() > earlier.max(), or
  //     this->min() < earlier.min(), or `earlier` was empty);
  //   - otherwise the bound of the extreme non-empty bucket, clamped by the cumulative
  //     value: max = min(upper bound of the highest bucket, this->max()) (never below the
  //     true interval max), min = max(lower bound of the lowest bucket, this->min()) (never
  //     above the true interval min). Both are within one bucket of the truth, and
  //     ValueAtPercentile(100) == max() still holds.
  // An empty interval has min() == max() == 0. Reads and writes only the buckets of this
  // histogram's bucket_range() (the result's lies inside it).
  void Subtract(const Histogram& earlier);

  // Back to empty: the same value as Histogram(), but writes only bucket_range() and the
  // totals (and nothing if already empty).
  void Clear();

  uint64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  // Sum of all values added (after clamping negatives to 0). Kept exactly in 128 bits, so it
  // never wraps; converted to double here (exact up to 2^53 ns, about 104 days).
  double sum() const { return static_cast<double>(sum_); }
  // Smallest and largest value added; 0 if empty.
  int64_t min() const { return count_ == 0 ? 0 : static_cast<int64_t>(~min_inv_); }
  int64_t max() const { return count_ == 0 ? 0 : static_cast<int64_t>(max_); }
  // Samples above kMaxValue (also included in the last bucket and in count()).
  uint64_t overflow() const { return overflow_; }
  // sum() / count(); 0 if empty.
  double Mean() const;

  // The value at percentile `p` (clamped to [0, 100]; NaN counts as 0), using the rank
  // ceil(p / 100 * count()) (at least 1): the upper bound of the bucket holding that rank,
  // clamped to max(). So it never under-reports: it is at or above the exact sample of that
  // rank, by at most 1/128 of it (at most 7 ns below 896 ns). It is non-decreasing in p and
  // never exceeds max(): ValueAtPercentile(0) == min(), ValueAtPercentile(100) == max(). In
  // the last bucket (which holds the overflow) it returns max(). 0 if empty. O(bucket_range()).
  int64_t ValueAtPercentile(double p) const;

  // The number of samples known to be strictly above `ns`: all samples of the buckets whose
  // lower bound exceeds `ns`. Exact when `ns` is a bucket's upper bound (BucketUpper(i)) or
  // negative; otherwise it leaves out the samples of ns's own bucket that lie above ns (a band
  // at most 1/128 wide). Overflowed samples count as above every ns <= kMaxValue and as not
  // above any larger ns. Because the rule depends only on buckets, CountAbove is monotone:
  // if every sample of A is >= the matching sample of B, A.CountAbove(t) >= B.CountAbove(t).
  uint64_t CountAbove(int64_t ns) const;

  // Calls fn once per non-empty bucket, in increasing order of value.
  void ForEachBucket(absl::FunctionRef<void(const HistogramBucket&)> fn) const;

  // Samples in bucket i. REQUIRES: 0 <= i < kNumBuckets.
  uint64_t bucket_count(int i) const { return buckets_[i]; }

  // The buckets that may be non-zero: [BucketIndex(min()), BucketIndex(max()) + 1), or an
  // empty range if count() == 0; every bucket outside it is zero. O(1), from the totals only.
  // Totals that no method produces (min() > max(), say a torn copy) also give an empty range.
  BucketRange bucket_range() const {
    if (count_ == 0) return BucketRange();
    const int lo = BucketIndex(min());
    const int hi = BucketIndex(max());
    return lo <= hi ? BucketRange{lo, hi + 1} : BucketRange();
  }

  // Raw layout, for code that copies a histogram in parts (the stats segment): the first
  // kTotalsBytes bytes of a Histogram are its totals (count, sum, overflow, min, max; all of
  // bucket_range() derives from them), followed by the kNumBuckets uint64_t buckets at
  // buckets(). Whoever writes through these must leave every bucket outside the resulting
  // bucket_range() zero.
  static constexpr size_t kTotalsBytes = 48;
  const uint64_t* buckets() const { return buckets_; }
  uint64_t* mutable_buckets() { return buckets_; }

  // The bucket a value goes to (negatives to 0, values above kMaxValue to the last one).
  static int BucketIndex(int64_t ns) {
    const uint64_t v = ns < 0 ? 0 : static_cast<uint64_t>(ns);
    return BucketIndexOfClamped(std::min(v, static_cast<uint64_t>(kMaxValue)));
  }
  // Inclusive bounds of bucket i. REQUIRES: 0 <= i < kNumBuckets (BucketLower also takes
  // kNumBuckets, returning kMaxValue + 1).
  static constexpr int64_t BucketLower(int i) {
    if (i < 2 * kSubBuckets) return int64_t{i} << kUnitShift;
    const int shift = (i >> kSubBucketBits) - 1;
    const int64_t sub = (i & (kSubBuckets - 1)) + kSubBuckets;
    return (sub << shift) << kUnitShift;
  }
  static constexpr int64_t BucketUpper(int i) { return BucketLower(i + 1) - 1; }

  // True iff every bucket and count, sum, overflow, min and max are equal. Reads every bucket
  // (tests use it to catch stray buckets outside bucket_range()).
  friend bool operator==(const Histogram& a, const Histogram& b);
  friend bool operator!=(const Histogram& a, const Histogram& b) { return !(a == b); }

 private:
  // REQUIRES: v <= kMaxValue.
  static int BucketIndexOfClamped(uint64_t v) {
    const uint64_t u = v >> kUnitShift;
    // Below 2 * kSubBuckets units the `| mask` pins the octave to kSubBucketBits, which makes
    // shift 0 and the index u itself: the linear region needs no branch.
    const int octave = 63 - __builtin_clzll(u | (2 * kSubBuckets - 1));
    const int shift = octave - kSubBucketBits;
    return (shift << kSubBucketBits) + static_cast<int>(u >> shift);
  }

  // Zeroes the totals only (which makes bucket_range() empty); writes nothing if they are.
  void ClearTotals();

  // Field order keeps the 16-byte sum first, so there is no padding anywhere; the totals are
  // the first kTotalsBytes bytes (checked in histogram.cc).
  unsigned __int128 sum_ = 0;  // Exact sum of clamped-at-0 values; 128 bits never wrap.
  uint64_t count_ = 0;         // Equals the sum of buckets_.
  uint64_t overflow_ = 0;      // Samples above kMaxValue.
  uint64_t min_inv_ = 0;       // ~min, so that zero bytes mean "no minimum yet".
  uint64_t max_ = 0;           // Largest value; 0 when empty (values are >= 0).
  uint64_t buckets_[kNumBuckets] = {};
};

static_assert(std::is_trivially_copyable_v<Histogram>, "Histogram lives in shared memory");
static_assert(std::is_standard_layout_v<Histogram>, "Histogram lives in shared memory");
static_assert(Histogram::kNumBuckets == 3584, "bucket layout changed: update the comment");
static_assert(Histogram::kMaxValue >= int64_t{100} * 1000 * 1000 * 1000, "must reach 100 s");
// 48 bytes of totals + 3584 * 8 bytes of buckets = 28,720 bytes (28 KiB).
static_assert(sizeof(Histogram) == 28720, "Histogram size changed: update this and the docs");
static_assert(sizeof(Histogram) % 8 == 0, "the stats segment copies it in 8-byte words");
static_assert(sizeof(Histogram) == Histogram::kTotalsBytes + 8 * Histogram::kNumBuckets);

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_HISTOGRAM_H_
