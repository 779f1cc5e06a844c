// Copyright fleetsim authors.

#include "src/stats_segment.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "glog/logging.h"

namespace fleetsim {
namespace {

// Shared words are std::atomic<uint64_t> laid over the mapping. That is only sound if an
// atomic word is a plain, lock-free 8-byte word: a lock-based atomic would put its lock in
// this process, not in the shared memory.
using Word = std::atomic<uint64_t>;
static_assert(sizeof(Word) == sizeof(uint64_t) && alignof(Word) == alignof(uint64_t));
static_assert(Word::is_always_lock_free, "atomics must be address-free to work across processes");

// Word indices within a slot's first cache line; see the format in the header.
constexpr size_t kSeqWord = 0;
constexpr size_t kPublishCountWord = 1;
constexpr size_t kPublishedAtWord = 2;
constexpr size_t kResetCountWord = 3;
constexpr size_t kSlotHeaderBytes = kStatsSlotAlign;
// A histogram head: the range word, then the totals, then a reserved word.
constexpr size_t kHeadBytes = 64;
constexpr size_t kRangeWord = 0;
constexpr size_t kTotalsWord = 1;
constexpr size_t kTotalsWords = Histogram::kTotalsBytes / 8;
static_assert(8 * (kTotalsWord + kTotalsWords) <= kHeadBytes);
constexpr uint64_t kBucketArrayBytes = uint64_t{8} * Histogram::kNumBuckets;
static_assert(kStatsPageAlign % kStatsSlotAlign == 0);

constexpr uint64_t RoundUp(uint64_t n, uint64_t align) { return (n + align - 1) / align * align; }

constexpr uint64_t HeaderBytes() { return RoundUp(sizeof(StatsSegmentHeader), kStatsPageAlign); }

uint64_t HeadsOffset(const StatsSegment::Layout& layout) {
  return RoundUp(kSlotHeaderBytes + uint64_t{8} * layout.num_counters, kStatsSlotAlign);
}

uint64_t BucketsOffset(const StatsSegment::Layout& layout) {
  return RoundUp(HeadsOffset(layout) + kHeadBytes * layout.num_histograms, kStatsPageAlign);
}

uint64_t Stride(const StatsSegment::Layout& layout) {
  return RoundUp(BucketsOffset(layout) + kBucketArrayBytes * layout.num_histograms,
                 kStatsPageAlign);
}

// The range word: one atomic word, so even a torn copy reads a range that one Publish()
// wrote in full. Decoding clamps, so a corrupt word cannot index outside the array.
uint64_t PackRange(BucketRange r) {
  if (r.empty()) return 0;
  return (uint64_t{static_cast<uint32_t>(r.begin)} << 32) | static_cast<uint32_t>(r.end);
}

BucketRange UnpackRange(uint64_t w) {
  const uint32_t end = std::min<uint32_t>(static_cast<uint32_t>(w), Histogram::kNumBuckets);
  const uint32_t begin = std::min<uint32_t>(static_cast<uint32_t>(w >> 32), end);
  return BucketRange{static_cast<int>(begin), static_cast<int>(end)};
}

BucketRange Intersect(BucketRange a, BucketRange b) {
  return BucketRange{std::max(a.begin, b.begin), std::min(a.end, b.end)};
}

Word* WordsAt(unsigned char* p) { return reinterpret_cast<Word*>(p); }

// The payload copies, one atomic word at a time, so the program has no data race. Stores are
// release and loads acquire, rather than relaxed words between two standalone fences (the
// other form in Boehm's "Can seqlocks get along with programming language memory models?"):
// GCC's TSan does not model fences (-Wtsan). On x86-64 both forms compile to plain moves; on
// aarch64 these are stlr/ldar.
void StoreWords(Word* dst, const void* src, size_t n) {
  const unsigned char* s = static_cast<const unsigned char*>(src);
  for (size_t i = 0; i < n; ++i) {
    uint64_t w;
    std::memcpy(&w, s + 8 * i, 8);
    dst[i].store(w, std::memory_order_release);
  }
}

void LoadWords(void* dst, const Word* src, size_t n) {
  unsigned char* d = static_cast<unsigned char*>(dst);
  for (size_t i = 0; i < n; ++i) {
    const uint64_t w = src[i].load(std::memory_order_acquire);
    std::memcpy(d + 8 * i, &w, 8);
  }
}

void ZeroWords(Word* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i].store(0, std::memory_order_release);
}

// Zeroes the buckets of `h` in `old` but not in `keep` (private memory, plain stores).
void ZeroOutside(BucketRange old, BucketRange keep, Histogram* h) {
  if (old.empty()) return;
  uint64_t* b = h->mutable_buckets();
  if (keep.empty()) {
    std::fill(b + old.begin, b + old.end, 0);
    return;
  }
  if (old.begin < keep.begin) std::fill(b + old.begin, b + std::min(old.end, keep.begin), 0);
  if (keep.end < old.end) std::fill(b + std::max(old.begin, keep.end), b + old.end, 0);
}

// Writer side of the seqlock. Returns the odd value to pass to EndWrite(). Starting from
// (seq + 1) | 1 rather than seq + 1 keeps seq odd for the whole write even if a previous
// writer died mid-write and left it odd. The odd store may be relaxed: every payload store
// after it is a release, which carries it to any reader that loads that payload word.
uint64_t BeginWrite(Word* slot) {
  const uint64_t odd = (slot[kSeqWord].load(std::memory_order_relaxed) + 1) | 1;
  slot[kSeqWord].store(odd, std::memory_order_relaxed);
  return odd;
}

void EndWrite(Word* slot, uint64_t odd) {
  slot[kSeqWord].store(odd + 1, std::memory_order_release);
}

std::string ErrnoText(const char* call, int err) {
  return absl::StrCat(call, ": ", std::error_code(err, std::system_category()).message());
}

}  // namespace

size_t StatsSegment::SlotStride(const Layout& layout) { return Stride(layout); }

absl::StatusOr<StatsSegment> StatsSegment::Create(const Layout& layout, uint32_t num_slots) {
  if (num_slots == 0 || num_slots > kMaxSlots) {
    return absl::InvalidArgumentError(
        absl::StrCat("stats segment: ", num_slots, " slots; need 1 to ", kMaxSlots));
  }
  if (layout.num_counters > kMaxCounters || layout.num_histograms > kMaxHistograms) {
    return absl::InvalidArgumentError(absl::StrCat(
        "stats segment: layout of ", layout.num_counters, " counters and ", layout.num_histograms,
        " histograms exceeds ", kMaxCounters, " / ", kMaxHistograms));
  }
  const uint64_t total = HeaderBytes() + uint64_t{num_slots} * Stride(layout);
  if (total > kMaxTotalSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "stats segment: ", num_slots, " slots of ", layout.num_histograms, " histograms (",
        sizeof(Histogram), " bytes each) need ", total, " bytes, more than ", kMaxTotalSize));
  }

  UniqueFd fd(memfd_create("fleetsim-stats", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd.valid()) return absl::InternalError(ErrnoText("stats segment: memfd_create", errno));
  if (ftruncate(fd.get(), static_cast<off_t>(total)) != 0) {
    return absl::InternalError(ErrnoText("stats segment: ftruncate", errno));
  }
  // Best effort: with the size sealed, no process holding the fd can shrink it under another
  // one's mapping (which would turn a publish into a SIGBUS). Older kernels lack seals.
  (void)fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
  void* base = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (base == MAP_FAILED) return absl::InternalError(ErrnoText("stats segment: mmap", errno));

  // A fresh memfd reads as zeros: every slot is already a never-published slot (zero seq,
  // counters and histograms; Histogram's zero bytes are an empty histogram). Only the header
  // needs writing, and nothing else can see the segment yet.
  StatsSegmentHeader header{};
  header.magic = kStatsSegmentMagic;
  header.version = kStatsSegmentVersion;
  header.histogram_size = sizeof(Histogram);
  header.num_counters = layout.num_counters;
  header.num_histograms = layout.num_histograms;
  header.num_slots = num_slots;
  header.slots_offset = HeaderBytes();
  header.slot_stride = Stride(layout);
  header.total_size = total;
  std::memcpy(base, &header, sizeof(header));
  return StatsSegment(std::move(fd), base, total, layout, num_slots);
}

absl::StatusOr<StatsSegment> StatsSegment::Attach(int fd) {
  const std::string what = absl::StrCat("stats segment (fd ", fd, ")");
  if (fd < 0) return absl::InvalidArgumentError(absl::StrCat(what, ": not an open fd"));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": ", ErrnoText("fstat", errno)));
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size < HeaderBytes()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": ", size, " bytes, too small"));
  }
  UniqueFd own(fcntl(fd, F_DUPFD_CLOEXEC, 0));
  if (!own.valid()) return absl::InternalError(absl::StrCat(what, ": ", ErrnoText("dup", errno)));
  void* base = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, own.get(), 0);
  if (base == MAP_FAILED) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": ", ErrnoText("mmap", errno)));
  }
  StatsSegmentHeader h;
  std::memcpy(&h, base, sizeof(h));
  const Layout layout{h.num_counters, h.num_histograms};
  std::string error;
  if (h.magic != kStatsSegmentMagic) {
    error = absl::StrCat("magic 0x", absl::Hex(h.magic), ", not a fleetsim stats segment");
  } else if (h.version != kStatsSegmentVersion) {
    error = absl::StrCat("format version ", h.version, ", this build reads version ",
                         kStatsSegmentVersion, " (mixed fleetsim builds?)");
  } else if (h.histogram_size != sizeof(Histogram)) {
    error = absl::StrCat("sizeof(Histogram) is ", h.histogram_size, ", this build's is ",
                         sizeof(Histogram), " (mixed fleetsim builds?)");
  } else if (h.num_slots == 0 || h.num_slots > kMaxSlots || h.num_counters > kMaxCounters ||
             h.num_histograms > kMaxHistograms) {
    error = absl::StrCat("implausible layout: ", h.num_slots, " slots, ", h.num_counters,
                         " counters, ", h.num_histograms, " histograms");
  } else if (h.slots_offset != HeaderBytes() || h.slot_stride != Stride(layout) ||
             h.total_size != HeaderBytes() + uint64_t{h.num_slots} * Stride(layout) ||
             h.total_size != size) {
    error = absl::StrCat("inconsistent geometry: slots at ", h.slots_offset, " stride ",
                         h.slot_stride, " total ", h.total_size, " bytes, file ", size,
                         " bytes; the layout implies stride ", Stride(layout));
  }
  if (!error.empty()) {
    munmap(base, size);
    return absl::InvalidArgumentError(absl::StrCat(what, ": ", error));
  }
  return StatsSegment(std::move(own), base, size, layout, h.num_slots);
}

StatsSegment::StatsSegment(UniqueFd fd, void* base, size_t size, const Layout& layout,
                           uint32_t num_slots)
    : fd_(std::move(fd)),
      base_(base),
      size_(size),
      layout_(layout),
      num_slots_(num_slots),
      slot_stride_(Stride(layout)),
      slots_offset_(HeaderBytes()),
      heads_offset_(HeadsOffset(layout)),
      buckets_offset_(BucketsOffset(layout)) {}

StatsSegment::StatsSegment(StatsSegment&& other) noexcept
    : fd_(std::move(other.fd_)),
      base_(std::exchange(other.base_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      layout_(other.layout_),
      num_slots_(std::exchange(other.num_slots_, 0)),
      slot_stride_(other.slot_stride_),
      slots_offset_(other.slots_offset_),
      heads_offset_(other.heads_offset_),
      buckets_offset_(other.buckets_offset_) {}

StatsSegment& StatsSegment::operator=(StatsSegment&& other) noexcept {
  if (this != &other) {
    Unmap();
    fd_ = std::move(other.fd_);
    base_ = std::exchange(other.base_, nullptr);
    size_ = std::exchange(other.size_, 0);
    layout_ = other.layout_;
    num_slots_ = std::exchange(other.num_slots_, 0);
    slot_stride_ = other.slot_stride_;
    slots_offset_ = other.slots_offset_;
    heads_offset_ = other.heads_offset_;
    buckets_offset_ = other.buckets_offset_;
  }
  return *this;
}

StatsSegment::~StatsSegment() { Unmap(); }

void StatsSegment::Unmap() {
  if (base_ != nullptr) munmap(base_, size_);
  base_ = nullptr;
}

unsigned char* StatsSegment::SlotBase(uint32_t slot) const {
  return static_cast<unsigned char*>(base_) + slots_offset_ + size_t{slot} * slot_stride_;
}

void StatsSegment::Publish(uint32_t slot, const uint64_t* counters, const Histogram* hists,
                           int64_t now_ns) {
  DCHECK_LT(slot, num_slots_);
  unsigned char* base = SlotBase(slot);
  Word* words = WordsAt(base);
  const uint64_t odd = BeginWrite(words);
  // Single writer: reading back our own last value needs no ordering.
  words[kPublishCountWord].store(words[kPublishCountWord].load(std::memory_order_relaxed) + 1,
                                 std::memory_order_release);
  words[kPublishedAtWord].store(static_cast<uint64_t>(now_ns), std::memory_order_release);
  StoreWords(WordsAt(base + kSlotHeaderBytes), counters, layout_.num_counters);
  for (uint32_t h = 0; h < layout_.num_histograms; ++h) {
    const Histogram& hist = hists[h];
    const BucketRange r = hist.bucket_range();
    Word* head = WordsAt(base + heads_offset_ + h * kHeadBytes);
    head[kRangeWord].store(PackRange(r), std::memory_order_release);
    StoreWords(head + kTotalsWord, &hist, kTotalsWords);
    Word* buckets = WordsAt(base + buckets_offset_ + h * kBucketArrayBytes);
    StoreWords(buckets + r.begin, hist.buckets() + r.begin, r.size());
  }
  EndWrite(words, odd);
}

bool StatsSegment::Snapshot(uint32_t slot, uint64_t* counters, Histogram* hists,
                            StatsSlotInfo* info) const {
  DCHECK_LT(slot, num_slots_);
  unsigned char* base = SlotBase(slot);
  const Word* words = WordsAt(base);
  int64_t deadline = 0;  // Set when we first find a write in progress.
  for (int attempt = 0; attempt < kSnapshotMaxAttempts;) {
    const uint64_t before = words[kSeqWord].load(std::memory_order_acquire);
    if (before & 1) {
      // A write is in progress: the writer can be preempted mid-copy, so wait
      // (politely, on a 2-core box the writer may need this core) rather than spin copies.
      const int64_t now = MonoNanos();
      if (deadline == 0) {
        deadline = now + kSnapshotMaxWaitNs;
      } else if (now > deadline) {
        return false;
      }
      sched_yield();
      continue;
    }
    ++attempt;
    StatsSlotInfo seen;
    seen.publish_count = words[kPublishCountWord].load(std::memory_order_acquire);
    seen.published_at_ns =
        static_cast<int64_t>(words[kPublishedAtWord].load(std::memory_order_acquire));
    seen.reset_count = words[kResetCountWord].load(std::memory_order_acquire);
    LoadWords(counters, WordsAt(base + kSlotHeaderBytes), layout_.num_counters);
    for (uint32_t h = 0; h < layout_.num_histograms; ++h) {
      Histogram& hist = hists[h];
      const Word* head = WordsAt(base + heads_offset_ + h * kHeadBytes);
      const BucketRange written = UnpackRange(head[kRangeWord].load(std::memory_order_acquire));
      const BucketRange old = hist.bucket_range();
      // Written only if changed, so an unused histogram never faults in the destination's page.
      uint64_t totals[kTotalsWords];
      LoadWords(totals, head + kTotalsWord, kTotalsWords);
      if (std::memcmp(&hist, totals, sizeof(totals)) != 0) {
        std::memcpy(static_cast<void*>(&hist), totals, sizeof(totals));
      }
      const BucketRange now = hist.bucket_range();
      // hist's buckets outside `old` are zero; after this, those outside `now` are too, which
      // keeps hist a valid destination even if this copy is torn and rejected.
      ZeroOutside(old, now, &hist);
      const BucketRange read = Intersect(now, written);  // == now in an accepted copy.
      const Word* buckets = WordsAt(base + buckets_offset_ + h * kBucketArrayBytes);
      LoadWords(hist.mutable_buckets() + read.begin, buckets + read.begin, read.size());
    }
    // If any word above came from a write that had begun, our acquire load of it synchronized
    // with the writer's release store of it, so that write's odd seq store happens-before this
    // re-read, which therefore sees it (or later) and we retry. The acquire loads also keep
    // this re-read from moving above them.
    if (words[kSeqWord].load(std::memory_order_relaxed) == before) {
      if (info != nullptr) {
        *info = seen;
        info->copies = attempt;
      }
      return true;
    }
  }
  return false;
}

void StatsSegment::ResetSlot(uint32_t slot) {
  DCHECK_LT(slot, num_slots_);
  unsigned char* base = SlotBase(slot);
  Word* words = WordsAt(base);
  const uint64_t odd = BeginWrite(words);
  words[kPublishCountWord].store(0, std::memory_order_release);
  words[kPublishedAtWord].store(0, std::memory_order_release);
  words[kResetCountWord].store(words[kResetCountWord].load(std::memory_order_relaxed) + 1,
                               std::memory_order_release);
  // Zero totals and an empty range make an empty histogram: readers never look at its
  // buckets, so their pages are left alone.
  ZeroWords(WordsAt(base + kSlotHeaderBytes), (buckets_offset_ - kSlotHeaderBytes) / 8);
  EndWrite(words, odd);
}

}  // namespace fleetsim
