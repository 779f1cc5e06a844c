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
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "nlohmann/json.hpp"
#include "src/config.h"
#include "src/counters.h"
#include "src/histogram.h"
#include "src/histogram_array.h"
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
  StatsThread(const StatsSegment* segment, const Program& program, const Config& config,
              Collector* collector = nullptr);
  ~StatsThread();
  StatsThread(const StatsThread&) = delete;
  StatsThread& operator=(const StatsThread&) = delete;

  void Start();
  // Writes the final line and summary, then joins the thread. Idempotent.
  void Stop();

  // Counted by the master, reported with the workers' counters.
  void AddMasterCount(Counter c, uint64_t n) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Run();
  // Snapshots every slot into slots_; overwrites *total with the merged cumulative state.
  void SnapshotAll(StatsState* total) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Emit(bool final) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  nlohmann::ordered_json Line(const StatsState& now, const StatsState& prev, double interval_s,
                              bool final) const;
  std::string HumanLine(const StatsState& now, const StatsState& prev, double interval_s) const;
  std::string Summary(const StatsState& total) const;

  const StatsSegment* segment_;
  const Config config_;
  CounterLayout layout_;
  std::vector<std::string> exchange_names_;
  std::vector<std::string> role_names_;
  Collector* collector_;

  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<StatsState> slots_ ABSL_GUARDED_BY(mu_);  // last good snapshot per worker
  std::vector<uint64_t> slot_resets_ ABSL_GUARDED_BY(mu_);
  StatsState retired_ ABSL_GUARDED_BY(mu_);  // what dead workers counted before they died
  StatsState prev_ ABSL_GUARDED_BY(mu_);     // the merged state at the previous line
  StatsState now_ ABSL_GUARDED_BY(mu_);      // the merged state being emitted (reused)
  StatsState scratch_ ABSL_GUARDED_BY(mu_);  // Snapshot() target, swapped into slots_
  std::vector<uint64_t> master_counts_ ABSL_GUARDED_BY(mu_);
  int64_t start_ns_ = 0;
  int64_t prev_ns_ ABSL_GUARDED_BY(mu_) = 0;
  FILE* file_ = nullptr;
  std::thread thread_;
};

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_STATS_THREAD_H_
