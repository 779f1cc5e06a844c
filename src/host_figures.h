// Copyright fleetsim authors.
//
// host_figures: everything the collector reports for one host, derived from a pair of
// HostSamples (rates) or from the latest one (gauges), and its JSON form (the keys the
// stats line carries under servers.<host:port> and generator). Pure.
//
// Rates need two comparable samples: same boot (btime) and a later monotonic timestamp.
// Without them (first poll, agent host rebooted) only gauges are reported. A figure that
// cannot be computed this interval is absent from the JSON, never a made-up 0.

#ifndef FLEETSIM_SRC_HOST_FIGURES_H_
#define FLEETSIM_SRC_HOST_FIGURES_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "src/cpu_rates.h"
#include "src/disk_rates.h"
#include "src/host_sample.h"

namespace fleetsim {

// free(1) (procps-ng >= 4.0.1) semantics, collector.md §3.1.
struct MemFigures {
  uint64_t total_bytes = 0;
  uint64_t free_bytes = 0;
  // MemAvailable; MemFree when the kernel lacks it (< 3.14) or reports more than
  // MemTotal (LXC).
  uint64_t available_bytes = 0;
  bool available_estimated = false;  // the MemFree fallback was used
  uint64_t used_bytes = 0;           // MemTotal - available (MemTotal - MemFree if < 0)
  double used_pct = 0;
  uint64_t buffers_bytes = 0;
  uint64_t cached_bytes = 0;      // Cached + SReclaimable (free's "cache")
  uint64_t buff_cache_bytes = 0;  // Buffers + cached_bytes
  uint64_t shared_bytes = 0;      // Shmem
  uint64_t swap_total_bytes = 0;
  uint64_t swap_used_bytes = 0;
};

// Returns nullopt without MemTotal.
std::optional<MemFigures> DeriveMem(const Meminfo& m);

struct NetRates {
  double rx_Bps = 0, tx_Bps = 0;  // bytes per second
  double rx_pps = 0, tx_pps = 0;  // packets per second
  double rx_errs_ps = 0, tx_errs_ps = 0, rx_drop_ps = 0, tx_drop_ps = 0;
};

struct NetRatesResult {
  std::map<std::string, NetRates> interfaces;  // with a rate this interval
  // Physical NICs plus lo: this project's load runs over loopback, so lo *is* the
  // traffic; other virtual devices (bridges, bonds, veth) would count packets twice.
  NetRates total;
  std::vector<std::string> counted;  // interfaces summed into total
  std::vector<std::string> reset;    // a counter decreased (re-registered): skipped
};

// REQUIRES: dt_s > 0. An interface absent from either reading has no rate.
NetRatesResult DeriveNetRates(const std::vector<NetDevStat>& prev,
                              const std::vector<NetDevStat>& cur, double dt_s);

// Sockets and TCP MIBs. Gauges come from the current sample; counts and rates need two.
struct TcpFigures {
  std::optional<int64_t> inuse;   // sockstat TCP inuse + sockstat6 TCP6 inuse
  std::optional<int64_t> tw;      // TIME_WAIT
  std::optional<int64_t> orphan;  // closed by the app, not yet gone
  std::optional<int64_t> alloc;
  std::optional<int64_t> mem_bytes;  // TCP mem (pages) x page size
  std::optional<int64_t> sockets_used;
  std::optional<int64_t> estab;  // snmp Tcp CurrEstab (v4 + v6)
  // Increase during the interval (counts, not rates: these should be 0).
  std::optional<int64_t> listen_overflows, listen_drops;
  std::optional<double> active_opens_ps, passive_opens_ps;  // connects/s, accepts/s
  std::optional<double> retrans_segs_ps;
  std::optional<double> retrans_pct;  // 100 x RetransSegs / OutSegs over the interval
};

struct ProcessFigures {
  int64_t pid = 0;
  std::string name;
  char state = '?';
  uint64_t starttime = 0;         // ticks since boot; with pid, the process identity
  std::optional<double> cpu_pct;  // pidstat: 100 = one core; absent across a restart
  uint64_t rss_bytes = 0;
  std::optional<uint64_t> fds;
  int64_t threads = 0;
  bool restarted = false;  // a different (pid, starttime) than the previous sample
};

struct HostFigures {
  std::optional<double> interval_s;  // set iff rates were derived
  std::optional<CpuRates> cpu;
  std::optional<double> ctxt_ps, intr_ps, forks_ps;
  std::optional<LoadAvg> load;
  std::optional<uint64_t> procs_running, procs_blocked;
  std::optional<MemFigures> mem;
  std::optional<DiskRatesResult> disk;
  std::vector<std::string> disks_in_use;  // whole disks that ever did I/O (JSON filter)
  std::optional<NetRatesResult> net;
  std::vector<std::string> nics_in_use;  // interfaces that ever moved a byte (JSON filter)
  TcpFigures tcp;
  bool process_watched = false;
  std::optional<ProcessFigures> process;
  std::string process_error;
};

// `prev` may be null (first sample): gauges only.
HostFigures DeriveHostFigures(const HostSample* prev, const HostSample& cur);

// The JSON object for one host (see README "fleetsim-agent" for the keys). `stale` and
// process restarts are added by the collector, which owns that history.
nlohmann::json HostFiguresJson(const HostFigures& f);

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_HOST_FIGURES_H_
