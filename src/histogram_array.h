// Copyright fleetsim authors.
//
// histogram_array: an owned, fixed-size array of Histograms in fresh zero pages, so that a
// histogram costs memory only for the pages its values span, not its full 28 KiB.

#ifndef FLEETSIM_SRC_HISTOGRAM_ARRAY_H_
#define FLEETSIM_SRC_HISTOGRAM_ARRAY_H_

#include <cstddef>

#include "src/histogram.h"

namespace fleetsim {

// HistogramArray: `size()` empty Histograms in their own private anonymous mapping. The
// kernel hands out zero pages, and zero bytes are an empty Histogram, so nothing is written
// at construction: a page is only allocated when something writes to it, and Histogram's
// methods write only inside the bucket range in use (see Histogram, "Sparse use"). A
// std::vector<Histogram> of the same size, by contrast, value-initialises (writes) every
// page. Reading an untouched page maps the kernel's shared zero page and allocates nothing.
//
// Ownership: owns the mapping (unmapped on destruction); move-only. Thread-compatible, like
// the Histograms in it. Not shared across fork() beyond copy-on-write.
class HistogramArray {
 public:
  // An array of no histograms.
  HistogramArray() = default;
  // `n` empty histograms. CHECK-fails if the mapping fails (out of memory or address space).
  explicit HistogramArray(size_t n);
  // Moving leaves `other` empty (size() 0, data() nullptr).
  HistogramArray(HistogramArray&& other) noexcept;
  HistogramArray& operator=(HistogramArray&& other) noexcept;
  HistogramArray(const HistogramArray&) = delete;
  HistogramArray& operator=(const HistogramArray&) = delete;
  ~HistogramArray();

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // REQUIRES: i < size().
  Histogram& operator[](size_t i) { return data_[i]; }
  const Histogram& operator[](size_t i) const { return data_[i]; }
  // size() contiguous Histograms; nullptr if size() == 0. Valid until destruction or move.
  Histogram* data() { return data_; }
  const Histogram* data() const { return data_; }
  Histogram* begin() { return data_; }
  Histogram* end() { return data_ + size_; }
  const Histogram* begin() const { return data_; }
  const Histogram* end() const { return data_ + size_; }

  // Empties every histogram, writing only the buckets each had in use.
  void Clear();

 private:
  void Unmap();

  Histogram* data_ = nullptr;  // Start of the mapping; owned.
  size_t size_ = 0;
  size_t mapped_bytes_ = 0;
};

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_HISTOGRAM_ARRAY_H_
