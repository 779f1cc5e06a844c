// Copyright fleetsim authors.
//
// device: the per-member and per-connection records a worker keeps, with their states and
// byte budgets. A Device exists for every member a worker owns, idle or not; a Conn exists
// only while a connection is open (or opening), taken from a per-worker slab. Neither holds
// a pointer, a string, a vector or a buffer: captured variables live in the worker's flat
// array, partial frames in its BufferPool, timers in its TimerHeap.

#ifndef FLEETSIM_SRC_DEVICE_H_
#define FLEETSIM_SRC_DEVICE_H_

#include <ev.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "src/program.h"

namespace fleetsim {

inline constexpr uint32_t kNoConn = 0xFFFFFFFF;

// Where a member is in its life, as the stats report it (RoleGauge mirrors these).
enum class MemberPhase : uint8_t {
  kPending,     // not started by the ramp yet
  kConnecting,  // started; its online connection is opening or logging in
  kOnline,      // its online connection passed its online step
  kBackoff,     // its online connection failed and waits to reconnect
  kStopped,     // stopped on purpose (shutdown, count lowered) or its steps ended
  kGaveUp,      // stopped after a failure whose action is give_up
};
const char* MemberPhaseName(MemberPhase p);

// What a named connection is doing while it has no Conn.
enum class SlotState : uint8_t {
  kNone,      // nothing scheduled
  kBackoff,   // reconnect when its timer fires
  kPeriodic,  // open for its next period when its timer fires
};

// The member's number and index are not stored: they follow from its position in the
// worker (Worker::MemberIndex), 8 bytes saved on every member.
struct Device {
  uint32_t conn[kMaxConnsPerDevice];  // open Conn of each named connection, or kNoConn
  uint16_t role;
  MemberPhase phase;
  uint8_t flags;                         // kStopRequested, kMemberDone
  SlotState slot[kMaxConnsPerDevice];    // what a closed connection waits for
  uint8_t attempts[kMaxConnsPerDevice];  // failures in a row (the backoff exponent)

  static constexpr uint8_t kStopRequested = 1;  // stopping: no new connections or steps
  static constexpr uint8_t kMemberDone = 2;     // stopped and counted as such
};
// The budget is part of the 256 bytes per member (bench/RESULTS.md); captured variables
// add 8 bytes each in the worker's flat array.
static_assert(sizeof(Device) <= 28, "Device outgrew its budget");

// What an open connection is doing.
enum class ConnState : uint8_t {
  kConnecting,  // non-blocking connect in progress; timer = connect timeout
  kRunning,     // running steps (transient, inside Drive)
  kAwaiting,    // waiting for the frame an expect step names; timer = its timeout
  kPausing,     // waiting for a wait step or the next loop iteration; timer = then
  kIdle,        // all steps done; kept open, answering pushes, until the member stops
};
const char* ConnStateName(ConnState s);

struct Conn {
  ev_io io;            // first: a watcher pointer is a Conn pointer
  uint32_t device;     // the owning Device's index in the worker
  uint32_t seq;        // messages sent on this connection: the last $seq
  uint16_t rx;         // BufferPool index of a partial frame, or BufferPool::kNone
  uint16_t tx;         // BufferPool index of output not yet written, or kNone
  uint16_t xfer;       // InFlightPool index of the request awaiting its answer, or kNone
  uint16_t loop_iter;  // iterations of the current loop started (counts are < 2^16)
  uint16_t pc;         // index of the current step
  uint8_t ci;          // which named connection of the role
  ConnState state;
  uint8_t flags;    // kOnStop, kOnlineConn
  uint8_t prog;     // its configuration generation (a Worker::programs_ slot)
  int64_t next_ns;  // loop: nominal time of the next iteration; periodic: this period
  // The end of the current pause: a wait step's, or the next loop iteration's due time with
  // its jitter (0: none drawn yet). Never both at once: a wait inside a loop body starts
  // after the iteration's due time was consumed. While connecting: when connect() started.
  int64_t until_ns;

  static constexpr uint8_t kOnStop = 1;      // running the on_stop steps
  static constexpr uint8_t kOnlineConn = 2;  // this connection made its member online
};
static_assert(sizeof(Conn) <= 88, "Conn outgrew its budget");

// A request awaiting its answer: what its latency is measured from. Lent by the worker's
// InFlightPool while a connection has one out (a heartbeat's round trip out of its 30 s),
// so an idle connection carries none of it.
struct InFlight {
  int64_t sched_ns;   // when it was due (latency_ms counts from here)
  int64_t sent_ns;    // when it was handed to the socket (latency_uncorrected_ms)
  uint32_t seq;       // its $seq: checks of the answer compare with it
  uint16_t exchange;  // the exchange it is counted under, or kNoIndex (not sent yet)
  uint16_t backfill;  // loop slots skipped before it (Worker::BackFill)
};

// Per-worker pool of InFlight records with 16-bit indices (a worker holds at most 60,000
// connections, each with at most one request out). Single-threaded.
class InFlightPool {
 public:
  static constexpr uint16_t kNone = 0xFFFF;
  uint16_t Acquire() {
    uint16_t i;
    if (!free_.empty()) {
      i = free_.back();
      free_.pop_back();
    } else if (recs_.size() < kNone) {
      i = static_cast<uint16_t>(recs_.size());
      recs_.emplace_back();
    } else {
      return kNone;
    }
    recs_[i] = InFlight{0, 0, 0, kNoIndex, 0};
    return i;
  }
  void Release(uint16_t i) { free_.push_back(i); }
  InFlight& at(uint16_t i) { return recs_[i]; }

 private:
  std::vector<InFlight> recs_;
  std::vector<uint16_t> free_;
};

// A slab of Conns with stable addresses (libev holds pointers to their watchers), grown in
// chunks and recycled through a free list: no allocation per connection.
class ConnPool {
 public:
  static constexpr uint32_t kChunk = 1024;

  uint32_t Acquire() {
    if (free_.empty()) Grow();
    uint32_t i = free_.back();
    free_.pop_back();
    return i;
  }
  void Release(uint32_t i) { free_.push_back(i); }
  Conn* at(uint32_t i) { return &chunks_[i / kChunk][i % kChunk]; }
  uint32_t in_use() const { return static_cast<uint32_t>(chunks_.size() * kChunk - free_.size()); }

 private:
  void Grow() {
    uint32_t base = static_cast<uint32_t>(chunks_.size() * kChunk);
    chunks_.emplace_back(new Conn[kChunk]);
    for (uint32_t i = kChunk; i > 0; --i) free_.push_back(base + i - 1);
  }
  std::vector<std::unique_ptr<Conn[]>> chunks_;
  std::vector<uint32_t> free_;
};

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_DEVICE_H_
