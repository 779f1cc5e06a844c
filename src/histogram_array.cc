// Copyright fleetsim authors.

#include "src/histogram_array.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <type_traits>
#include <utility>

#include "glog/logging.h"

namespace fleetsim {

// No constructor runs on the mapped bytes: Histogram is an implicit-lifetime type (trivially
// copyable and destructible), and its zero bytes are the empty histogram.
static_assert(std::is_trivially_copyable_v<Histogram> &&
              std::is_trivially_destructible_v<Histogram>);

HistogramArray::HistogramArray(size_t n) : size_(n) {
  if (n == 0) return;
  // Not calloc: glibc serves a calloc below its (adaptive, up to 32 MiB) mmap threshold from
  // the heap and memsets it, which writes every page this class exists not to touch.
  mapped_bytes_ = n * sizeof(Histogram);
  void* p =
      mmap(nullptr, mapped_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(p != MAP_FAILED) << "HistogramArray: mmap of " << mapped_bytes_
                         << " bytes: " << strerror(errno);
  // A transparent huge page would turn one touched bucket into 2 MiB of memory.
  (void)madvise(p, mapped_bytes_, MADV_NOHUGEPAGE);
  data_ = static_cast<Histogram*>(p);
}

HistogramArray::HistogramArray(HistogramArray&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      mapped_bytes_(std::exchange(other.mapped_bytes_, 0)) {}

HistogramArray& HistogramArray::operator=(HistogramArray&& other) noexcept {
  if (this != &other) {
    Unmap();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    mapped_bytes_ = std::exchange(other.mapped_bytes_, 0);
  }
  return *this;
}

HistogramArray::~HistogramArray() { Unmap(); }

void HistogramArray::Clear() {
  for (Histogram& h : *this) h.Clear();
}

void HistogramArray::Unmap() {
  if (data_ != nullptr) munmap(data_, mapped_bytes_);
  data_ = nullptr;
  size_ = 0;
  mapped_bytes_ = 0;
}

}  // namespace fleetsim
