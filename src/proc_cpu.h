// Copyright fleetsim authors.
//
// proc_cpu: pure parsers for /proc/stat (CPU time per mode, aggregate and per online CPU,
// plus ctxt/btime/processes/procs_*/intr/softirq) and /proc/loadavg. No I/O, no clock.
// Values stay raw (USER_HZ ticks): rates are derived elsewhere (cpu_rates.h).

#ifndef FLEETSIM_SRC_PROC_CPU_H_
#define FLEETSIM_SRC_PROC_CPU_H_

#include <array>
#include <cstdint>
#include <map>
#include <optional>

#include "absl/strings/string_view.h"

namespace fleetsim {

// The columns of a /proc/stat cpu line, in file order (proc(5)). guest is included in
// user and guest_nice in nice by the kernel (account_guest_time): never add them to a total.
enum class CpuMode : int {
  kUser,
  kNice,
  kSystem,
  kIdle,
  kIowait,
  kIrq,
  kSoftirq,
  kSteal,
  kGuest,
  kGuestNice,
};
inline constexpr int kNumCpuModes = 10;

// "user", "nice", ..., "guest_nice": the node_exporter `mode` label values.
const char* CpuModeName(CpuMode m);

// Ticks (USER_HZ) per mode. Columns missing on old kernels are 0.
struct CpuTimes {
  std::array<uint64_t, kNumCpuModes> ticks{};
  uint64_t operator[](CpuMode m) const { return ticks[static_cast<int>(m)]; }
  uint64_t& operator[](CpuMode m) { return ticks[static_cast<int>(m)]; }
  bool operator==(const CpuTimes& o) const { return ticks == o.ticks; }
};

// One parse of /proc/stat. A line that is absent or unparsable leaves its field empty.
struct ProcStat {
  std::optional<CpuTimes> total;          // the "cpu" line: summed over all *possible* CPUs
  std::map<int, CpuTimes> per_cpu;        // "cpuN" lines: only *online* CPUs appear
  std::optional<uint64_t> ctxt;           // context switches since boot (counter)
  std::optional<uint64_t> btime;          // boot time, epoch seconds
  std::optional<uint64_t> processes;      // forks since boot (counter)
  std::optional<uint64_t> procs_running;  // gauge, includes the reader
  std::optional<uint64_t> procs_blocked;  // gauge (D state waiting on I/O)
  std::optional<uint64_t> intr;           // first column of "intr": all interrupts (counter)
  std::optional<uint64_t> softirq;        // first column of "softirq" (counter)
};

// Parses /proc/stat. Tolerates missing trailing cpu columns (zero-filled), extra columns
// (ignored), unknown lines and a very long `intr` line (only its first number is read).
ProcStat ParseProcStat(absl::string_view text);

// /proc/loadavg: "1.09 0.35 0.13 3/102 4524".
struct LoadAvg {
  double load1 = 0, load5 = 0, load15 = 0;
  uint64_t runnable = 0;  // kernel scheduling entities runnable now
  uint64_t threads = 0;   // kernel scheduling entities in total
  uint64_t last_pid = 0;
};

// Returns nullopt unless the three load figures parse; the rest is optional (0 if odd).
std::optional<LoadAvg> ParseLoadAvg(absl::string_view text);

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_PROC_CPU_H_
