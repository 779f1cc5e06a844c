// Copyright fleetsim authors.
//
// session_table: the table of sessions every target process shares (devices in one table,
// app users in another), living in the master's MAP_SHARED region. Keyed by device number
// (or user id); an id's entry is created on its first LOGIN and never removed, so it also
// remembers "ever logged in" and the REPORTs stored for that device across sessions.
//
// Session ids are valid in every process: a session id is (generation << slot_bits) | slot,
// so any process finds the entry from the id alone and checks it against the entry's
// current id. The generation is bumped by every LOGIN of that id and skips 0, so 0 is never
// a session id; an old id of the same entry becomes valid again only after
// 2^(32 - slot_bits) - 1 further LOGINs of that same device (2047 with the defaults).
//
// Expiry is lazy and exact: every operation that meets a session silent for more than
// ttl_ms ends it and says so (SessionCheck::kExpired), so whoever meets it first counts it,
// and only once. The owner of the session (the process holding its access connection)
// also sweeps it on a timer (ExpiryList) so the "online" gauge falls without traffic.

#ifndef FLEETSIM_TOOLS_TARGET_SESSION_TABLE_H_
#define FLEETSIM_TOOLS_TARGET_SESSION_TABLE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace fleetsim::target {

// One id's entry. `key` is written once (0 -> used) with a CAS and then only read, so
// lookups need no lock; the other fields are guarded by `lock`, a spinlock held for a few
// instructions. (A process killed while holding it would wedge that one entry; workers are
// never killed mid-operation except by SIGKILL of the whole target.)
struct SessionEntry {
  std::atomic<uint64_t> key;   // 0 = empty; else kKeyUsed | id.
  std::atomic<uint32_t> lock;  // 0 = free, 1 = held.
  uint32_t sid;                // Current session id; 0 = no session. Guarded by lock.
  int64_t last_ms;             // CLOCK_MONOTONIC ms of the last LOGIN or HEARTBEAT.
  uint32_t generation;         // Bumped by every LOGIN; the high bits of sid.
  uint32_t reports;            // REPORTs stored for this id so far, over all sessions.
};
static_assert(sizeof(SessionEntry) == 32, "SessionEntry must stay 32 bytes");

// The outcome of meeting a session id.
enum class SessionCheck : uint8_t {
  kValid,    // The session is current (and was not silent for more than ttl).
  kUnknown,  // Not a current session id (never issued, ended, or replaced).
  kExpired,  // It was current but silent for more than ttl: this call ended it.
};

struct LoginOutcome {
  bool ok = false;          // False iff the table is full (max_entries ids already seen).
  bool first_seen = false;  // This LOGIN created the id's entry.
  uint32_t sid = 0;         // The new session id.
  // The id's previous session: kValid (this LOGIN replaced it), kExpired (it had expired;
  // this call ended it), or kUnknown (there was none).
  SessionCheck prior = SessionCheck::kUnknown;
};

struct QueryOutcome {
  bool online = false;   // The id holds a current session.
  int64_t last_ms = -1;  // Its last LOGIN or HEARTBEAT; -1 if the id never logged in.
  bool expired = false;  // Its session expired and this call ended it.
};

// A process-local view of one shared table. Cheap to copy; holds no ownership.
// Any process may call any method concurrently with other processes.
class SessionTable {
 public:
  // The largest max_entries accepted (capacity 2^25 slots, 1 GiB of address space).
  static constexpr uint32_t kMaxEntriesLimit = 1u << 24;

  // Bytes of shared memory a table for `max_entries` ids needs (a multiple of 64).
  // REQUIRES: 1 <= max_entries <= kMaxEntriesLimit.
  static size_t BytesFor(uint32_t max_entries);
  // Formats a table in `mem`. REQUIRES: mem is 64-byte aligned, zero-filled, and
  // BytesFor(max_entries) long; called once, before any process attaches.
  static void Init(void* mem, uint32_t max_entries);

  SessionTable() = default;
  // Attaches to a table Init formatted. ttl_ms: sessions silent for longer end (0: never).
  SessionTable(void* mem, int64_t ttl_ms);

  // Starts a new session for `id` at `now_ms`, replacing any current one.
  LoginOutcome Login(uint32_t id, int64_t now_ms);
  // HEARTBEAT: refreshes the session's last_ms if it is valid.
  SessionCheck Touch(uint32_t sid, int64_t now_ms);
  // Ends the session if it is current (LOGOUT, its connection closed).
  SessionCheck End(uint32_t sid, int64_t now_ms);
  // REPORT: if valid, counts one more report for the device and sets *reports to the total.
  SessionCheck AddReport(uint32_t sid, int64_t now_ms, uint32_t* reports);
  // Validity only; sets *last_ms when valid.
  SessionCheck Check(uint32_t sid, int64_t now_ms, int64_t* last_ms);
  // Looks an id up without creating it.
  QueryOutcome Query(uint32_t id, int64_t now_ms);

  uint32_t capacity() const;
  uint32_t used() const;  // ids seen so far
  int64_t ttl_ms() const { return ttl_ms_; }

 private:
  struct Header;
  SessionEntry* Find(uint32_t id, bool insert, bool* inserted);
  // The entry `sid` names, or null if sid cannot name one.
  SessionEntry* EntryFor(uint32_t sid);
  bool Silent(const SessionEntry& e, int64_t now_ms) const;
  // REQUIRES: e.lock held. Classifies e against sid, ending an expired session.
  SessionCheck CheckLocked(SessionEntry& e, uint32_t sid, int64_t now_ms);

  Header* header_ = nullptr;
  SessionEntry* entries_ = nullptr;
  int64_t ttl_ms_ = 0;
};

}  // namespace fleetsim::target

#endif  // FLEETSIM_TOOLS_TARGET_SESSION_TABLE_H_
