// Copyright fleetsim authors.
//
// fault_plan: decides, request by request, which fault the target injects. Every decision
// comes from one seeded Rng per process (seed, process index), so a run replays exactly
// when requests arrive in the same order. Pure: the caller passes the clock.
// Thread-compatible: one FaultPlan per worker process.

#ifndef FLEETSIM_TOOLS_TARGET_FAULT_PLAN_H_
#define FLEETSIM_TOOLS_TARGET_FAULT_PLAN_H_

#include <cstddef>
#include <cstdint>

#include "src/rng.h"

namespace fleetsim::target {

// Fault flags, as validated by ValidateConfig (config.h).
struct FaultConfig {
  int delay_ms = 0;              // --delay_ms: every response is held this long...
  int delay_jitter_ms = 0;       // --delay_jitter_ms: ...± uniform jitter, clamped at 0.
  double drop_ratio = 0;         // --drop_ratio: response not sent at all.
  double garbage_ratio = 0;      // --garbage_ratio: response replaced by random bytes.
  double close_ratio = 0;        // --close_ratio: connection closed instead of answering.
  double busy_ratio = 0;         // --busy_ratio: LOGIN answered with status 2.
  bool fragment_writes = false;  // --fragment_writes: responses written in 1-3 byte pieces.
  double stall_at_s = 0;         // --stall_at_s: stall window starts this long after start...
  double stall_for_s = 0;        // --stall_for_s: ...and lasts this long (0: no stall).
};

// What replaces a response. Drop, garbage and close are exclusive, drawn once per response
// with probabilities drop_ratio, garbage_ratio, close_ratio.
enum class ResponseFault : uint8_t {
  kNone,     // The real response is sent.
  kDrop,     // Nothing is sent.
  kGarbage,  // As many random bytes as the response had, never starting with the magic.
  kClose,    // The connection is closed where the response would have been written.
};

class FaultPlan {
 public:
  // `start_mono_ns`: CLOCK_MONOTONIC of the target's start, shared by every process so the
  // stall window is the same everywhere.
  FaultPlan(const FaultConfig& config, uint64_t seed, int proc_index, int64_t start_mono_ns);

  // True iff this LOGIN is refused with status 2. Draws only when busy_ratio > 0.
  bool Busy();
  // The fault for one response. Draws only when some ratio is > 0.
  ResponseFault PickResponseFault();
  // The delay for one response, in ms: uniform in [delay - jitter, delay + jitter], then
  // clamped at 0. Draws only when jitter > 0.
  int DelayMs();
  bool fragment_writes() const { return config_.fragment_writes; }
  // The size of the next fragment of a response: 1, 2 or 3 bytes.
  int FragmentPiece();
  // Fills out[0..len) with random bytes whose first byte is never the magic's, so any
  // reader of RDP/1 sees a bad frame at once.
  void FillGarbage(uint8_t* out, size_t len);
  // If `now_ns` (CLOCK_MONOTONIC) is inside the stall window, returns the window's end;
  // else 0.
  int64_t StallEndNs(int64_t now_ns) const;

 private:
  FaultConfig config_;
  Rng rng_;
  int64_t stall_begin_ns_ = 0;
  int64_t stall_end_ns_ = 0;  // == stall_begin_ns_ when there is no stall
};

}  // namespace fleetsim::target

#endif  // FLEETSIM_TOOLS_TARGET_FAULT_PLAN_H_
