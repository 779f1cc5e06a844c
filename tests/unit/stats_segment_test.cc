// Copyright fleetsim authors.

#include "src/stats_segment.h"

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/histogram_array.h"
#include "tests/testlib/resident.h"

namespace fleetsim {
namespace {

using ::testing::HasSubstr;
using Layout = StatsSegment::Layout;

// Counters and histograms of one slot, as a worker or the stats thread holds them.
struct Payload {
  explicit Payload(const Layout& layout)
      : counters(layout.num_counters), hists(layout.num_histograms) {}
  std::vector<uint64_t> counters;
  HistogramArray hists;
};

StatsSegmentHeader ReadHeader(int fd) {
  StatsSegmentHeader h;
  EXPECT_EQ(pread(fd, &h, sizeof(h), 0), static_cast<ssize_t>(sizeof(h)));
  return h;
}

// Overwrites a field of the header through the fd, as a corrupt or foreign segment would.
template <typename T>
void PokeHeader(int fd, size_t offset, T value) {
  ASSERT_EQ(pwrite(fd, &value, sizeof(value), static_cast<off_t>(offset)),
            static_cast<ssize_t>(sizeof(value)));
}

TEST(StatsSegmentTest, CreateRejectsBadShapes) {
  auto no_slots = StatsSegment::Create(Layout{4, 1}, 0);
  ASSERT_FALSE(no_slots.ok());
  EXPECT_EQ(no_slots.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(no_slots.status().message(), HasSubstr("0 slots"));
  EXPECT_FALSE(StatsSegment::Create(Layout{4, 1}, StatsSegment::kMaxSlots + 1).ok());
  EXPECT_FALSE(StatsSegment::Create(Layout{StatsSegment::kMaxCounters + 1, 1}, 1).ok());
  EXPECT_FALSE(StatsSegment::Create(Layout{4, StatsSegment::kMaxHistograms + 1}, 1).ok());
  auto too_big = StatsSegment::Create(Layout{4, StatsSegment::kMaxHistograms}, 64);
  ASSERT_FALSE(too_big.ok());
  EXPECT_THAT(too_big.status().message(), HasSubstr("bytes"));
}

TEST(StatsSegmentTest, CreateWritesTheHeaderAndZeroedSlots) {
  const Layout layout{5, 3};
  auto seg = StatsSegment::Create(layout, 4);
  ASSERT_TRUE(seg.ok()) << seg.status();
  EXPECT_EQ(seg->layout(), layout);
  EXPECT_EQ(seg->num_slots(), 4u);
  EXPECT_GE(seg->fd(), 0);
  EXPECT_EQ(StatsSegment::SlotStride(layout) % kStatsSlotAlign, 0u);
  EXPECT_GE(StatsSegment::SlotStride(layout), 64 + 5 * 8 + 3 * sizeof(Histogram));

  const StatsSegmentHeader h = ReadHeader(seg->fd());
  EXPECT_EQ(h.magic, kStatsSegmentMagic);
  EXPECT_EQ(h.version, kStatsSegmentVersion);
  EXPECT_EQ(h.histogram_size, sizeof(Histogram));
  EXPECT_EQ(h.num_slots, 4u);
  EXPECT_EQ(h.slot_stride, StatsSegment::SlotStride(layout));
  EXPECT_EQ(h.slots_offset % kStatsSlotAlign, 0u);
  EXPECT_EQ(h.total_size, seg->size_bytes());
  EXPECT_EQ(h.total_size, h.slots_offset + 4 * h.slot_stride);

  Payload got(layout);
  got.counters.assign(5, 99);
  got.hists[1].Add(5);
  StatsSlotInfo info{7, 7, 7, 7};
  ASSERT_TRUE(seg->Snapshot(3, got.counters.data(), got.hists.data(), &info));
  EXPECT_EQ(got.counters, std::vector<uint64_t>(5, 0));
  for (const Histogram& hist : got.hists) EXPECT_EQ(hist, Histogram());
  EXPECT_EQ(info.publish_count, 0u);
  EXPECT_EQ(info.published_at_ns, 0);
  EXPECT_EQ(info.reset_count, 0u);
}

TEST(StatsSegmentTest, PublishSnapshotRoundTripPerSlot) {
  const Layout layout{5, 3};
  auto seg = StatsSegment::Create(layout, 4);
  ASSERT_TRUE(seg.ok()) << seg.status();
  Payload sent(layout);
  sent.counters = {1, 2, 3, 0, ~uint64_t{0}};
  sent.hists[0].Add(20 * 1000 * 1000);
  sent.hists[0].Add(-4);
  sent.hists[2].AddN(123456, 1000);
  sent.hists[2].Add(INT64_MAX);
  seg->Publish(2, sent.counters.data(), sent.hists.data(), /*now_ns=*/12345);

  Payload got(layout);
  StatsSlotInfo info;
  ASSERT_TRUE(seg->Snapshot(2, got.counters.data(), got.hists.data(), &info));
  EXPECT_EQ(got.counters, sent.counters);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(got.hists[i], sent.hists[i]) << i;
  EXPECT_EQ(got.hists[2].overflow(), 1u);
  EXPECT_EQ(info.publish_count, 1u);
  EXPECT_EQ(info.published_at_ns, 12345);

  // Other slots are untouched.
  for (uint32_t slot : {0u, 1u, 3u}) {
    ASSERT_TRUE(seg->Snapshot(slot, got.counters.data(), got.hists.data(), &info));
    EXPECT_EQ(got.counters, std::vector<uint64_t>(5, 0)) << slot;
    EXPECT_EQ(got.hists[2], Histogram()) << slot;
    EXPECT_EQ(info.publish_count, 0u);
  }

  // A second publish replaces the payload; the default timestamp is the monotonic clock.
  sent.counters[0] = 10;
  sent.hists[1].Add(1);
  const int64_t before = MonoNanos();
  seg->Publish(2, sent.counters.data(), sent.hists.data());
  ASSERT_TRUE(seg->Snapshot(2, got.counters.data(), got.hists.data(), &info));
  EXPECT_EQ(got.counters, sent.counters);
  EXPECT_EQ(got.hists[1], sent.hists[1]);
  EXPECT_EQ(info.publish_count, 2u);
  EXPECT_GE(info.published_at_ns, before);
  EXPECT_LE(info.published_at_ns, MonoNanos());
}

TEST(StatsSegmentTest, EmptyLayoutWorks) {
  auto seg = StatsSegment::Create(Layout{0, 0}, 1);
  ASSERT_TRUE(seg.ok()) << seg.status();
  seg->Publish(0, nullptr, nullptr, 5);
  StatsSlotInfo info;
  ASSERT_TRUE(seg->Snapshot(0, nullptr, nullptr, &info));
  EXPECT_EQ(info.publish_count, 1u);
}

TEST(StatsSegmentTest, ResetSlotZeroesAndBumpsResetCount) {
  const Layout layout{2, 1};
  auto seg = StatsSegment::Create(layout, 2);
  ASSERT_TRUE(seg.ok()) << seg.status();
  Payload sent(layout);
  sent.counters = {4, 5};
  sent.hists[0].Add(777);
  seg->Publish(0, sent.counters.data(), sent.hists.data(), 1);
  seg->Publish(1, sent.counters.data(), sent.hists.data(), 1);
  seg->ResetSlot(0);

  Payload got(layout);
  StatsSlotInfo info;
  ASSERT_TRUE(seg->Snapshot(0, got.counters.data(), got.hists.data(), &info));
  EXPECT_EQ(got.counters, (std::vector<uint64_t>{0, 0}));
  EXPECT_EQ(got.hists[0], Histogram());
  EXPECT_EQ(info.publish_count, 0u);
  EXPECT_EQ(info.published_at_ns, 0);
  EXPECT_EQ(info.reset_count, 1u);
  ASSERT_TRUE(seg->Snapshot(1, got.counters.data(), got.hists.data(), &info));
  EXPECT_EQ(got.counters, sent.counters);
  EXPECT_EQ(info.reset_count, 0u);

  // The replacement worker publishes from zero; reset_count stays, publish_count restarts.
  seg->Publish(0, sent.counters.data(), sent.hists.data(), 2);
  ASSERT_TRUE(seg->Snapshot(0, got.counters.data(), got.hists.data(), &info));
  EXPECT_EQ(info.publish_count, 1u);
  EXPECT_EQ(info.reset_count, 1u);
}

constexpr int64_t kUs = 1000;
constexpr int64_t kMs = 1000 * kUs;
constexpr int64_t kS = 1000 * kMs;

// Adds n values evenly spread over [lo, hi].
void AddSpread(Histogram* h, int64_t lo, int64_t hi, int n) {
  for (int i = 0; i < n; ++i) h->Add(lo + (hi - lo) * i / std::max(n - 1, 1));
}

// Histograms are copied as their totals plus their bucket range only; the destination of a
// Snapshot() must come out equal (every bucket) to what was published, whatever it held.
TEST(StatsSegmentTest, SnapshotIsExactForNarrowEmptyShrinkingAndReusedRanges) {
  const Layout layout{3, 4};
  auto seg = StatsSegment::Create(layout, 3);
  ASSERT_TRUE(seg.ok()) << seg.status();
  Payload wide(layout);
  wide.counters = {1, 2, 3};
  AddSpread(&wide.hists[0], 100 * kUs, 900 * kMs, 500);        // ~1000 buckets.
  AddSpread(&wide.hists[1], 2 * kMs, 2 * kMs + 50 * kUs, 20);  // A few buckets.
  wide.hists[2].Add(-3);                                       // Bucket 0 alone.
  // wide.hists[3] stays empty.
  seg->Publish(1, wide.counters.data(), wide.hists.data(), 1);

  Payload got(layout);
  ASSERT_TRUE(seg->Snapshot(1, got.counters.data(), got.hists.data()));
  EXPECT_EQ(got.counters, wide.counters);
  for (uint32_t h = 0; h < 4; ++h) EXPECT_EQ(got.hists[h], wide.hists[h]) << h;
  EXPECT_EQ(got.hists[3], Histogram());

  // The worker respawns: the slot is reset and republished with narrower, different ranges.
  // The same destination (holding the wide state) must shrink to exactly the new state.
  seg->ResetSlot(1);
  ASSERT_TRUE(seg->Snapshot(1, got.counters.data(), got.hists.data()));
  for (uint32_t h = 0; h < 4; ++h) EXPECT_EQ(got.hists[h], Histogram()) << h;
  seg->Publish(1, wide.counters.data(), wide.hists.data(), 2);
  ASSERT_TRUE(seg->Snapshot(1, got.counters.data(), got.hists.data()));
  EXPECT_EQ(got.hists[0], wide.hists[0]);
  Payload narrow(layout);
  narrow.counters = {4, 5, 6};
  AddSpread(&narrow.hists[0], 30 * kMs, 31 * kMs, 10);  // Inside the old range.
  AddSpread(&narrow.hists[1], 7 * kS, 8 * kS, 10);      // Beyond it.
  // narrow.hists[2] is now empty; narrow.hists[3] gets its first value.
  narrow.hists[3].Add(5 * kUs);
  seg->ResetSlot(1);
  seg->Publish(1, narrow.counters.data(), narrow.hists.data(), 3);
  ASSERT_TRUE(seg->Snapshot(1, got.counters.data(), got.hists.data()));
  EXPECT_EQ(got.counters, narrow.counters);
  for (uint32_t h = 0; h < 4; ++h) EXPECT_EQ(got.hists[h], narrow.hists[h]) << h;

  // One destination reused across slots (the stats thread's scratch): each comes out exact.
  seg->Publish(2, wide.counters.data(), wide.hists.data(), 4);
  for (uint32_t slot : {2u, 1u, 0u, 2u}) {
    SCOPED_TRACE(slot);
    ASSERT_TRUE(seg->Snapshot(slot, got.counters.data(), got.hists.data()));
    const Payload& want = slot == 2 ? wide : narrow;
    for (uint32_t h = 0; h < 4; ++h) {
      EXPECT_EQ(got.hists[h], slot == 0 ? Histogram() : want.hists[h]) << h;
    }
  }
}

// The memory property: a slot's pages are faulted in only for the counters, the histogram
// heads and the bucket ranges actually published, by Publish() and Snapshot() alike, and
// ResetSlot() touches no bucket page. mincore() on a view of the memfd reports its pages in
// memory whichever process or mapping touched them.
TEST(StatsSegmentTest, OnlyThePagesOfPublishedRangesAreEverTouched) {
  const Layout layout{8, 40};
  constexpr uint32_t kSlots = 3;
  auto seg = StatsSegment::Create(layout, kSlots);
  ASSERT_TRUE(seg.ok()) << seg.status();
  void* view = mmap(nullptr, seg->size_bytes(), PROT_READ, MAP_SHARED, seg->fd(), 0);
  ASSERT_NE(view, MAP_FAILED);
  const auto* bytes = static_cast<const unsigned char*>(view);
  auto resident = [&] { return ::fleetsim::testing::ResidentPages(view, seg->size_bytes()); };
  auto pages = [&](uint64_t begin, uint64_t end) {
    return ::fleetsim::testing::PagesOf(view, bytes + begin, bytes + end);
  };
  auto add = [](std::set<size_t> a, const std::set<size_t>& b) {
    a.insert(b.begin(), b.end());
    return a;
  };
  // Where things are, from the format in stats_segment.h.
  const StatsSegmentHeader header = ReadHeader(seg->fd());
  ASSERT_EQ(header.slots_offset % kStatsPageAlign, 0u);
  const uint64_t heads_begin = 64 + 8 * 8;  // After the counters; a multiple of 64 already.
  const uint64_t heads_end = heads_begin + 64 * 40;
  const uint64_t buckets_offset = (heads_end + kStatsPageAlign - 1) / kStatsPageAlign * 4096;
  auto slot_at = [&](uint32_t slot) { return header.slots_offset + slot * header.slot_stride; };
  auto range_pages = [&](uint32_t slot, uint32_t h, BucketRange r) {
    const uint64_t array = slot_at(slot) + buckets_offset + uint64_t{h} * 8 * 3584;
    return pages(array + 8 * r.begin, array + 8 * r.end);
  };

  std::set<size_t> expected = pages(0, sizeof(StatsSegmentHeader));
  EXPECT_EQ(resident(), expected);

  // Slot 1 publishes one histogram with a narrow band of latencies; the other 39 are empty.
  Payload sent(layout);
  AddSpread(&sent.hists[17], kMs, 1200 * kUs, 100);
  const BucketRange r17 = sent.hists[17].bucket_range();
  ASSERT_GE(r17.size(), 10);
  seg->Publish(1, sent.counters.data(), sent.hists.data(), 1);
  expected = add(expected, pages(slot_at(1), slot_at(1) + heads_end));
  expected = add(expected, range_pages(1, 17, r17));
  EXPECT_EQ(resident(), expected);
  EXPECT_LE(expected.size(), 4u) << "of " << seg->size_bytes() / 4096;

  // Snapshots of every slot read nothing else; the destination is written only where the
  // published histogram is in use.
  Payload got(layout);
  for (uint32_t slot = 0; slot < kSlots; ++slot) {
    ASSERT_TRUE(seg->Snapshot(slot, got.counters.data(), got.hists.data()));
    if (slot != 1) expected = add(expected, pages(slot_at(slot), slot_at(slot) + heads_end));
  }
  EXPECT_EQ(resident(), expected);
  ASSERT_TRUE(seg->Snapshot(1, got.counters.data(), got.hists.data()));
  const auto* dest = reinterpret_cast<const unsigned char*>(got.hists.data());
  const size_t dest_len = got.hists.size() * sizeof(Histogram);
  const Histogram& g17 = got.hists[17];
  const auto* g17_bytes = reinterpret_cast<const unsigned char*>(&g17);
  EXPECT_EQ(
      ::fleetsim::testing::WrittenPages(dest, dest_len),
      add(::fleetsim::testing::PagesOf(dest, g17_bytes, g17_bytes + Histogram::kTotalsBytes),
          ::fleetsim::testing::PagesOf(dest, g17.buckets() + r17.begin, g17.buckets() + r17.end)));

  // A reset and a narrower republish stay inside the pages already used.
  seg->ResetSlot(1);
  EXPECT_EQ(resident(), expected);
  Payload narrower(layout);
  AddSpread(&narrower.hists[17], 1100 * kUs, 1150 * kUs, 10);
  seg->Publish(1, narrower.counters.data(), narrower.hists.data(), 2);
  ASSERT_TRUE(seg->Snapshot(1, got.counters.data(), got.hists.data()));
  EXPECT_EQ(resident(), expected);
  EXPECT_EQ(got.hists[17], narrower.hists[17]);  // (Reads all of the destination: last.)
  munmap(view, seg->size_bytes());
}

// A writer that dies mid-publish leaves seq odd. Snapshot must give up within its bound, and
// ResetSlot or the next Publish must repair the slot.
TEST(StatsSegmentTest, SlotLeftMidWriteFailsBoundedlyAndIsRepaired) {
  const Layout layout{1, 1};
  auto seg = StatsSegment::Create(layout, 2);
  ASSERT_TRUE(seg.ok()) << seg.status();
  const StatsSegmentHeader h = ReadHeader(seg->fd());
  Payload p(layout);
  for (uint32_t slot : {0u, 1u}) {
    PokeHeader<uint64_t>(seg->fd(), h.slots_offset + slot * h.slot_stride, 7);  // seq: odd.
    const int64_t start = MonoNanos();
    EXPECT_FALSE(seg->Snapshot(slot, p.counters.data(), p.hists.data()));
    const int64_t waited = MonoNanos() - start;
    EXPECT_GE(waited, StatsSegment::kSnapshotMaxWaitNs);
    EXPECT_LT(waited, 2 * 1000 * 1000 * 1000LL);
  }
  seg->ResetSlot(0);
  p.counters[0] = 3;
  seg->Publish(1, p.counters.data(), p.hists.data(), 1);
  StatsSlotInfo info;
  EXPECT_TRUE(seg->Snapshot(0, p.counters.data(), p.hists.data(), &info));
  EXPECT_EQ(info.reset_count, 1u);
  EXPECT_TRUE(seg->Snapshot(1, p.counters.data(), p.hists.data(), &info));
  EXPECT_EQ(p.counters[0], 3u);
}

TEST(StatsSegmentTest, AttachSeesTheSameMemory) {
  const Layout layout{3, 2};
  auto seg = StatsSegment::Create(layout, 3);
  ASSERT_TRUE(seg.ok()) << seg.status();
  auto attached = StatsSegment::Attach(seg->fd());
  ASSERT_TRUE(attached.ok()) << attached.status();
  EXPECT_EQ(attached->layout(), layout);
  EXPECT_EQ(attached->num_slots(), 3u);
  EXPECT_EQ(attached->size_bytes(), seg->size_bytes());
  EXPECT_NE(attached->fd(), seg->fd());  // Its own duplicate.

  Payload sent(layout);
  sent.counters = {7, 8, 9};
  sent.hists[1].Add(42000);
  attached->Publish(1, sent.counters.data(), sent.hists.data(), 99);
  Payload got(layout);
  StatsSlotInfo info;
  ASSERT_TRUE(seg->Snapshot(1, got.counters.data(), got.hists.data(), &info));
  EXPECT_EQ(got.counters, sent.counters);
  EXPECT_EQ(got.hists[1], sent.hists[1]);
  EXPECT_EQ(info.published_at_ns, 99);

  // The attached mapping outlives the creator's.
  *seg = StatsSegment(std::move(*attached));
  ASSERT_TRUE(seg->Snapshot(1, got.counters.data(), got.hists.data()));
  EXPECT_EQ(got.counters, sent.counters);
}

TEST(StatsSegmentTest, AttachRejectsWhatIsNotOurSegment) {
  auto bad_fd = StatsSegment::Attach(-1);
  ASSERT_FALSE(bad_fd.ok());
  EXPECT_EQ(bad_fd.status().code(), absl::StatusCode::kInvalidArgument);

  UniqueFd empty(memfd_create("empty", MFD_CLOEXEC));
  ASSERT_TRUE(empty.valid());
  auto too_small = StatsSegment::Attach(empty.get());
  ASSERT_FALSE(too_small.ok());
  EXPECT_THAT(too_small.status().message(), HasSubstr("too small"));

  ASSERT_EQ(ftruncate(empty.get(), 1 << 20), 0);
  auto zeros = StatsSegment::Attach(empty.get());
  ASSERT_FALSE(zeros.ok());
  EXPECT_THAT(zeros.status().message(), HasSubstr("not a fleetsim stats segment"));
}

TEST(StatsSegmentTest, AttachValidatesVersionAndGeometry) {
  struct Case {
    const char* name;
    size_t offset;
    uint64_t value;
    int width;  // Bytes.
    const char* expected;
  };
  const std::vector<Case> cases = {
      {"version", offsetof(StatsSegmentHeader, version), 99, 4, "version 99"},
      {"histogram size", offsetof(StatsSegmentHeader, histogram_size), 1024, 4,
       "sizeof(Histogram)"},
      {"num_slots", offsetof(StatsSegmentHeader, num_slots), 3, 4, "geometry"},
      {"no slots", offsetof(StatsSegmentHeader, num_slots), 0, 4, "implausible"},
      {"counters", offsetof(StatsSegmentHeader, num_counters), 1000, 4, "geometry"},
      {"stride", offsetof(StatsSegmentHeader, slot_stride), 64, 8, "geometry"},
      {"total", offsetof(StatsSegmentHeader, total_size), 1 << 30, 8, "geometry"},
      {"offset", offsetof(StatsSegmentHeader, slots_offset), 128, 8, "geometry"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto seg = StatsSegment::Create(Layout{4, 1}, 2);
    ASSERT_TRUE(seg.ok()) << seg.status();
    ASSERT_TRUE(StatsSegment::Attach(seg->fd()).ok());
    if (c.width == 4) {
      PokeHeader<uint32_t>(seg->fd(), c.offset, static_cast<uint32_t>(c.value));
    } else {
      PokeHeader<uint64_t>(seg->fd(), c.offset, c.value);
    }
    auto attached = StatsSegment::Attach(seg->fd());
    ASSERT_FALSE(attached.ok());
    EXPECT_EQ(attached.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(attached.status().message(), HasSubstr(c.expected));
  }
}

// The invariant every published state obeys: all counters equal k, publish_count == k, and
// each histogram holds exactly the values step * 1 .. step * k (its own step). Any mix of two
// publishes breaks at least one of these.
constexpr uint32_t kInvariantCounters = 16;
constexpr uint32_t kInvariantHists = 2;
constexpr int64_t kSteps[kInvariantHists] = {997, 1000003};

void WriteState(uint64_t k, Payload* p) {
  for (uint64_t& c : p->counters) c = k;
  for (uint32_t i = 0; i < kInvariantHists; ++i) p->hists[i].Add(kSteps[i] * k);
}

// Returns "" if the snapshot is one whole published state, else what is wrong.
std::string CheckState(const Payload& p, const StatsSlotInfo& info) {
  const uint64_t k = p.counters[0];
  for (uint64_t c : p.counters) {
    if (c != k) return "counters differ";
  }
  if (info.publish_count != k) return "publish_count != counters";
  for (uint32_t i = 0; i < kInvariantHists; ++i) {
    const Histogram& h = p.hists[i];
    if (h.count() != k) return "histogram count != counters";
    uint64_t in_buckets = 0;
    h.ForEachBucket([&](const HistogramBucket& b) { in_buckets += b.count; });
    if (in_buckets != k) return "histogram buckets != count";
    // Every bucket, not just the range: a stale one left outside it would show here.
    uint64_t in_all = 0;
    for (int b = 0; b < Histogram::kNumBuckets; ++b) in_all += h.bucket_count(b);
    if (in_all != k) return "histogram has buckets outside its range";
    if (h.max() != kSteps[i] * static_cast<int64_t>(k)) return "histogram max";
    const double expected_sum =
        static_cast<double>(static_cast<unsigned __int128>(kSteps[i]) * (k * (k + 1) / 2));
    if (h.sum() != expected_sum) return "histogram sum";
  }
  return "";
}

// A second family of states, whose histogram ranges jump around rather than grow: state k
// k >= 1 holds, in histogram i, exactly 8 values in a window placed by k. So a reader's reused
// destination keeps shrinking and moving, and any stale bucket breaks equality.
void WriteWindow(uint64_t k, uint32_t i, Histogram* h) {
  const int64_t base = static_cast<int64_t>(1 + (k * 2654435761u) % 4096) * kSteps[i];
  for (int64_t j = 0; j < 8; ++j) h->Add(base + j * 3 * kSteps[i]);
}

void WriteWindowState(uint64_t k, Payload* p) {
  for (uint64_t& c : p->counters) c = k;
  for (uint32_t i = 0; i < kInvariantHists; ++i) {
    p->hists[i].Clear();
    WriteWindow(k, i, &p->hists[i]);
  }
}

std::string CheckWindowState(const Payload& p, const StatsSlotInfo& info) {
  const uint64_t k = p.counters[0];
  for (uint64_t c : p.counters) {
    if (c != k) return "counters differ";
  }
  if (info.publish_count != k) return "publish_count != counters";
  static const auto expected = new HistogramArray(kInvariantHists);
  for (uint32_t i = 0; i < kInvariantHists; ++i) {
    (*expected)[i].Clear();
    if (k > 0) WriteWindow(k, i, &(*expected)[i]);  // k == 0: never published, empty.
    if (p.hists[i] != (*expected)[i]) return "histogram differs from the published one";
  }
  return "";
}

// One thread publishes states k = 1, 2, ... of a family while this one snapshots into the
// same destination over and over; every accepted snapshot must be one whole state.
void RunConcurrentWriter(void (*write)(uint64_t, Payload*),
                         std::string (*check)(const Payload&, const StatsSlotInfo&)) {
  const Layout layout{kInvariantCounters, kInvariantHists};
  auto seg = StatsSegment::Create(layout, 2);
  ASSERT_TRUE(seg.ok()) << seg.status();
  const uint32_t slot = 1;
  Payload got(layout);

  // How long one uncontended copy of a state the writer will reach takes here (copies are
  // as long as the bucket ranges; sanitizers make them 10-50x slower); the writer's gaps are
  // scaled by it. Then the slot starts over, so the writer begins from a reset slot and
  // `got` from a wider range than the writer's first states.
  {
    Payload late(layout);
    for (uint64_t k = 1; k <= 2000; ++k) write(k, &late);
    seg->Publish(slot, late.counters.data(), late.hists.data(), 0);
  }
  const int64_t t0 = MonoNanos();
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(seg->Snapshot(slot, got.counters.data(), got.hists.data()));
  const int64_t copy_ns = std::max<int64_t>((MonoNanos() - t0) / 20, 1000);
  seg->ResetSlot(slot);

  std::atomic<bool> stop{false};
  std::atomic<uint64_t> published{0};
  std::thread writer([&] {
    Payload p(layout);
    std::minstd_rand rng(1);
    uint64_t k = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      write(++k, &p);
      seg->Publish(slot, p.counters.data(), p.hists.data(), static_cast<int64_t>(k));
      published.store(k, std::memory_order_relaxed);
      // As fast as it can, with a random gap of up to two copy times after each publish: a
      // gap shorter than a copy lets the reader start copying and then be overlapped (what
      // the test is after); every 16th gap is long enough for a clean copy.
      const int64_t gap = k % 16 == 0 ? 4 * copy_ns : static_cast<int64_t>(rng() % (2 * copy_ns));
      const int64_t until = MonoNanos() + gap;
      while (MonoNanos() < until) {
      }
    }
  });

  int ok = 0;
  int failed = 0;
  int retried = 0;  // Snapshots that overlapped a publish at least once.
  uint64_t last_k = 0;
  std::vector<std::string> errors;
  const int64_t deadline = MonoNanos() + int64_t{30} * 1000 * 1000 * 1000;
  // Snapshots of a never-published slot take ~100 ns: without this, all 2000 could be done
  // before the writer thread even starts.
  while (published.load() == 0 && MonoNanos() < deadline) {
  }
  while ((ok < 2000 || published.load() < 2000) && MonoNanos() < deadline) {
    StatsSlotInfo info;
    if (!seg->Snapshot(slot, got.counters.data(), got.hists.data(), &info)) {
      ++failed;
      continue;
    }
    ++ok;
    retried += info.copies > 1;
    const std::string error = check(got, info);
    if (!error.empty() && errors.size() < 10) errors.push_back(error);
    if (got.counters[0] < last_k && errors.size() < 10) errors.push_back("went backwards");
    last_k = got.counters[0];
  }
  stop = true;
  writer.join();
  std::cerr << "copy " << copy_ns << " ns; snapshots ok " << ok << " (" << retried
            << " retried), failed " << failed << ", publishes " << published.load() << "\n";
  EXPECT_THAT(errors, ::testing::IsEmpty());
  // The loop aims at 2000 within 30 s; a loaded 2-core box under TSan may get fewer. How many
  // overlapped a publish depends on scheduling (none when the two threads share a core), so
  // it is reported, not asserted; making Snapshot() skip its seq re-check fails this test.
  EXPECT_GE(ok, 200) << "failed " << failed << ", published " << published.load();
  EXPECT_GT(last_k, 0u);
}

TEST(StatsSegmentTest, ConcurrentWriterNeverTearsASnapshot) {
  RunConcurrentWriter(WriteState, CheckState);
}

TEST(StatsSegmentTest, ConcurrentWriterWithMovingRangesNeverTearsASnapshot) {
  RunConcurrentWriter(WriteWindowState, CheckWindowState);
}

// The real arrangement: the segment is created before fork(), the child publishes, the
// parent snapshots.
TEST(StatsSegmentTest, ForkedWriterNeverTearsASnapshot) {
  const Layout layout{kInvariantCounters, kInvariantHists};
  auto seg = StatsSegment::Create(layout, 4);
  ASSERT_TRUE(seg.ok()) << seg.status();
  constexpr uint64_t kPublishes = 5000;
  Payload child_state(layout);  // Allocated before fork: the child only copies into it.

  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    for (uint64_t k = 1; k <= kPublishes; ++k) {
      WriteState(k, &child_state);
      seg->Publish(3, child_state.counters.data(), child_state.hists.data(),
                   static_cast<int64_t>(k));
      if (k % 16 == 0) usleep(50);
    }
    _exit(0);
  }

  Payload got(layout);
  int ok = 0;
  int failed = 0;
  int retried = 0;
  std::vector<std::string> errors;
  int status = 0;
  for (;;) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    StatsSlotInfo info;
    if (seg->Snapshot(3, got.counters.data(), got.hists.data(), &info)) {
      ++ok;
      retried += info.copies > 1;
      const std::string error = CheckState(got, info);
      if (!error.empty() && errors.size() < 10) errors.push_back(error);
    } else {
      ++failed;
    }
    if (done == pid) break;
    ASSERT_EQ(done, 0);
  }
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_THAT(errors, ::testing::IsEmpty());
  // After the child exits, the last snapshot holds its final state.
  StatsSlotInfo info;
  ASSERT_TRUE(seg->Snapshot(3, got.counters.data(), got.hists.data(), &info));
  EXPECT_EQ(CheckState(got, info), "");
  EXPECT_EQ(got.counters[0], kPublishes);
  EXPECT_EQ(info.published_at_ns, static_cast<int64_t>(kPublishes));
  EXPECT_GT(ok, 100) << "failed " << failed;
  std::cerr << "snapshots ok " << ok << " (" << retried << " retried), failed " << failed << "\n";
}

}  // namespace
}  // namespace fleetsim
