// Copyright fleetsim authors.
//
// stats_thread: the master's stats thread. Every --stats_interval it snapshots every
// worker's slot of the stats segment, diffs the cumulative counters and histograms against
// the previous snapshot, merges workers, and writes one human line to the log and one JSON
// object to --stats_file (format: README.md, "The stats line"). At stop it writes a last
// line with "final": true and a summary block. Owned by the Master; its public methods are
// called from the master's loop thread.

#ifndef FLEETSIM_SRC_STATS_THREAD_H_
#define FLEETSIM_SRC_STATS_THREAD_H_

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "nlohmann/json.hpp"
#include "src/config.h"
#include "src/counters.h"
#include "src/histogram.h"
#include "src/histogram_array.h"
#include "src/process_cpu.h"
#include "src/program.h"
#include "src/stats_segment.h"

namespace fleetsim {

class Collector;

// The counters and histograms of one moment: one worker's, or every worker's merged.
// Movable, not copyable: the histograms live in a HistogramArray, so a state costs the
// buckets its histograms use, not 28 KiB each; reuse states rather than building new ones.
struct StatsState {
  std::vector<uint64_t> counters;
  HistogramArray hists;
  // Zero counters and empty histograms, shaped for `layout`.
  void Resize(const CounterLayout& layout) {
    counters.assign(layout.num_counters(), 0);
    hists = HistogramArray(layout.num_histograms());
  }
  // Back to zero, keeping the shape; writes only the histogram buckets in use.
  void Clear() {
    std::fill(counters.begin(), counters.end(), 0);
    hists.Clear();
  }
};

class StatsThread {
 public:
  // REQUIRES: `segment` outlives this object. Copies what it needs from `program`.
  // `collector` (may be null) is polled once per interval, outside the stats lock, and its
  // figures join every line ("generator", "servers") and the human line.
  StatsThread(StatsSegment* segment, const Program& program, const Config& config,
              Collector* collector = nullptr);
  ~StatsThread();
  StatsThread(const StatsThread&) = delete;
  StatsThread& operator=(const StatsThread&) = delete;

  void Start();
  // Writes the final line and summary, then joins the thread. Idempotent.
  void Stop();

  // Counted by the master, reported with the workers' counters.
  void AddMasterCount(Counter c, uint64_t n) ABSL_LOCKS_EXCLUDED(mu_);
  // A worker died: keeps what its slot counted (its last consistent publish) in the totals,
  // counts the members it had running as lost, and resets the slot for its replacement,
  // all at once with respect to the lines, so totals never go backwards.
  // REQUIRES: the slot's worker is dead (reaped).
  void RetireSlot(uint32_t slot) ABSL_LOCKS_EXCLUDED(mu_);
  // Workers running now (reported in every line as "workers"), and their pids (for the
  // generator's self-check: a worker saturating its core is the tool's limit).
  void SetWorkersRunning(uint32_t n) ABSL_LOCKS_EXCLUDED(mu_);
  void SetWorkerPids(std::vector<pid_t> pids) ABSL_LOCKS_EXCLUDED(mu_);

  // Reload: a new configuration generation. Exchange indices are stable (new ones come
  // after), so counts continue; the interval applies from the next line; `collector`
  // replaces the current one (a different --agents), or null to keep it.
  void Reconfigure(const Program& program, uint64_t generation, absl::Duration interval,
                   std::unique_ptr<Collector> collector) ABSL_LOCKS_EXCLUDED(mu_);
  // Reopens --stats_file (after logrotate moved it). Called on every SIGHUP.
  void ReopenFile() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Run();
  // Snapshots every slot into slots_; overwrites *total with the merged cumulative state.
  void SnapshotAll(StatsState* total) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Emit(bool final) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Samples fleetsim's own processes into self_ and bottleneck_.
  void SelfCheck() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  nlohmann::ordered_json Line(const StatsState& now, const StatsState& prev, double interval_s,
                              bool final) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string HumanLine(const StatsState& now, const StatsState& prev, double interval_s) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string Summary(const StatsState& total) const;

  StatsSegment* segment_;
  const Config config_;
  absl::Duration interval_ ABSL_GUARDED_BY(mu_);
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 1;
  std::unique_ptr<Collector> owned_collector_ ABSL_GUARDED_BY(mu_);  // one a reload brought
  // Collectors reloads replaced, freed by the stats thread once it no longer polls them.
  std::vector<std::unique_ptr<Collector>> retired_collectors_ ABSL_GUARDED_BY(mu_);
  CounterLayout layout_;
  std::vector<std::string> exchange_names_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> role_names_;
  // Read and polled by the stats thread; swapped by Reconfigure under mu_.
  Collector* collector_ ABSL_GUARDED_BY(mu_);

  // std::mutex, not absl::Mutex: the distribution's Abseil is not built for TSan, which then
  // cannot see its hand-offs; pthread mutexes it intercepts. The annotations stay as the
  // contract (clang checks them on a capability type; g++ ignores them).
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  bool first_line_ ABSL_GUARDED_BY(mu_) = true;
  std::vector<StatsState> slots_ ABSL_GUARDED_BY(mu_);  // last good snapshot per worker
  std::vector<uint64_t> slot_resets_ ABSL_GUARDED_BY(mu_);
  StatsState retired_ ABSL_GUARDED_BY(mu_);  // what dead workers counted before they died
  StatsState prev_ ABSL_GUARDED_BY(mu_);     // the merged state at the previous line
  StatsState now_ ABSL_GUARDED_BY(mu_);      // the merged state being emitted (reused)
  StatsState scratch_ ABSL_GUARDED_BY(mu_);  // Snapshot() target, swapped into slots_
  std::vector<uint64_t> master_counts_ ABSL_GUARDED_BY(mu_);
  uint32_t workers_running_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<pid_t> worker_pids_ ABSL_GUARDED_BY(mu_);
  ProcessCpu process_cpu_ ABSL_GUARDED_BY(mu_);
  nlohmann::ordered_json self_ ABSL_GUARDED_BY(mu_);  // this interval's self-check
  bool bottleneck_ ABSL_GUARDED_BY(mu_) = false;
  int64_t start_ns_ = 0;
  int64_t prev_ns_ ABSL_GUARDED_BY(mu_) = 0;
  FILE* file_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::thread thread_;
};

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_STATS_THREAD_H_
