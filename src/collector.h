// Copyright fleetsim authors.
//
// collector: fleetsim's view of the servers under load. Polls every fleetsim-agent's
// GET /sample, turns consecutive samples into rates (host_figures.h), samples the
// generator's own host locally, and renders JSON for the stats line plus a short text
// for the log line. A monitoring fault never stops or slows the load: Poll() never
// throws, an agent that does not answer within the timeout is marked stale, and the
// load generator does not depend on any of this.
//
// Threading: Poll() is meant for the master's stats thread, once per stats interval; it
// blocks that thread for at most `timeout` (plus ~1 ms of local /proc reads), never a
// worker's loop. The const methods may be called from any thread, concurrently with
// Poll(); they return a snapshot of the latest poll.

#ifndef FLEETSIM_SRC_COLLECTOR_H_
#define FLEETSIM_SRC_COLLECTOR_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "src/host_figures.h"
#include "src/host_sample.h"
#include "src/inventory.h"
#include "src/net_address.h"

namespace fleetsim {

struct CollectorOptions {
  std::vector<std::string> agents;            // --agents: "host:port", one per agent
  absl::Duration timeout = absl::Seconds(1);  // bound on one Poll()'s network wait
  double bottleneck_busy_pct = 90;            // generator CPU busy % that flags "bottleneck"
  SysRoots local_roots;                       // the generator's own /proc and /sys
  size_t max_response_bytes = 16 << 20;       // a /sample larger than this is refused
  // Rates need at least this much agent time since the base sample: over shorter spans
  // USER_HZ quantisation (one tick = 10 ms) dominates. A sample that comes sooner gives
  // gauges only and keeps the base, so the next rates span the longer interval.
  absl::Duration min_rate_interval = absl::Milliseconds(200);
};

class Collector {
 public:
  // Resolves each agent's address once, here (numeric addresses need no DNS; a name may
  // block on the resolver, so construct before the load starts). An agent that does not
  // resolve stays stale with the resolver's error.
  Collector(std::vector<std::string> agents, absl::Duration timeout);
  explicit Collector(CollectorOptions options);
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;

  // Parses --agents ("host:port,host:port"); InvalidArgument naming the bad entry.
  static absl::StatusOr<std::vector<std::string>> ParseAgentList(absl::string_view csv);

  // Polls every agent concurrently (bounded by the timeout in total) and samples the
  // local host. Never throws. Rates appear from the second successful poll of an agent
  // at least min_rate_interval after the first.
  void Poll();

  // {"host:port": {...}} for every agent, in --agents order of insertion. A live agent:
  //   stale: false, interval_s,
  //   cpu: {busy_pct, user_pct, nice_pct, system_pct, idle_pct, iowait_pct, irq_pct,
  //         softirq_pct, steal_pct, guest_pct, guest_nice_pct, cores_busy, cpus,
  //         per_cpu_busy_pct: {"0": ..}, ctxt_ps, intr_ps, forks_ps},
  //   load1, load5, load15, procs_running, procs_blocked,
  //   mem: {total_bytes, used_bytes, available_bytes, available_estimated, used_pct,
  //         free_bytes, buffers_bytes, cached_bytes, buff_cache_bytes, shared_bytes,
  //         swap_total_bytes, swap_used_bytes},
  //   disk: {read_kBps, write_kBps, r_s, w_s, await_ms, util_pct, counted: [..],
  //          devices: {"vda": {r_s, w_s, read_kBps, write_kBps, rrqm_s, wrqm_s, d_s,
  //          discard_kBps, f_s, r_await_ms, w_await_ms, await_ms, aqu_sz, util_pct}}},
  //   net: {rx_Bps, tx_Bps, rx_pps, tx_pps, rx_errs_ps, tx_errs_ps, rx_drop_ps,
  //         tx_drop_ps, counted: [..], interfaces: {"lo": {same keys}}},
  //   tcp: {inuse, tw, orphan, alloc, mem_bytes, sockets_used, estab, listen_overflows,
  //         listen_drops, active_opens_ps, passive_opens_ps, retrans_segs_ps, retrans_pct},
  //   process (when the agent watches one): {pid, name, state, cpu_pct, rss_bytes, fds,
  //         threads, restarts} or {error, restarts}.
  // A key whose figure cannot be computed this interval (first poll, a counter reset, a
  // missing /proc file) is absent, never 0. A stale agent: {stale: true, error,
  // consecutive_failures, last_ok_age_s (if it ever answered)}.
  nlohmann::json ServersJson() const;

  // The generator's host, same keys as a server (no process), plus
  // "bottleneck": true when its CPU busy % >= bottleneck_busy_pct: the load tool, not the
  // server, may be the limit.
  nlohmann::json GeneratorJson() const;

  // One short line: "srv 127.0.0.1:9310 cpu 45.1% mem 1.2/23.5GiB disk 3.0% | gen cpu
  // 50.2%"; "STALE" for an agent that did not answer; "BOTTLENECK" when the generator is.
  std::string HumanSummary() const;

  // {"generator": {...}, "servers": {"host:port": {...} or null until it answered}}:
  // hostname, kernel, cpu_model, logical_cpus, sockets, cores, threads_per_core,
  // mem_total_bytes, user_hz, page_size, disks [{name, size_bytes, rotational,
  // virtual}], nics [{name, speed_mbps, operstate, address, mtu, virtual}].
  nlohmann::json InventoryJson() const;
  // Human form of the inventory, one line per host, for the log at start.
  std::string InventorySummary() const;

  // How many agents answered the latest poll.
  int live_agents() const;

 private:
  struct Agent {
    std::string name;
    std::optional<SockAddr> addr;
    std::optional<HostSample> last;  // last good sample: the base of the next rates
    HostFigures figures;
    bool stale = true;
    std::string error = "not polled yet";
    int64_t consecutive_failures = 0;
    std::optional<absl::Time> last_ok;
    nlohmann::json inventory;  // null until the agent answered once
    std::optional<std::pair<int64_t, uint64_t>> process_identity;  // (pid, starttime)
    int64_t restarts = 0;
  };

  const CollectorOptions options_;
  std::mutex poll_mu_;  // serialises Poll(); held across the network wait
  HostSampler local_sampler_ ABSL_GUARDED_BY(poll_mu_);
  mutable std::mutex mu_;  // guards the snapshot below; never held across I/O
  std::vector<Agent> agents_ ABSL_GUARDED_BY(mu_);
  std::optional<HostSample> local_last_ ABSL_GUARDED_BY(mu_);
  HostFigures local_figures_ ABSL_GUARDED_BY(mu_);
  nlohmann::json local_inventory_ ABSL_GUARDED_BY(mu_);
};

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_COLLECTOR_H_
