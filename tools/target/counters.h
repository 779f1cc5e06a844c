// Copyright fleetsim authors.
//
// counters: the target's exact counters. Each process owns one CounterSlot in the shared
// region and is its only writer; the master sums the slots (Totals) when it writes the
// counters file. There is no publish step: a slot is always current, so a snapshot taken
// after the last response a client read includes every count that response implies.

#ifndef FLEETSIM_TOOLS_TARGET_COUNTERS_H_
#define FLEETSIM_TOOLS_TARGET_COUNTERS_H_

#include <atomic>
#include <cstdint>

#include "tools/target/command.h"

namespace fleetsim::target {

// Per-command counters. For every request the target parses, exactly one outcome follows:
//   received = responded + (faulted - busy) + unanswered + (still queued)
// busy (LOGIN only) is both responded and faulted: its status-2 response is a real frame.
enum class CmdCounter : uint8_t {
  kReceived,    // Well-formed requests parsed (a malformed body is a protocol error instead).
  kResponded,   // Valid response frames fully handed to the kernel (incl. ERROR and busy).
  kRejected,    // Of those, responses with a non-zero status.
  kFaulted,     // Answered with a fault on purpose: dropped, garbage, closed, busy.
  kUnanswered,  // Valid responses never written: the connection closed first.
};
inline constexpr int kNumCmdCounters = 5;
const char* CmdCounterName(CmdCounter c);  // "received", ...

// Process-wide counters. Gauges (open connections, devices online) are differences of two
// monotonic counters, so each stays single-writer.
enum class Counter : uint8_t {
  kProtocolErrors,         // Connections closed for a bad header or a malformed body.
  kWrongPort,              // Known commands on another command's port (answered ERROR 9).
  kConnAccepted,           // Connections accepted.
  kConnClosed,             // Accepted connections closed (by either side).
  kConnRefused,            // Accepted and closed at once: the process is at its cap.
  kDeviceSessionsStarted,  // LOGINs that created a session.
  kDeviceSessionsEnded,    // Sessions ended: logout, connection closed, expiry, replaced.
  kDevicesEver,            // Distinct devices that ever logged in.
  kSessionsLoggedOut,      // Sessions ended by LOGOUT.
  kSessionsConnClosed,     // Sessions ended because their access connection closed.
  kSessionsExpired,        // Sessions ended after 3 heartbeat intervals of silence.
  kSessionsReplaced,       // Sessions ended by a second LOGIN of the same device.
  kDeviceTableFull,        // LOGINs refused (status 2) because --max_devices is reached.
  kUserSessionsStarted,    // USER_LOGINs that created a user session.
  kUserSessionsEnded,      // User sessions ended (connection closed, replaced).
  kUsersEver,              // Distinct users that ever logged in.
  kUserTableFull,          // USER_LOGINs refused (status 2) because --max_users is reached.
  kReportPayloadBytes,     // REPORT payload bytes received.
  kFaultDelayed,           // Responses held by --delay_ms/--delay_jitter_ms (delay > 0).
  kFaultDropped,           // Responses not sent (--drop_ratio).
  kFaultGarbage,           // Responses replaced by garbage (--garbage_ratio).
  kFaultClosed,            // Connections closed instead of a response (--close_ratio).
  kFaultFragmented,        // Responses written in pieces (--fragment_writes).
  kFaultBusy,              // LOGINs answered with status 2 (--busy_ratio).
  kFaultStalled,           // Responses held by the stall window (--stall_at_s).
};
inline constexpr int kNumCounters = 25;
const char* CounterName(Counter c);  // "protocol_errors", ...

// Shared-memory atomics must work across processes: lock-free, and valid when the
// mapping's pages are zero-filled (no constructor runs on them).
static_assert(std::atomic<uint64_t>::is_always_lock_free);
static_assert(std::atomic<int64_t>::is_always_lock_free);
static_assert(std::atomic<uint32_t>::is_always_lock_free);

// One process's counters, in shared memory. Single writer (its worker), any number of
// readers. Values are relaxed atomics: the writer's increment is a plain load and store
// (no lock prefix), and a reader sees every increment that happened before it read.
struct alignas(64) CounterSlot {
  std::atomic<uint64_t> cmd[kNumCommands][kNumCmdCounters];
  std::atomic<uint64_t> scalar[kNumCounters];
  std::atomic<int64_t> pid;  // The worker's pid, 0 until it starts.

  // Only the owning worker calls Add and Sub.
  void Add(Command c, CmdCounter k, uint64_t n = 1) {
    auto& v = cmd[static_cast<int>(c)][static_cast<int>(k)];
    v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  // Takes back an Add whose event did not happen after all (a write that fell short).
  void Sub(Command c, CmdCounter k, uint64_t n = 1) {
    auto& v = cmd[static_cast<int>(c)][static_cast<int>(k)];
    v.store(v.load(std::memory_order_relaxed) - n, std::memory_order_relaxed);
  }
  void Add(Counter c, uint64_t n = 1) {
    auto& v = scalar[static_cast<int>(c)];
    v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  uint64_t Get(Command c, CmdCounter k) const {
    return cmd[static_cast<int>(c)][static_cast<int>(k)].load(std::memory_order_relaxed);
  }
  uint64_t Get(Counter c) const {
    return scalar[static_cast<int>(c)].load(std::memory_order_relaxed);
  }
};

// A plain copy of counters: one slot's, or the sum of all. Trivially copyable.
struct CounterValues {
  uint64_t cmd[kNumCommands][kNumCmdCounters] = {};
  uint64_t scalar[kNumCounters] = {};

  uint64_t Get(Command c, CmdCounter k) const {
    return cmd[static_cast<int>(c)][static_cast<int>(k)];
  }
  uint64_t Get(Counter c) const { return scalar[static_cast<int>(c)]; }
  // A gauge from two counters; differences are taken over sums, so a per-process
  // difference may be negative (a session started on one process, ended on another).
  int64_t Diff(Counter a, Counter b) const { return static_cast<int64_t>(Get(a) - Get(b)); }
  void AddFrom(const CounterSlot& slot);
  void Add(const CounterValues& other);
};

}  // namespace fleetsim::target

#endif  // FLEETSIM_TOOLS_TARGET_COUNTERS_H_
