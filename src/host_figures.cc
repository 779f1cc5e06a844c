// Copyright fleetsim authors.

#include "src/host_figures.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace fleetsim {
namespace {

using json = nlohmann::json;

// Counter delta for the 64-bit /proc/stat and MIB counters: a decrease is a reset.
std::optional<uint64_t> D64(std::optional<uint64_t> prev, std::optional<uint64_t> cur) {
  if (!prev.has_value() || !cur.has_value() || *cur < *prev) return std::nullopt;
  return *cur - *prev;
}

std::optional<double> PerSecond(std::optional<uint64_t> prev, std::optional<uint64_t> cur,
                                double dt) {
  std::optional<uint64_t> d = D64(prev, cur);
  if (!d.has_value()) return std::nullopt;
  return *d / dt;
}

std::optional<uint64_t> AsU64(std::optional<int64_t> v) {
  if (!v.has_value() || *v < 0) return std::nullopt;
  return static_cast<uint64_t>(*v);
}

std::optional<uint64_t> Mib(const std::optional<ProtoTable>& t, const char* proto,
                            const char* field) {
  if (!t.has_value()) return std::nullopt;
  return AsU64(Lookup(*t, proto, field));
}

bool Comparable(const HostSample& prev, const HostSample& cur) {
  if (cur.mono_ns <= prev.mono_ns || cur.user_hz <= 0) return false;
  if (prev.stat.has_value() && cur.stat.has_value() && prev.stat->btime.has_value() &&
      cur.stat->btime.has_value() && *prev.stat->btime != *cur.stat->btime) {
    return false;  // the host rebooted: every counter restarted
  }
  return true;
}

void DeriveTcp(const HostSample* prev, const HostSample& cur, double dt, TcpFigures* t) {
  if (cur.sockstat.has_value()) {
    const ProtoTable& s = *cur.sockstat;
    std::optional<int64_t> v4 = Lookup(s, "TCP", "inuse"), v6 = Lookup(s, "TCP6", "inuse");
    if (v4.has_value() || v6.has_value()) t->inuse = v4.value_or(0) + v6.value_or(0);
    t->tw = Lookup(s, "TCP", "tw");
    t->orphan = Lookup(s, "TCP", "orphan");
    t->alloc = Lookup(s, "TCP", "alloc");
    if (std::optional<int64_t> mem = Lookup(s, "TCP", "mem"); mem.has_value()) {
      t->mem_bytes = *mem * cur.page_size;
    }
    t->sockets_used = Lookup(s, "sockets", "used");
  }
  if (cur.snmp.has_value()) t->estab = Lookup(*cur.snmp, "Tcp", "CurrEstab");
  if (prev == nullptr) return;
  auto count = [&](const std::optional<ProtoTable> HostSample::*table, const char* proto,
                   const char* field) -> std::optional<int64_t> {
    std::optional<uint64_t> d = D64(Mib(prev->*table, proto, field), Mib(cur.*table, proto, field));
    if (!d.has_value()) return std::nullopt;
    return static_cast<int64_t>(*d);
  };
  t->listen_overflows = count(&HostSample::netstat, "TcpExt", "ListenOverflows");
  t->listen_drops = count(&HostSample::netstat, "TcpExt", "ListenDrops");
  auto rate = [&](const char* field) {
    return PerSecond(Mib(prev->snmp, "Tcp", field), Mib(cur.snmp, "Tcp", field), dt);
  };
  t->active_opens_ps = rate("ActiveOpens");
  t->passive_opens_ps = rate("PassiveOpens");
  t->retrans_segs_ps = rate("RetransSegs");
  std::optional<double> out_segs_ps = rate("OutSegs");
  if (t->retrans_segs_ps.has_value() && out_segs_ps.has_value()) {
    t->retrans_pct = *out_segs_ps > 0 ? 100.0 * *t->retrans_segs_ps / *out_segs_ps : 0;
  }
}

std::optional<ProcessFigures> DeriveProcess(const HostSample* prev, const HostSample& cur,
                                            double dt) {
  if (!cur.process.has_value()) return std::nullopt;
  const ProcessSample& c = *cur.process;
  ProcessFigures p;
  p.pid = c.pid;
  p.name = c.comm;
  p.state = c.state;
  p.starttime = c.starttime;
  p.rss_bytes = c.rss_bytes;
  p.fds = c.fds;
  p.threads = c.threads;
  if (prev != nullptr && prev->process.has_value()) {
    const ProcessSample& b = *prev->process;
    if (b.pid != c.pid || b.starttime != c.starttime) {
      p.restarted = true;
    } else if (dt > 0 && c.utime + c.stime >= b.utime + b.stime) {
      p.cpu_pct = 100.0 * ((c.utime + c.stime) - (b.utime + b.stime)) / cur.user_hz / dt;
    }
  }
  return p;
}

}  // namespace

std::optional<MemFigures> DeriveMem(const Meminfo& m) {
  std::optional<uint64_t> total = m.Get("MemTotal");
  if (!total.has_value()) return std::nullopt;
  MemFigures f;
  f.total_bytes = *total;
  f.free_bytes = m.Get("MemFree").value_or(0);
  std::optional<uint64_t> avail = m.Get("MemAvailable");
  // procps-ng meminfo.c: absent (< 3.14) or above MemTotal (LXC) -> MemFree.
  if (!avail.has_value() || *avail == 0 || *avail > f.total_bytes) {
    avail = f.free_bytes;
    f.available_estimated = true;
  }
  f.available_bytes = *avail;
  f.used_bytes = f.total_bytes >= f.available_bytes ? f.total_bytes - f.available_bytes
                 : f.total_bytes >= f.free_bytes    ? f.total_bytes - f.free_bytes
                                                    : 0;
  f.used_pct = f.total_bytes > 0 ? 100.0 * f.used_bytes / f.total_bytes : 0;
  f.buffers_bytes = m.Get("Buffers").value_or(0);
  f.cached_bytes = m.Get("Cached").value_or(0) + m.Get("SReclaimable").value_or(0);
  f.buff_cache_bytes = f.buffers_bytes + f.cached_bytes;
  f.shared_bytes = m.Get("Shmem").value_or(0);
  f.swap_total_bytes = m.Get("SwapTotal").value_or(0);
  const uint64_t swap_free = m.Get("SwapFree").value_or(0);
  f.swap_used_bytes = swap_free < f.swap_total_bytes ? f.swap_total_bytes - swap_free : 0;
  return f;
}

NetRatesResult DeriveNetRates(const std::vector<NetDevStat>& prev,
                              const std::vector<NetDevStat>& cur, double dt_s) {
  NetRatesResult out;
  std::map<std::string, const NetDevStat*> before;
  for (const NetDevStat& n : prev) before[n.name] = &n;
  for (const NetDevStat& c : cur) {
    auto it = before.find(c.name);
    if (it == before.end()) continue;
    const NetDevStat& p = *it->second;
    bool ok = true;
    for (int i = 0; i < kNumNetDevFields; ++i) ok = ok && c.v[i] >= p.v[i];
    if (!ok) {
      out.reset.push_back(c.name);
      continue;
    }
    auto d = [&](NetDevField f) { return static_cast<double>(c[f] - p[f]) / dt_s; };
    NetRates r;
    r.rx_Bps = d(NetDevField::kRxBytes);
    r.tx_Bps = d(NetDevField::kTxBytes);
    r.rx_pps = d(NetDevField::kRxPackets);
    r.tx_pps = d(NetDevField::kTxPackets);
    r.rx_errs_ps = d(NetDevField::kRxErrs);
    r.tx_errs_ps = d(NetDevField::kTxErrs);
    r.rx_drop_ps = d(NetDevField::kRxDrop);
    r.tx_drop_ps = d(NetDevField::kTxDrop);
    if (!c.is_virtual || c.name == "lo") {
      out.counted.push_back(c.name);
      NetRates& t = out.total;
      t.rx_Bps += r.rx_Bps;
      t.tx_Bps += r.tx_Bps;
      t.rx_pps += r.rx_pps;
      t.tx_pps += r.tx_pps;
      t.rx_errs_ps += r.rx_errs_ps;
      t.tx_errs_ps += r.tx_errs_ps;
      t.rx_drop_ps += r.rx_drop_ps;
      t.tx_drop_ps += r.tx_drop_ps;
    }
    out.interfaces[c.name] = r;
  }
  return out;
}

HostFigures DeriveHostFigures(const HostSample* prev, const HostSample& cur) {
  HostFigures f;
  if (prev != nullptr && !Comparable(*prev, cur)) prev = nullptr;
  const double dt = prev != nullptr ? (cur.mono_ns - prev->mono_ns) / 1e9 : 0;
  if (prev != nullptr) f.interval_s = dt;

  f.load = cur.loadavg;
  if (cur.stat.has_value()) {
    f.procs_running = cur.stat->procs_running;
    f.procs_blocked = cur.stat->procs_blocked;
  }
  if (cur.meminfo.has_value()) f.mem = DeriveMem(*cur.meminfo);
  if (cur.disks.has_value()) {
    for (const DiskStat& d : *cur.disks) {
      if (d.partition) continue;
      if (d[DiskField::kReads] + d[DiskField::kWrites] + d[DiskField::kDiscards] +
              d[DiskField::kFlushes] >
          0) {
        f.disks_in_use.push_back(d.name);
      }
    }
  }
  if (cur.net_dev.has_value()) {
    for (const NetDevStat& n : *cur.net_dev) {
      if (n[NetDevField::kRxBytes] + n[NetDevField::kTxBytes] > 0) f.nics_in_use.push_back(n.name);
    }
  }
  f.process_watched = cur.process_watched;
  f.process_error = cur.process_error;
  f.process = DeriveProcess(prev, cur, dt);
  DeriveTcp(prev, cur, dt, &f.tcp);
  if (prev == nullptr) return f;

  if (prev->stat.has_value() && cur.stat.has_value()) {
    f.cpu = DeriveCpuRates(*prev->stat, *cur.stat, cur.user_hz, dt);
    f.ctxt_ps = PerSecond(prev->stat->ctxt, cur.stat->ctxt, dt);
    f.intr_ps = PerSecond(prev->stat->intr, cur.stat->intr, dt);
    f.forks_ps = PerSecond(prev->stat->processes, cur.stat->processes, dt);
  }
  if (prev->disks.has_value() && cur.disks.has_value()) {
    f.disk = DeriveDiskRates(*prev->disks, *cur.disks, dt);
  }
  if (prev->net_dev.has_value() && cur.net_dev.has_value()) {
    f.net = DeriveNetRates(*prev->net_dev, *cur.net_dev, dt);
  }
  return f;
}

}  // namespace fleetsim
