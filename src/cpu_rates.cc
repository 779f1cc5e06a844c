// Copyright fleetsim authors.

#include "src/cpu_rates.h"

namespace fleetsim {
namespace {

constexpr int kIdle = static_cast<int>(CpuMode::kIdle);
constexpr int kIowait = static_cast<int>(CpuMode::kIowait);
constexpr int kSteal = static_cast<int>(CpuMode::kSteal);
// node_exporter cpu_linux.go jumpBackSeconds: idle going back this far is a hotplug.
constexpr double kJumpBackSeconds = 3.0;

using Deltas = std::array<uint64_t, kNumCpuModes>;

// False when the CPU must be reset (idle jumped back too far).
bool CpuDelta(const CpuTimes& prev, const CpuTimes& cur, int64_t user_hz, Deltas* d) {
  if (prev.ticks[kIdle] > cur.ticks[kIdle] &&
      static_cast<double>(prev.ticks[kIdle] - cur.ticks[kIdle]) >= kJumpBackSeconds * user_hz) {
    return false;
  }
  for (int i = 0; i < kNumCpuModes; ++i) {
    (*d)[i] = cur.ticks[i] >= prev.ticks[i] ? cur.ticks[i] - prev.ticks[i] : 0;
  }
  return true;
}

CpuPercents Percents(const Deltas& d) {
  CpuPercents p;
  for (int i = 0; i <= kSteal; ++i) p.ticks += d[i];  // guest is inside user: not added
  if (p.ticks == 0) {
    p.pct[kIdle] = 100;  // mpstat/sar: a tickless, idle CPU
    return p;
  }
  for (int i = 0; i < kNumCpuModes; ++i) p.pct[i] = 100.0 * d[i] / p.ticks;
  const uint64_t idle = d[kIdle] + d[kIowait];
  p.busy_ticks = p.ticks > idle ? p.ticks - idle : 0;
  p.busy_pct = 100.0 * p.busy_ticks / p.ticks;
  return p;
}

}  // namespace

std::optional<CpuRates> DeriveCpuRates(const ProcStat& prev, const ProcStat& cur, int64_t user_hz,
                                       double dt_s) {
  CpuRates r;
  Deltas sum{};
  if (!prev.per_cpu.empty() && !cur.per_cpu.empty()) {
    for (const auto& [cpu, now] : cur.per_cpu) {
      auto before = prev.per_cpu.find(cpu);
      if (before == prev.per_cpu.end()) {
        r.appeared.push_back(cpu);
        continue;
      }
      Deltas d;
      if (!CpuDelta(before->second, now, user_hz, &d)) {
        r.reset.push_back(cpu);
        continue;
      }
      r.per_cpu[cpu] = Percents(d);
      for (int i = 0; i < kNumCpuModes; ++i) sum[i] += d[i];
      ++r.cpus;
    }
    if (r.cpus == 0) return std::nullopt;
  } else {
    // No per-CPU lines (odd file): fall back to the aggregate line; CPU count unknown.
    if (!prev.total.has_value() || !cur.total.has_value()) return std::nullopt;
    if (!CpuDelta(*prev.total, *cur.total, user_hz, &sum)) return std::nullopt;
  }
  r.all = Percents(sum);
  r.cores_busy = static_cast<double>(r.all.busy_ticks) / user_hz / dt_s;
  return r;
}

}  // namespace fleetsim
