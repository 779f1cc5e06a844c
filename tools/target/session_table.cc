// Copyright fleetsim authors.

#include "tools/target/session_table.h"

#include <sched.h>

#include "glog/logging.h"

namespace fleetsim::target {

struct alignas(64) SessionTable::Header {
  uint32_t magic;
  uint32_t version;
  uint32_t capacity;     // slots; a power of two, at least 2 x max_entries (load <= 1/2)
  uint32_t max_entries;  // ids admitted; LOGIN of a new id beyond this is refused
  uint32_t slot_bits;    // log2(capacity)
  std::atomic<uint32_t> used;
};

namespace {

constexpr uint32_t kTableMagic = 0x53455353;  // "SESS"
constexpr uint32_t kTableVersion = 1;
constexpr uint64_t kKeyUsed = uint64_t{1} << 32;

uint32_t CapacityFor(uint32_t max_entries) {
  uint32_t cap = 64;
  while (cap < 2 * static_cast<uint64_t>(max_entries)) cap <<= 1;
  return cap;
}

int Log2(uint32_t pow2) { return __builtin_ctz(pow2); }

// Fibonacci hashing spreads the sequential device numbers simulators use.
uint32_t Hash(uint32_t id, int bits) {
  return static_cast<uint32_t>((uint64_t{id} * 0x9E3779B97F4A7C15ULL) >> (64 - bits));
}

class EntryLock {
 public:
  explicit EntryLock(SessionEntry& e) : e_(e) {
    for (int spins = 0; e_.lock.exchange(1, std::memory_order_acquire) != 0; ++spins) {
      // Held for a few instructions by another process; yield only if it was preempted.
      if (spins > 100) sched_yield();
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
  }
  ~EntryLock() { e_.lock.store(0, std::memory_order_release); }
  EntryLock(const EntryLock&) = delete;
  EntryLock& operator=(const EntryLock&) = delete;

 private:
  SessionEntry& e_;
};

}  // namespace

size_t SessionTable::BytesFor(uint32_t max_entries) {
  CHECK(max_entries >= 1 && max_entries <= kMaxEntriesLimit) << max_entries;
  return sizeof(Header) + size_t{CapacityFor(max_entries)} * sizeof(SessionEntry);
}

void SessionTable::Init(void* mem, uint32_t max_entries) {
  auto* h = static_cast<Header*>(mem);
  h->magic = kTableMagic;
  h->version = kTableVersion;
  h->capacity = CapacityFor(max_entries);
  h->max_entries = max_entries;
  h->slot_bits = Log2(h->capacity);
  h->used.store(0, std::memory_order_relaxed);
}

SessionTable::SessionTable(void* mem, int64_t ttl_ms)
    : header_(static_cast<Header*>(mem)),
      entries_(reinterpret_cast<SessionEntry*>(static_cast<char*>(mem) + sizeof(Header))),
      ttl_ms_(ttl_ms) {
  CHECK_EQ(header_->magic, kTableMagic);
  CHECK_EQ(header_->version, kTableVersion);
}

uint32_t SessionTable::capacity() const { return header_->capacity; }
uint32_t SessionTable::used() const { return header_->used.load(std::memory_order_relaxed); }

SessionEntry* SessionTable::Find(uint32_t id, bool insert, bool* inserted) {
  const uint64_t want = kKeyUsed | id;
  const uint32_t mask = header_->capacity - 1;
  uint32_t i = Hash(id, header_->slot_bits);
  for (uint32_t probes = 0; probes < header_->capacity; ++probes, i = (i + 1) & mask) {
    SessionEntry& e = entries_[i];
    uint64_t k = e.key.load(std::memory_order_acquire);
    if (k == want) return &e;
    if (k != 0) continue;
    if (!insert) return nullptr;  // keys are never removed: an empty slot ends the chain
    // Reserve room first, so the load factor stays under 1/2 and probe chains stay short.
    if (header_->used.fetch_add(1, std::memory_order_relaxed) >= header_->max_entries) {
      header_->used.fetch_sub(1, std::memory_order_relaxed);
      return nullptr;
    }
    if (e.key.compare_exchange_strong(k, want, std::memory_order_acq_rel)) {
      *inserted = true;
      return &e;
    }
    header_->used.fetch_sub(1, std::memory_order_relaxed);  // another process took the slot
    if (k == want) return &e;                               // ...for this very id
  }
  return nullptr;
}

SessionEntry* SessionTable::EntryFor(uint32_t sid) {
  const uint32_t slot = sid & (header_->capacity - 1);
  if ((sid >> header_->slot_bits) == 0) return nullptr;  // generation 0 is never issued
  SessionEntry& e = entries_[slot];
  if (e.key.load(std::memory_order_acquire) == 0) return nullptr;
  return &e;
}

bool SessionTable::Silent(const SessionEntry& e, int64_t now_ms) const {
  return ttl_ms_ > 0 && now_ms - e.last_ms > ttl_ms_;
}

SessionCheck SessionTable::CheckLocked(SessionEntry& e, uint32_t sid, int64_t now_ms) {
  if (sid == 0 || e.sid != sid) return SessionCheck::kUnknown;
  if (Silent(e, now_ms)) {
    e.sid = 0;
    return SessionCheck::kExpired;
  }
  return SessionCheck::kValid;
}

LoginOutcome SessionTable::Login(uint32_t id, int64_t now_ms) {
  LoginOutcome out;
  SessionEntry* e = Find(id, /*insert=*/true, &out.first_seen);
  if (e == nullptr) return out;
  const uint32_t slot = static_cast<uint32_t>(e - entries_);
  const uint32_t max_gen = (uint32_t{1} << (32 - header_->slot_bits)) - 1;
  EntryLock lock(*e);
  if (e->sid != 0) out.prior = Silent(*e, now_ms) ? SessionCheck::kExpired : SessionCheck::kValid;
  e->generation = e->generation >= max_gen ? 1 : e->generation + 1;
  e->sid = (e->generation << header_->slot_bits) | slot;
  e->last_ms = now_ms;
  out.ok = true;
  out.sid = e->sid;
  return out;
}

SessionCheck SessionTable::Touch(uint32_t sid, int64_t now_ms) {
  SessionEntry* e = EntryFor(sid);
  if (e == nullptr) return SessionCheck::kUnknown;
  EntryLock lock(*e);
  SessionCheck c = CheckLocked(*e, sid, now_ms);
  if (c == SessionCheck::kValid) e->last_ms = now_ms;
  return c;
}

SessionCheck SessionTable::End(uint32_t sid, int64_t now_ms) {
  SessionEntry* e = EntryFor(sid);
  if (e == nullptr) return SessionCheck::kUnknown;
  EntryLock lock(*e);
  SessionCheck c = CheckLocked(*e, sid, now_ms);
  if (c == SessionCheck::kValid) e->sid = 0;
  return c;
}

SessionCheck SessionTable::AddReport(uint32_t sid, int64_t now_ms, uint32_t* reports) {
  SessionEntry* e = EntryFor(sid);
  if (e == nullptr) return SessionCheck::kUnknown;
  EntryLock lock(*e);
  SessionCheck c = CheckLocked(*e, sid, now_ms);
  if (c == SessionCheck::kValid) *reports = ++e->reports;
  return c;
}

SessionCheck SessionTable::Check(uint32_t sid, int64_t now_ms, int64_t* last_ms) {
  SessionEntry* e = EntryFor(sid);
  if (e == nullptr) return SessionCheck::kUnknown;
  EntryLock lock(*e);
  SessionCheck c = CheckLocked(*e, sid, now_ms);
  if (c == SessionCheck::kValid) *last_ms = e->last_ms;
  return c;
}

QueryOutcome SessionTable::Query(uint32_t id, int64_t now_ms) {
  QueryOutcome out;
  bool inserted = false;
  SessionEntry* e = Find(id, /*insert=*/false, &inserted);
  if (e == nullptr) return out;
  EntryLock lock(*e);
  if (e->sid != 0 && Silent(*e, now_ms)) {
    e->sid = 0;
    out.expired = true;
  }
  out.online = e->sid != 0;
  // generation 0: the entry was just created by a LOGIN that has not taken the lock yet.
  out.last_ms = e->generation == 0 ? -1 : e->last_ms;
  return out;
}

}  // namespace fleetsim::target
