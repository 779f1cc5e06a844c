// Copyright fleetsim authors.
//
// process_watcher: follows the server under test, chosen by pid or by name, and samples
// its /proc/PID/{stat,status,fd}. Restarts show as a new (pid, starttime) pair; telling
// them apart from a steady process is the collector's job. Thread-compatible.

#ifndef FLEETSIM_SRC_PROCESS_WATCHER_H_
#define FLEETSIM_SRC_PROCESS_WATCHER_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace fleetsim {

// Which process to watch: a pid, or a name; neither means "no process section".
struct WatchSpec {
  int64_t pid = 0;   // --watch_pid
  std::string name;  // --watch_name
  bool enabled() const { return pid > 0 || !name.empty(); }
};

struct ProcessSample {
  int64_t pid = 0;
  std::string comm;
  char state = '?';
  uint64_t utime = 0, stime = 0;  // ticks (USER_HZ)
  uint64_t starttime = 0;         // ticks since boot
  int64_t threads = 0;
  uint64_t rss_bytes = 0;  // VmRSS, else stat rss x page size
  uint64_t vsize_bytes = 0;
  std::optional<uint64_t> fds;  // open file descriptors; absent without permission
  std::optional<uint64_t> vm_hwm_bytes;
  std::optional<uint64_t> voluntary_ctxt_switches, nonvoluntary_ctxt_switches;
};

// True iff a process with this comm (/proc/PID/stat, at most 15 chars) and argv[0]
// (first NUL-separated word of /proc/PID/cmdline) is called `name`: comm equal to the
// name, or to its first 15 chars when the name is longer (TASK_COMM_LEN), or argv[0]'s
// basename equal to the name.
bool ProcessNameMatches(absl::string_view comm, absl::string_view cmdline, absl::string_view name);

class ProcessWatcher {
 public:
  // `proc_root` is the procfs mount ("/proc" or a fixture tree). `self_pid` is never
  // chosen by name (pass getpid() in the agent, 0 in tests). After a by-name lookup
  // finds nothing, the next full scan of proc_root waits `rescan_after_miss`: a scan reads
  // every process's stat (and cmdline), which on a busy host costs more than a scrape.
  ProcessWatcher(std::string proc_root, WatchSpec spec, int64_t page_size, int64_t self_pid,
                 absl::Duration rescan_after_miss = absl::Seconds(2));

  const WatchSpec& spec() const { return spec_; }

  // Samples the watched process. Watching by name, a vanished or reused pid triggers a
  // rescan of proc_root (throttled after a miss, see above), which picks the oldest
  // matching process (lowest starttime, then pid: the parent of a pre-forked server).
  // Returns nullopt, with the reason in *why, when nothing matches or the pid is gone.
  std::optional<ProcessSample> Sample(std::string* why);

 private:
  std::optional<ProcessSample> SamplePid(int64_t pid);
  std::optional<int64_t> FindByName();

  const std::string proc_root_;
  const WatchSpec spec_;
  const int64_t page_size_;
  const int64_t self_pid_;
  const absl::Duration rescan_after_miss_;
  bool on_procfs_ = false;    // st_size of /proc/PID/fd counts fds only on real procfs
  int64_t cached_pid_ = 0;    // by-name: the pid found last time
  int64_t next_scan_ns_ = 0;  // by-name, after a miss: no full scan before this (MonoNanos)
};

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_PROCESS_WATCHER_H_
