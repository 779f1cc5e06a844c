// Copyright fleetsim authors.
//
// cpu_rates: CPU % by mode and busy % from two /proc/stat readings (collector.md §1).
// Pure. Hotplug and counters going backwards are handled per CPU:
//  - a CPU absent from the previous reading (just came online) gets no rate this interval;
//  - a CPU whose idle went back by >= 3 s (node_exporter's jumpBackSeconds; the kernel
//    switches idle sources across hotplug) is reset: no rate this interval;
//  - any other field that decreased counts as 0 (sysstat; covers iowait re-accounted as
//    idle, which proc(5) warns about).
// The all-CPU figure is the sum of the per-CPU deltas of CPUs valid in both readings
// (mpstat's choice), immune to the aggregate line's idle drop on hotplug; the aggregate
// line is used only when a reading has no per-CPU lines.

#ifndef FLEETSIM_SRC_CPU_RATES_H_
#define FLEETSIM_SRC_CPU_RATES_H_

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "src/proc_cpu.h"

namespace fleetsim {

struct CpuPercents {
  // Percent of the interval's ticks per CpuMode. kUser includes guest and kNice includes
  // guest_nice (sar -u / iostat semantics); kGuest and kGuestNice are shown for
  // information and are not part of the 100 %. An interval with no ticks reads idle 100.
  std::array<double, kNumCpuModes> pct{};
  double busy_pct = 0;      // 100 - idle - iowait
  uint64_t ticks = 0;       // delta ticks, user..steal (no guest)
  uint64_t busy_ticks = 0;  // ticks - idle - iowait
  double operator[](CpuMode m) const { return pct[static_cast<int>(m)]; }
};

struct CpuRates {
  CpuPercents all;                     // over `cpus` CPUs
  std::map<int, CpuPercents> per_cpu;  // CPUs with a rate this interval
  int cpus = 0;                        // CPUs summed into `all`
  double cores_busy = 0;               // busy ticks / USER_HZ / dt: CPUs' worth busy
  std::vector<int> appeared;           // online now, not before: skipped
  std::vector<int> reset;              // idle jumped back >= 3 s: skipped
};

// REQUIRES: user_hz > 0, dt_s > 0. Returns nullopt when no CPU could be compared.
std::optional<CpuRates> DeriveCpuRates(const ProcStat& prev, const ProcStat& cur, int64_t user_hz,
                                       double dt_s);

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_CPU_RATES_H_
