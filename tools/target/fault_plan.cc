// Copyright fleetsim authors.

#include "tools/target/fault_plan.h"

#include <cmath>

#include "tools/target/frame.h"

namespace fleetsim::target {

FaultPlan::FaultPlan(const FaultConfig& config, uint64_t seed, int proc_index,
                     int64_t start_mono_ns)
    : config_(config), rng_(Rng::ForStream(seed, static_cast<uint64_t>(proc_index))) {
  stall_begin_ns_ = start_mono_ns + std::llround(config.stall_at_s * 1e9);
  stall_end_ns_ = stall_begin_ns_ + std::llround(config.stall_for_s * 1e9);
}

bool FaultPlan::Busy() { return config_.busy_ratio > 0 && rng_.Unit() < config_.busy_ratio; }

ResponseFault FaultPlan::PickResponseFault() {
  const double drop = config_.drop_ratio;
  const double garbage = drop + config_.garbage_ratio;
  const double close = garbage + config_.close_ratio;
  if (close <= 0) return ResponseFault::kNone;
  const double u = rng_.Unit();
  if (u < drop) return ResponseFault::kDrop;
  if (u < garbage) return ResponseFault::kGarbage;
  if (u < close) return ResponseFault::kClose;
  return ResponseFault::kNone;
}

int FaultPlan::DelayMs() {
  if (config_.delay_jitter_ms == 0) return config_.delay_ms;
  const int64_t d = rng_.Range(config_.delay_ms - config_.delay_jitter_ms,
                               config_.delay_ms + config_.delay_jitter_ms);
  return d < 0 ? 0 : static_cast<int>(d);
}

int FaultPlan::FragmentPiece() { return static_cast<int>(rng_.Range(1, 3)); }

void FaultPlan::FillGarbage(uint8_t* out, size_t len) {
  for (size_t i = 0; i < len; ++i) out[i] = static_cast<uint8_t>(rng_.Next() >> 56);
  if (len > 0 && out[0] == (kMagic >> 8)) out[0] ^= 0xff;
}

int64_t FaultPlan::StallEndNs(int64_t now_ns) const {
  return now_ns >= stall_begin_ns_ && now_ns < stall_end_ns_ ? stall_end_ns_ : 0;
}

}  // namespace fleetsim::target
