// Copyright fleetsim authors.
//
// proc_pid: pure parsers for /proc/PID/stat and /proc/PID/status (proc(5)). No I/O;
// finding and following a process is process_watcher.h's job.

#ifndef FLEETSIM_SRC_PROC_PID_H_
#define FLEETSIM_SRC_PROC_PID_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace fleetsim {

// The /proc/PID/stat fields we use, numbered as in proc(5).
struct PidStat {
  int64_t pid = 0;          // 1
  std::string comm;         // 2, without the parentheses; may hold spaces and ')'
  char state = '?';         // 3
  int64_t ppid = 0;         // 4
  uint64_t utime = 0;       // 14, ticks; includes guest time
  uint64_t stime = 0;       // 15, ticks
  int64_t num_threads = 0;  // 20
  uint64_t starttime = 0;   // 22, ticks since boot: with the pid, identifies the process
  uint64_t vsize = 0;       // 23, bytes
  int64_t rss_pages = 0;    // 24, pages
};

// comm is taken between the first '(' and the *last* ')' (a process may call itself
// "(a) b)"); the fields after it are split on spaces. Returns nullopt when the line is
// truncated before field 24 or a used field is not a number.
std::optional<PidStat> ParsePidStat(absl::string_view text);

// The /proc/PID/status keys we use. Absent keys stay nullopt (kernel threads have no Vm*).
struct PidStatus {
  std::string name;                      // Name: (comm, unescaped as printed)
  std::optional<uint64_t> vm_rss_bytes;  // VmRSS (kB x 1024)
  std::optional<uint64_t> vm_hwm_bytes;  // VmHWM, peak RSS
  std::optional<int64_t> threads;        // Threads
  std::optional<uint64_t> voluntary_ctxt_switches;
  std::optional<uint64_t> nonvoluntary_ctxt_switches;
};

PidStatus ParsePidStatus(absl::string_view text);

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_PROC_PID_H_
