// Copyright fleetsim authors.

#include "tools/target/shared_region.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace fleetsim::target {

namespace {

struct alignas(64) RegionHeader {
  uint32_t magic;
  uint32_t version;
  int32_t procs;
};
constexpr uint32_t kRegionMagic = 0x54475452;  // "TGTR"
constexpr uint32_t kRegionVersion = 1;

size_t RoundUp64(size_t n) { return (n + 63) & ~size_t{63}; }

}  // namespace

absl::StatusOr<SharedRegion> SharedRegion::Create(int procs, uint32_t max_devices,
                                                  uint32_t max_users) {
  const size_t slots_off = RoundUp64(sizeof(RegionHeader));
  const size_t devices_off = RoundUp64(slots_off + sizeof(CounterSlot) * procs);
  const size_t users_off = RoundUp64(devices_off + SessionTable::BytesFor(max_devices));
  const size_t total = RoundUp64(users_off + SessionTable::BytesFor(max_users));
  // MAP_NORESERVE: the tables are sized for the worst case but mostly never touched.
  void* p = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  if (p == MAP_FAILED) {
    return absl::ResourceExhaustedError(
        absl::StrCat("mmap of ", total, " bytes of shared memory failed: ", std::strerror(errno)));
  }
  SharedRegion r;
  r.base_ = p;
  r.bytes_ = total;
  r.procs_ = procs;
  char* base = static_cast<char*>(p);
  auto* header = new (base) RegionHeader{kRegionMagic, kRegionVersion, procs};
  (void)header;
  // The mapping is zero-filled, which is a valid initial state for the atomics in a slot.
  r.slots_ = reinterpret_cast<CounterSlot*>(base + slots_off);
  r.devices_mem_ = base + devices_off;
  r.users_mem_ = base + users_off;
  SessionTable::Init(r.devices_mem_, max_devices);
  SessionTable::Init(r.users_mem_, max_users);
  return r;
}

SharedRegion::SharedRegion(SharedRegion&& other) noexcept { *this = std::move(other); }

SharedRegion& SharedRegion::operator=(SharedRegion&& other) noexcept {
  if (this != &other) {
    Unmap();
    base_ = std::exchange(other.base_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
    procs_ = std::exchange(other.procs_, 0);
    slots_ = std::exchange(other.slots_, nullptr);
    devices_mem_ = std::exchange(other.devices_mem_, nullptr);
    users_mem_ = std::exchange(other.users_mem_, nullptr);
  }
  return *this;
}

SharedRegion::~SharedRegion() { Unmap(); }

void SharedRegion::Unmap() {
  if (base_ != nullptr) munmap(base_, bytes_);
  base_ = nullptr;
}

CounterValues SharedRegion::Totals() const {
  CounterValues v;
  for (int i = 0; i < procs_; ++i) v.AddFrom(slots_[i]);
  return v;
}

}  // namespace fleetsim::target
