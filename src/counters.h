// Copyright fleetsim authors.
//
// counters: what a worker counts. Global counters, then per exchange (a named send and its
// answer), then per-role gauges, all in one flat uint64_t array the worker owns and writes
// with plain increments (single writer), published to the stats segment on a timer. The
// stats thread diffs counters between snapshots; gauges are read as they are.

#ifndef FLEETSIM_SRC_COUNTERS_H_
#define FLEETSIM_SRC_COUNTERS_H_

#include <cstdint>

namespace fleetsim {

// Error classes: why an exchange or a connection failed. Every close and every failed step
// is counted under exactly one class.
enum class ErrorClass : uint8_t {
  kTimeout,          // no answer within the step's timeout
  kConnectTimeout,   // connect did not complete within connect_timeout
  kRefused,          // ECONNREFUSED
  kReset,            // ECONNRESET / EPIPE
  kClosedByPeer,     // orderly close (EOF) while the connection was still needed
  kMalformed,        // a frame that cannot be cut or decoded
  kCheckFailed,      // a frame that failed a check (status != 0, wrong seq, ...)
  kUnexpected,       // a frame nobody waited for and no on_frame handler matched
  kAddrUnavailable,  // EADDRNOTAVAIL / EADDRINUSE: out of source ports
  kFdExhausted,      // EMFILE / ENFILE
  kOther,            // any other errno
  kNumClasses,
};
const char* ErrorClassName(ErrorClass c);

enum class Counter : uint32_t {
  kConnectOk,
  kConnectFailed,
  kReconnects,  // connections opened again after a failure (backoff)
  kClosed,      // connections closed, any reason
  kMsgSent,
  kMsgReceived,
  kBytesSent,
  kBytesReceived,
  kExpected,         // answers waited for (recv_error_rate's denominator)
  kMissed,           // answers that did not come, or came wrong (its numerator)
  kBehindSchedule,   // paced sends that went out late
  kBehindSkipped,    // paced slots skipped because a whole period or more was missed
  kPeriodicSkipped,  // periodic opens skipped: the connection they require was not online
  kGaveUp,           // members that gave up (on_error: give_up)
  kMembersStarted,
  kMembersStopped,
  kWorkerRespawns,  // filled in by the master, not by workers
  kMembersLost,     // started members a worker that died had not stopped (by the master)
  kReloadsOk,       // configurations reloaded (by the master)
  kReloadsFailed,   // reloads refused: the file was wrong, the old configuration stayed
  kErrorsBase,      // ErrorClass counters follow: kErrorsBase + class
  kNumCounters = kErrorsBase + static_cast<uint32_t>(ErrorClass::kNumClasses),
};
const char* CounterName(Counter c);

// Per exchange, at ExchangeBase(x) + field.
enum class ExchangeCounter : uint32_t {
  kSent,
  kReceived,
  kErrors,
  kTimeouts,
  kCheckFailed,
  kNum,
};

// Per role, at RoleBase(r) + field. Gauges: current values, never diffed.
enum class RoleGauge : uint32_t {
  kTarget,      // members this worker should run now
  kPending,     // not yet started by the ramp
  kConnecting,  // started, not online yet (connecting or logging in)
  kOnline,
  kBackoff,  // waiting to reconnect
  kStopped,  // stopped on purpose (count lowered, shutdown)
  kGaveUp,
  kNum,
};

// Histograms, in order: global ones, then two per exchange.
enum class GlobalHistogram : uint32_t {
  kConnect,   // connect() to writable
  kSendTime,  // first byte handed to the socket until the last
  kLateness,  // how late paced sends went out
  kNum,
};

// Exchanges the stats segment has room for, whatever the program: a reload may add steps, and
// the segment's layout is fixed for the run. Unused ones cost nothing (sparse histograms).
inline constexpr uint32_t kExchangeSlots = 32;

// Where each part lives in the flat arrays, for `exchanges` exchange slots and `roles` roles.
struct CounterLayout {
  uint32_t exchanges = 0;
  uint32_t roles = 0;

  static constexpr uint32_t kGlobal = static_cast<uint32_t>(Counter::kNumCounters);
  static constexpr uint32_t kPerExchange = static_cast<uint32_t>(ExchangeCounter::kNum);
  static constexpr uint32_t kPerRole = static_cast<uint32_t>(RoleGauge::kNum);

  uint32_t ExchangeBase(uint32_t x) const { return kGlobal + x * kPerExchange; }
  uint32_t RoleBase(uint32_t r) const { return kGlobal + exchanges * kPerExchange + r * kPerRole; }
  uint32_t num_counters() const { return RoleBase(roles); }
  bool IsGauge(uint32_t i) const { return i >= RoleBase(0); }

  static constexpr uint32_t kGlobalHist = static_cast<uint32_t>(GlobalHistogram::kNum);
  // Latency from the scheduled send time (corrected) and from the actual send.
  uint32_t LatencyHist(uint32_t x) const { return kGlobalHist + 2 * x; }
  uint32_t UncorrectedHist(uint32_t x) const { return kGlobalHist + 2 * x + 1; }
  uint32_t num_histograms() const { return kGlobalHist + 2 * exchanges; }
};

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_COUNTERS_H_
