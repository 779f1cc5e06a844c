// Copyright fleetsim authors.

#include "src/histogram.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace fleetsim {

namespace {

template <typename T>
T SaturatingSub(T a, T b) {
  return a > b ? a - b : 0;
}

}  // namespace

void Histogram::Merge(const Histogram& other) {
  static_assert(offsetof(Histogram, buckets_) == kTotalsBytes, "totals precede the buckets");
  // Only other's non-zero buckets: a zero added to an untouched page would fault it in. For
  // the same reason an empty `other` (all-zero totals) writes nothing, not even our totals.
  if (other.count_ == 0) return;
  const BucketRange r = other.bucket_range();
  for (int i = r.begin; i < r.end; ++i) buckets_[i] += other.buckets_[i];
  sum_ += other.sum_;
  count_ += other.count_;
  overflow_ += other.overflow_;
  // Empty histograms hold min_inv_ == 0 and max_ == 0, the identities of these max()es.
  min_inv_ = std::max(min_inv_, other.min_inv_);
  max_ = std::max(max_, other.max_);
}

void Histogram::Subtract(const Histogram& earlier) {
  // Outside our range our buckets are zero, so the (saturated) difference is zero there too.
  const BucketRange r = bucket_range();
  uint64_t count = 0;
  int lowest = -1;
  int highest = -1;
  for (int i = r.begin; i < r.end; ++i) {
    const uint64_t d = SaturatingSub(buckets_[i], earlier.buckets_[i]);
    buckets_[i] = d;
    count += d;
    if (d != 0) {
      if (lowest < 0) lowest = i;
      highest = i;
    }
  }
  if (count == 0) {
    ClearTotals();  // The loop above already zeroed every bucket in range.
    return;
  }
  // Decide min and max from the cumulative extremes before overwriting them. A cumulative
  // extreme that moved must have been recorded during the interval, so it is exact.
  const bool new_max = earlier.count_ == 0 || max_ > earlier.max_;
  const bool new_min = earlier.count_ == 0 || min_inv_ > earlier.min_inv_;
  if (!new_max) {
    // The last bucket has no finite upper bound once it overflowed; the cumulative max is
    // still an upper bound of the interval's.
    if (highest != kNumBuckets - 1) {
      max_ = std::min(max_, static_cast<uint64_t>(BucketUpper(highest)));
    }
  }
  if (!new_min) {
    const uint64_t lower = static_cast<uint64_t>(BucketLower(lowest));
    min_inv_ = std::min(min_inv_, ~lower);  // min = max(cumulative min, bucket lower bound).
  }
  count_ = count;
  sum_ = SaturatingSub(sum_, earlier.sum_);
  overflow_ = SaturatingSub(overflow_, earlier.overflow_);
}

void Histogram::Clear() {
  const BucketRange r = bucket_range();
  std::fill(buckets_ + r.begin, buckets_ + r.end, 0);
  ClearTotals();
}

void Histogram::ClearTotals() {
  // Clearing an untouched (zero-page) histogram must not fault its page in.
  if ((count_ | overflow_ | min_inv_ | max_) == 0 && sum_ == 0) return;
  sum_ = 0;
  count_ = 0;
  overflow_ = 0;
  min_inv_ = 0;
  max_ = 0;
}

double Histogram::Mean() const {
  if (count_ == 0) return 0;
  return static_cast<double>(static_cast<long double>(sum_) / count_);
}

int64_t Histogram::ValueAtPercentile(double p) const {
  if (count_ == 0) return 0;
  if (!(p > 0)) return min();  // Also NaN.
  if (p >= 100) return max();
  // Multiplying before dividing, in long double, keeps e.g. p99.9 of 1000 samples at rank
  // 999 rather than 1000 (99.9 / 100 is not exact in binary).
  const long double exact = static_cast<long double>(p) * count_ / 100;
  const uint64_t rank = std::clamp<uint64_t>(static_cast<uint64_t>(std::ceil(exact)), 1, count_);
  const BucketRange r = bucket_range();
  uint64_t seen = 0;
  for (int i = r.begin; i < r.end; ++i) {
    seen += buckets_[i];
    if (seen >= rank) {
      if (i == kNumBuckets - 1) return max();
      return std::min(BucketUpper(i), max());
    }
  }
  return max();  // Unreachable while count_ equals the sum of the buckets.
}

uint64_t Histogram::CountAbove(int64_t ns) const {
  if (ns < 0) return count_;
  if (ns > kMaxValue) return 0;
  const int b = BucketIndexOfClamped(static_cast<uint64_t>(ns));
  const BucketRange r = bucket_range();
  uint64_t above = 0;
  for (int i = std::max(b + 1, r.begin); i < r.end; ++i) above += buckets_[i];
  // Below the last bucket, its count (which includes the overflow) is already in `above`.
  if (b == kNumBuckets - 1) above += overflow_;
  return above;
}

void Histogram::ForEachBucket(absl::FunctionRef<void(const HistogramBucket&)> fn) const {
  const BucketRange r = bucket_range();
  for (int i = r.begin; i < r.end; ++i) {
    if (buckets_[i] != 0) fn(HistogramBucket{BucketLower(i), BucketUpper(i), buckets_[i]});
  }
}

bool operator==(const Histogram& a, const Histogram& b) {
  return a.sum_ == b.sum_ && a.count_ == b.count_ && a.overflow_ == b.overflow_ &&
         a.min_inv_ == b.min_inv_ && a.max_ == b.max_ &&
         std::equal(a.buckets_, a.buckets_ + Histogram::kNumBuckets, b.buckets_);
}

}  // namespace fleetsim
