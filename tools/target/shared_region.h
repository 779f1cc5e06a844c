// Copyright fleetsim authors.
//
// shared_region: the one MAP_SHARED anonymous mapping the master creates before it forks
// its workers, who inherit it. Layout (every part 64-byte aligned):
//   [RegionHeader][CounterSlot x procs][device SessionTable][user SessionTable]
// Pages are touched only when used, so a large table costs address space, not memory.

#ifndef FLEETSIM_TOOLS_TARGET_SHARED_REGION_H_
#define FLEETSIM_TOOLS_TARGET_SHARED_REGION_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/statusor.h"
#include "tools/target/counters.h"
#include "tools/target/session_table.h"

namespace fleetsim::target {

// Owns the mapping; move-only. Created by the master; after fork, each process holds its
// own SharedRegion object over the same pages (unmapped when the object dies).
class SharedRegion {
 public:
  // Maps and formats a region for `procs` counter slots and tables sized for max_devices
  // and max_users ids. REQUIRES: procs >= 1; both maxima within
  // [1, SessionTable::kMaxEntriesLimit].
  static absl::StatusOr<SharedRegion> Create(int procs, uint32_t max_devices, uint32_t max_users);

  SharedRegion() = default;
  SharedRegion(SharedRegion&& other) noexcept;
  SharedRegion& operator=(SharedRegion&& other) noexcept;
  SharedRegion(const SharedRegion&) = delete;
  SharedRegion& operator=(const SharedRegion&) = delete;
  ~SharedRegion();

  int procs() const { return procs_; }
  // REQUIRES: 0 <= i < procs().
  CounterSlot& slot(int i) { return slots_[i]; }
  const CounterSlot& slot(int i) const { return slots_[i]; }
  // Views of the tables with the given session time-to-live (0: sessions never expire).
  SessionTable devices(int64_t ttl_ms) const { return SessionTable(devices_mem_, ttl_ms); }
  SessionTable users(int64_t ttl_ms) const { return SessionTable(users_mem_, ttl_ms); }
  // The sum of every slot.
  CounterValues Totals() const;
  size_t bytes() const { return bytes_; }

 private:
  void Unmap();

  void* base_ = nullptr;
  size_t bytes_ = 0;
  int procs_ = 0;
  CounterSlot* slots_ = nullptr;
  void* devices_mem_ = nullptr;
  void* users_mem_ = nullptr;
};

}  // namespace fleetsim::target

#endif  // FLEETSIM_TOOLS_TARGET_SHARED_REGION_H_
