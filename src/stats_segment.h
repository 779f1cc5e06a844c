// Copyright fleetsim authors.
//
// stats_segment: the shared-memory segment through which workers publish their counters and
// histograms to the master's stats thread, and its single-writer seqlock protocol.

#ifndef FLEETSIM_SRC_STATS_SEGMENT_H_
#define FLEETSIM_SRC_STATS_SEGMENT_H_

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "absl/status/statusor.h"
#include "src/histogram.h"
#include "src/mono_clock.h"
#include "src/unique_fd.h"

namespace fleetsim {

inline constexpr uint64_t kStatsSegmentMagic = 0x5354415453544c46;  // "FLTSTATS" in memory.
inline constexpr uint32_t kStatsSegmentVersion = 2;

// The segment's first bytes (format version 2). Written once by Create() before the segment
// is shared; read-only afterwards. Public so that tools (statsdump) and tests can read it.
//
// Format: this header, padded to kStatsPageAlign bytes, then num_slots slots of slot_stride
// bytes each. A slot (all fields 8-byte words accessed only as std::atomic<uint64_t>):
//   +0   seq              seqlock sequence: odd while a write is in progress
//   +8   publish_count    Publish() calls since the slot was created or reset
//   +16  published_at_ns  MonoNanos() passed to the last Publish() (int64 bits); 0 if none
//   +24  reset_count      ResetSlot() calls so far
//   +32  (reserved, zero)
//   +64  counters         num_counters uint64 words
//   then, at the next multiple of kStatsSlotAlign, num_histograms histogram heads of 64
//   bytes each:
//     +0  range   (begin << 32) | end: the buckets [begin, end) the last Publish() wrote,
//                 i.e. the histogram's bucket_range(); 0 if none
//     +8  totals  the Histogram's first Histogram::kTotalsBytes (48) bytes
//     +56 (reserved, zero)
//   then, at the next multiple of kStatsPageAlign, num_histograms bucket arrays of
//   Histogram::kNumBuckets words each (7 pages each), and padding up to slot_stride (a
//   multiple of kStatsPageAlign). Bucket words outside a histogram's published range are
//   never read: they are stale (from a wider range before a ResetSlot()) or never written.
struct StatsSegmentHeader {
  uint64_t magic;           // kStatsSegmentMagic.
  uint32_t version;         // kStatsSegmentVersion.
  uint32_t histogram_size;  // sizeof(Histogram) in the creating build.
  uint32_t num_counters;    // Layout::num_counters.
  uint32_t num_histograms;  // Layout::num_histograms.
  uint32_t num_slots;       // One per worker.
  uint32_t reserved;        // Zero.
  uint64_t slots_offset;    // Offset of slot 0 from the start of the segment.
  uint64_t slot_stride;     // Bytes from one slot to the next.
  uint64_t total_size;      // Bytes in the segment (== the memfd's size).
};
static_assert(sizeof(StatsSegmentHeader) == 56, "format change: bump kStatsSegmentVersion");
static_assert(std::is_trivially_copyable_v<StatsSegmentHeader>);

// Slots start on a cache line of their own, so one worker's publishing never shares a line
// with another's.
inline constexpr size_t kStatsSlotAlign = 64;
// Slots and their bucket arrays start on a page (of 4 KiB; a multiple of it elsewhere), so
// the memory a histogram costs is the pages its published bucket range spans.
inline constexpr size_t kStatsPageAlign = 4096;

// What a snapshot saw besides the payload. The first three were written under the same
// seqlock as the counters and histograms, so they are consistent with them.
struct StatsSlotInfo {
  uint64_t publish_count = 0;   // Publish() calls since the slot was created or reset.
  int64_t published_at_ns = 0;  // The last Publish()'s now_ns (MonoNanos()); 0 if none.
  // Bumped by every ResetSlot(). When it differs from the previous snapshot's, the slot's
  // writer started over from zero: diff against zeros, not against the previous snapshot.
  uint64_t reset_count = 0;
  // Not shared state: how many copies this Snapshot() made before one was consistent
  // (1 = no write overlapped). For diagnostics and tests.
  int copies = 0;
};

// StatsSegment: a memfd-backed MAP_SHARED mapping of one StatsSegmentHeader plus one slot
// per worker. Each slot holds a cumulative copy of one worker's counters (a uint64_t array)
// and histograms (a Histogram array), published under a seqlock.
//
// Memory: a histogram is copied sparsely, its totals plus only its bucket_range() (nothing
// for an empty one), in both directions. A page of the memfd is allocated when first touched,
// by a write or a read alike, and the segment only ever touches a slot's first page(s)
// (counters, histogram heads) and the pages of bucket ranges some Publish() wrote. So a slot
// costs what its histograms use (typically a few pages each), not 28 KiB per histogram.
//
// Ownership and processes: the master Create()s the segment before forking; forked workers
// use the inherited mapping directly, and a re-exec'd worker maps it again with Attach() on
// the fd the master passed down. Each StatsSegment object owns its mapping and its fd
// (closed/unmapped on destruction); move-only.
//
// Threads and processes (single writer per slot):
//   - Publish(slot) and ResetSlot(slot): at most one thread in one process at a time per
//     slot, normally the worker that owns the slot. Never blocks, never fails.
//   - Snapshot(slot): any number of threads in any process, concurrently with the writer.
//   - Everything else is immutable after Create()/Attach() and safe from any thread.
//
// Why a torn read cannot be returned: the writer stores an odd `seq`, then the payload words
// (each a release store), then `seq` + 1 (even, release). The reader loads `seq` (acquire),
// then the payload words (each an acquire load), then `seq` again, and accepts the copy only
// if `seq` was even and unchanged. If any word it copied came from a write W that had not
// finished when `seq` was first loaded, that acquire load synchronized with W's release store
// of the word, so W's odd `seq` store happens-before the re-read, which then sees W's odd
// value or later: the copy is rejected. (A word older than the first `seq` load's write is
// impossible: that load's acquire makes the completed write's words visible.) So an even,
// unchanged `seq` means no write overlapped the copy; `seq` only grows, so it cannot return
// to an old value. Every shared word is a std::atomic<uint64_t>: there is no data race in the
// C++ sense, nothing for TSan to report, and no standalone fence (which TSan does not model).
//
// Sparse copies keep that argument: a Publish() writes each histogram's range word, totals
// and every bucket word inside that range, all computed from the same Histogram. The reader
// copies the range word and the totals, and then only bucket words inside both the range
// word's range and the totals' bucket_range(). In an accepted copy both came from the same
// Publish() W, so the two ranges are equal, every bucket word read was written by W, and the
// buckets outside the range are zero in W's Histogram: the copy is exactly W's Histogram.
// In a rejected copy the words may mix writes, but the range word is one atomic word, so the
// reader still touches only bucket words that some Publish() wrote (never a fresh page).
class StatsSegment {
 public:
  // The shape of every slot. Fixed for the segment's lifetime.
  struct Layout {
    uint32_t num_counters = 0;    // uint64_t counters per slot.
    uint32_t num_histograms = 0;  // Histograms per slot.
    friend bool operator==(const Layout& a, const Layout& b) {
      return a.num_counters == b.num_counters && a.num_histograms == b.num_histograms;
    }
    friend bool operator!=(const Layout& a, const Layout& b) { return !(a == b); }
  };

  // Limits that Create() enforces (a bad plan fails at setup, not with a SIGBUS later).
  static constexpr uint32_t kMaxSlots = 1024;
  static constexpr uint32_t kMaxCounters = 1 << 16;
  static constexpr uint32_t kMaxHistograms = 1 << 12;
  static constexpr uint64_t kMaxTotalSize = uint64_t{4} << 30;  // 4 GiB.

  // Snapshot() gives up after this many copies that overlapped a write...
  static constexpr int kSnapshotMaxAttempts = 64;
  // ...or after waiting this long in total for a write in progress to finish.
  static constexpr int64_t kSnapshotMaxWaitNs = 20 * 1000 * 1000;

  // Creates a zeroed segment of `num_slots` slots (every slot an empty, never-published
  // slot) backed by a memfd, mapped MAP_SHARED so that fork()ed children share it.
  // Returns InvalidArgument if num_slots is 0 or a limit above is exceeded, or Internal with
  // the errno text if memfd_create/ftruncate/mmap fail. The fd is close-on-exec: to pass it
  // to an exec'd child, dup2() it to the number you pass on the command line (dup2 clears
  // FD_CLOEXEC) in the child before exec.
  static absl::StatusOr<StatsSegment> Create(const Layout& layout, uint32_t num_slots);

  // Maps the segment behind `fd` (made by Create(), possibly in another process). Does not
  // take ownership of `fd`: it keeps its own duplicate, so the caller may close `fd`.
  // Returns InvalidArgument (naming what is wrong) unless the segment is intact and was made
  // by a build with the same format: size, magic, version, sizeof(Histogram), and the slot
  // offset, stride and total size that its layout implies. Compare layout() with what the
  // caller expects.
  static absl::StatusOr<StatsSegment> Attach(int fd);

  StatsSegment(StatsSegment&& other) noexcept;
  StatsSegment& operator=(StatsSegment&& other) noexcept;
  StatsSegment(const StatsSegment&) = delete;
  StatsSegment& operator=(const StatsSegment&) = delete;
  ~StatsSegment();

  // The memfd behind the segment, for passing to an exec'd child. Owned by this object.
  int fd() const { return fd_.get(); }
  const Layout& layout() const { return layout_; }
  uint32_t num_slots() const { return num_slots_; }
  size_t size_bytes() const { return size_; }
  // Bytes per slot for `layout` (a multiple of kStatsSlotAlign).
  static size_t SlotStride(const Layout& layout);

  // Copies `counters` (layout().num_counters values) and `hists` (layout().num_histograms
  // Histograms) into `slot`, bumps its publish_count and records now_ns as published_at_ns,
  // all under the slot's seqlock. Of each histogram it copies the totals and the buckets of
  // its bucket_range() only. Cost: O(num_counters + num_histograms + the buckets in range),
  // independent of device count: about 0.3 ns per bucket on the build host (15 histograms of
  // 500 buckets: ~2.4 us; of all 3584: ~14 us). Snapshot() costs about the same. Never
  // blocks, never fails.
  // REQUIRES: slot < num_slots(); no other Publish()/ResetSlot() of this slot runs
  // concurrently (single writer); the arrays hold at least the layout's counts (either may
  // be null when its count is 0).
  void Publish(uint32_t slot, const uint64_t* counters, const Histogram* hists,
               int64_t now_ns = MonoNanos());

  // Copies a consistent state of `slot` (the last completed Publish(), or zeros if never
  // published) into `counters` (layout().num_counters values), `hists`
  // (layout().num_histograms Histograms) and, if non-null, `*info`. Retries while a write is
  // in progress or overlapped the copy, up to kSnapshotMaxAttempts copies or
  // kSnapshotMaxWaitNs of waiting. Returns true iff the outputs hold a consistent state:
  // then every hists[h] == the published Histogram, every bucket included. On false they hold
  // unspecified (possibly torn) data: keep using your previous snapshot, e.g. snapshot into a
  // scratch buffer and swap on success. Persistent false means the writer died mid-publish:
  // ResetSlot() (or the next Publish()) repairs the slot.
  //
  // Destinations are updated in place, not overwritten: each hists[h] gets the published
  // totals and bucket range, and the buckets of its own previous bucket_range() that lie
  // outside the new one are zeroed; no other bucket is written. So each hists[h] must hold a
  // Histogram on entry: zero bytes (e.g. a fresh HistogramArray), any value Histogram's
  // methods produce, or whatever an earlier Snapshot() left there, even one that returned
  // false (every Snapshot() leaves a Histogram whose buckets outside bucket_range() are
  // zero). A destination reused for a slot whose range shrank (ResetSlot(), a respawned
  // worker) is therefore still exact, at a cost of O(old range + new range) buckets.
  // REQUIRES: slot < num_slots(); arrays as for Publish(), hists as above.
  bool Snapshot(uint32_t slot, uint64_t* counters, Histogram* hists,
                StatsSlotInfo* info = nullptr) const;

  // Sets `slot` back to a never-published state (zero counters, empty histograms,
  // publish_count 0, published_at_ns 0) and bumps its reset_count, under the seqlock. Writes
  // the slot's counters and histogram heads only, not the bucket pages. For the
  // master, after reaping a dead worker and before starting its replacement: the replacement
  // counts from zero, and a reader seeing reset_count change knows to diff against zeros.
  // Also repairs a slot left mid-write by a writer that died.
  // REQUIRES: slot < num_slots(); no Publish() to this slot runs concurrently.
  void ResetSlot(uint32_t slot);

 private:
  StatsSegment(UniqueFd fd, void* base, size_t size, const Layout& layout, uint32_t num_slots);
  unsigned char* SlotBase(uint32_t slot) const;
  void Unmap();

  UniqueFd fd_;
  void* base_ = nullptr;  // Start of the mapping (the header); owned.
  size_t size_ = 0;       // Bytes mapped.
  Layout layout_;
  uint32_t num_slots_ = 0;
  size_t slot_stride_ = 0;
  size_t slots_offset_ = 0;
  size_t heads_offset_ = 0;    // Within a slot: the histogram heads.
  size_t buckets_offset_ = 0;  // Within a slot: the bucket arrays.
};

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_STATS_SEGMENT_H_
