// Copyright fleetsim authors.

#include "src/agent_metrics.h"

#include <iterator>

#include "absl/strings/str_cat.h"
#include "src/prom_text.h"

namespace fleetsim {
namespace {

using P = PromType;

// snmp/netstat fields exported (node_exporter's default --collector.netstat.fields, plus
// the receive-side drop counters a connection-heavy server needs). All are counters
// except CurrEstab.
struct MibField {
  const char* proto;
  const char* field;
};
constexpr MibField kMibFields[] = {
    {"Tcp", "ActiveOpens"},
    {"Tcp", "PassiveOpens"},
    {"Tcp", "AttemptFails"},
    {"Tcp", "EstabResets"},
    {"Tcp", "CurrEstab"},
    {"Tcp", "InSegs"},
    {"Tcp", "OutSegs"},
    {"Tcp", "RetransSegs"},
    {"Tcp", "InErrs"},
    {"Tcp", "OutRsts"},
    {"TcpExt", "ListenOverflows"},
    {"TcpExt", "ListenDrops"},
    {"TcpExt", "SyncookiesSent"},
    {"TcpExt", "SyncookiesRecv"},
    {"TcpExt", "SyncookiesFailed"},
    {"TcpExt", "TCPSynRetrans"},
    {"TcpExt", "TCPTimeouts"},
    {"TcpExt", "TCPBacklogDrop"},
    {"TcpExt", "TCPRcvQDrop"},
    {"TcpExt", "TCPOFOQueue"},
    {"TcpExt", "TCPAbortOnMemory"},
    {"TcpExt", "TCPMemoryPressures"},
    {"TcpExt", "TCPTimeWaitOverflow"},
    {"Udp", "InDatagrams"},
    {"Udp", "OutDatagrams"},
    {"Udp", "NoPorts"},
    {"Udp", "InErrors"},
    {"Udp", "RcvbufErrors"},
    {"Udp", "SndbufErrors"},
    {"IpExt", "InOctets"},
    {"IpExt", "OutOctets"},
};

void CpuMetrics(const HostSample& s, PromText* m) {
  if (!s.stat.has_value()) return;
  const ProcStat& st = *s.stat;
  const double hz = static_cast<double>(s.user_hz);
  m->Family("node_cpu_seconds_total", P::kCounter,
            "Seconds the CPUs spent in each mode (user includes guest).");
  m->Family("node_cpu_guest_seconds_total", P::kCounter,
            "Seconds the CPUs spent running guests (already counted in user and nice).");
  for (const auto& [cpu, t] : st.per_cpu) {
    const std::string c = std::to_string(cpu);
    for (int i = 0; i <= static_cast<int>(CpuMode::kSteal); ++i) {
      m->Add("node_cpu_seconds_total", {{"cpu", c}, {"mode", CpuModeName(CpuMode(i))}},
             t.ticks[i] / hz);
    }
    m->Add("node_cpu_guest_seconds_total", {{"cpu", c}, {"mode", "user"}}, t[CpuMode::kGuest] / hz);
    m->Add("node_cpu_guest_seconds_total", {{"cpu", c}, {"mode", "nice"}},
           t[CpuMode::kGuestNice] / hz);
  }
  auto counter = [&](const char* name, const char* help, std::optional<uint64_t> v) {
    m->Family(name, P::kCounter, help);
    if (v.has_value()) m->Add(name, *v);
  };
  counter("node_context_switches_total", "Context switches since boot.", st.ctxt);
  counter("node_forks_total", "Forks since boot.", st.processes);
  counter("node_intr_total", "Interrupts serviced since boot.", st.intr);
  auto gauge = [&](const char* name, const char* help, std::optional<uint64_t> v) {
    m->Family(name, P::kGauge, help);
    if (v.has_value()) m->Add(name, *v);
  };
  gauge("node_boot_time_seconds", "Boot time, seconds since the epoch.", st.btime);
  gauge("node_procs_running", "Runnable threads.", st.procs_running);
  gauge("node_procs_blocked", "Threads blocked waiting for I/O.", st.procs_blocked);
}

void LoadAndMemMetrics(const HostSample& s, PromText* m) {
  if (s.loadavg.has_value()) {
    m->Family("node_load1", P::kGauge, "1-minute load average.");
    m->Family("node_load5", P::kGauge, "5-minute load average.");
    m->Family("node_load15", P::kGauge, "15-minute load average.");
    m->Add("node_load1", s.loadavg->load1);
    m->Add("node_load5", s.loadavg->load5);
    m->Add("node_load15", s.loadavg->load15);
  }
  if (!s.meminfo.has_value()) return;
  for (const MeminfoEntry& e : s.meminfo->entries) {
    // Unitless keys count pages (HugePages_*); "_pages" keeps "_total" off a gauge.
    const std::string name =
        absl::StrCat("node_memory_", SnakeCase(e.key), e.bytes ? "_bytes" : "_pages");
    m->Family(name, P::kGauge, absl::StrCat("/proc/meminfo ", e.key, "."));
    m->Add(name, e.value);
  }
}

void DiskMetrics(const HostSample& s, PromText* m) {
  if (!s.disks.has_value()) return;
  struct Spec {
    DiskField f;
    const char* name;
    double scale;  // sectors -> bytes, ms -> s
    const char* help;
  };
  static constexpr Spec kSpecs[] = {
      {DiskField::kReads, "node_disk_reads_completed_total", 1, "Reads completed."},
      {DiskField::kReadsMerged, "node_disk_reads_merged_total", 1, "Reads merged."},
      {DiskField::kReadSectors, "node_disk_read_bytes_total", 512, "Bytes read."},
      {DiskField::kReadTicks, "node_disk_read_time_seconds_total", 1e-3,
       "Seconds spent by all reads."},
      {DiskField::kWrites, "node_disk_writes_completed_total", 1, "Writes completed."},
      {DiskField::kWritesMerged, "node_disk_writes_merged_total", 1, "Writes merged."},
      {DiskField::kWriteSectors, "node_disk_written_bytes_total", 512, "Bytes written."},
      {DiskField::kWriteTicks, "node_disk_write_time_seconds_total", 1e-3,
       "Seconds spent by all writes."},
      {DiskField::kIoTicks, "node_disk_io_time_seconds_total", 1e-3, "Seconds with I/O in flight."},
      {DiskField::kTimeInQueue, "node_disk_io_time_weighted_seconds_total", 1e-3,
       "Weighted seconds spent doing I/O."},
      {DiskField::kDiscards, "node_disk_discards_completed_total", 1, "Discards completed."},
      {DiskField::kDiscardsMerged, "node_disk_discards_merged_total", 1, "Discards merged."},
      {DiskField::kDiscardSectors, "node_disk_discarded_sectors_total", 1, "Sectors discarded."},
      {DiskField::kDiscardTicks, "node_disk_discard_time_seconds_total", 1e-3,
       "Seconds spent by all discards."},
      {DiskField::kFlushes, "node_disk_flush_requests_total", 1, "Flush requests completed."},
      {DiskField::kFlushTicks, "node_disk_flush_requests_time_seconds_total", 1e-3,
       "Seconds spent by all flushes."},
  };
  for (const Spec& sp : kSpecs) m->Family(sp.name, P::kCounter, sp.help);
  m->Family("node_disk_io_now", P::kGauge, "I/Os in progress.");
  m->Family("node_disk_info", P::kGauge, "Block device major and minor numbers.");
  for (const DiskStat& d : *s.disks) {
    // node_exporter's default excludes partitions and loop/ram devices.
    if (d.partition || d.name.rfind("loop", 0) == 0 || d.name.rfind("ram", 0) == 0) continue;
    const PromLabels dev{{"device", d.name}};
    for (const Spec& sp : kSpecs) {
      if (!d.Has(sp.f)) continue;
      if (sp.scale == 1) {
        m->Add(sp.name, dev, d[sp.f]);
      } else {
        m->Add(sp.name, dev, d[sp.f] * sp.scale);
      }
    }
    if (d.Has(DiskField::kInFlight)) m->Add("node_disk_io_now", dev, d[DiskField::kInFlight]);
    m->Add("node_disk_info",
           {{"device", d.name}, {"major", absl::StrCat(d.major)}, {"minor", absl::StrCat(d.minor)}},
           uint64_t{1});
  }
}

void NetMetrics(const HostSample& s, PromText* m) {
  if (s.net_dev.has_value()) {
    for (int i = 0; i < kNumNetDevFields; ++i) {
      NetDevFieldName n = NetDevFieldNameOf(NetDevField(i));
      const std::string name = absl::StrCat("node_network_", n.direction, "_", n.what, "_total");
      m->Family(name, P::kCounter, absl::StrCat("/proc/net/dev ", n.direction, " ", n.what, "."));
      for (const NetDevStat& d : *s.net_dev) m->Add(name, {{"device", d.name}}, d.v[i]);
    }
  }
  for (const auto* table : {&s.snmp, &s.netstat}) {
    if (!table->has_value()) continue;
    for (const MibField& f : kMibFields) {
      std::optional<int64_t> v = Lookup(**table, f.proto, f.field);
      if (!v.has_value()) continue;
      const bool gauge = std::string_view(f.field) == "CurrEstab";
      const std::string name = absl::StrCat("node_netstat_", SnakeCase(f.proto), "_",
                                            SnakeCase(f.field), gauge ? "" : "_total");
      m->Family(name, gauge ? P::kGauge : P::kCounter,
                absl::StrCat("/proc/net/", table == &s.snmp ? "snmp " : "netstat ", f.proto, " ",
                             f.field, "."));
      m->Add(name, static_cast<double>(*v));
    }
  }
  if (s.sockstat.has_value()) {
    for (const auto& [proto, fields] : *s.sockstat) {
      for (const auto& [key, v] : fields) {
        const std::string name = absl::StrCat("node_sockstat_", proto, "_", key);
        m->Family(name, P::kGauge, absl::StrCat("/proc/net/sockstat ", proto, " ", key, "."));
        m->Add(name, static_cast<double>(v));
        if (key == "mem" && (proto == "TCP" || proto == "UDP")) {
          const std::string bytes = name + "_bytes";
          m->Family(bytes, P::kGauge, absl::StrCat(proto, " buffer memory in bytes."));
          m->Add(bytes, static_cast<double>(v * s.page_size));
        }
      }
    }
  }
}

void ProcessMetrics(const std::string& prefix, const std::string& what, const ProcessSample& p,
                    int64_t user_hz, std::optional<uint64_t> btime, PromText* m) {
  const double hz = static_cast<double>(user_hz);
  auto fam = [&](const char* suffix, P type, const char* help) {
    const std::string name = prefix + suffix;
    m->Family(name, type, absl::StrCat(what, ": ", help));
    return name;
  };
  m->Add(fam("cpu_seconds_total", P::kCounter, "user + system CPU seconds."),
         (p.utime + p.stime) / hz);
  m->Add(fam("resident_memory_bytes", P::kGauge, "resident set size."), p.rss_bytes);
  m->Add(fam("virtual_memory_bytes", P::kGauge, "virtual memory size."), p.vsize_bytes);
  if (p.fds.has_value()) m->Add(fam("open_fds", P::kGauge, "open file descriptors."), *p.fds);
  m->Add(fam("threads", P::kGauge, "threads."), static_cast<double>(p.threads));
  if (btime.has_value()) {
    m->Add(fam("start_time_seconds", P::kGauge, "start time, seconds since the epoch."),
           *btime + p.starttime / hz);
  }
}

void InventoryMetrics(const Inventory& inv, PromText* m) {
  m->Family("node_uname_info", P::kGauge, "Hostname and kernel release.");
  m->Add("node_uname_info", {{"nodename", inv.hostname}, {"release", inv.kernel_release}},
         uint64_t{1});
  m->Family("fleetsim_agent_cpu_info", P::kGauge, "CPU model and topology (value: logical CPUs).");
  m->Add("fleetsim_agent_cpu_info",
         {{"model", inv.cpu_model},
          {"sockets", absl::StrCat(inv.sockets)},
          {"cores", absl::StrCat(inv.cores)},
          {"threads_per_core", absl::StrCat(inv.threads_per_core)}},
         static_cast<uint64_t>(inv.logical_cpus));
  m->Family("fleetsim_agent_disk_size_bytes", P::kGauge, "Whole-disk size.");
  for (const DiskInfo& d : inv.disks) {
    m->Add("fleetsim_agent_disk_size_bytes",
           {{"device", d.name},
            {"rotational", d.rotational.has_value() ? (*d.rotational ? "1" : "0") : ""},
            {"virtual", d.is_virtual ? "1" : "0"}},
           d.size_bytes);
  }
  m->Family("node_network_speed_bytes", P::kGauge, "NIC link speed in bytes/s, when known.");
  for (const NicInfo& n : inv.nics) {
    if (n.speed_mbps.has_value()) {
      m->Add("node_network_speed_bytes", {{"device", n.name}}, *n.speed_mbps * 1e6 / 8);
    }
  }
}

}  // namespace

std::string RenderAgentMetrics(const HostSample& s, const Inventory& inv,
                               const std::optional<AgentSelf>& self, double scrape_seconds) {
  PromText m;
  CpuMetrics(s, &m);
  LoadAndMemMetrics(s, &m);
  DiskMetrics(s, &m);
  NetMetrics(s, &m);
  if (s.process_watched) {
    m.Family("fleetsim_agent_watched_process_up", P::kGauge,
             "1 when the watched process (--watch_pid/--watch_name) was found.");
    m.Add("fleetsim_agent_watched_process_up", uint64_t{s.process.has_value() ? 1u : 0u});
    if (s.process.has_value()) {
      m.Family("fleetsim_agent_watched_process_info", P::kGauge, "The watched process.");
      m.Add("fleetsim_agent_watched_process_info",
            {{"pid", absl::StrCat(s.process->pid)}, {"comm", s.process->comm}}, uint64_t{1});
      ProcessMetrics("fleetsim_agent_watched_process_", "watched process", *s.process, s.user_hz,
                     s.stat.has_value() ? s.stat->btime : std::nullopt, &m);
    }
  }
  InventoryMetrics(inv, &m);
  if (self.has_value()) {
    ProcessMetrics("process_", "this agent", self->process, s.user_hz, self->btime, &m);
  }
  m.Family("fleetsim_agent_scrape_duration_seconds", P::kGauge,
           "Seconds spent reading /proc and /sys for this scrape.");
  m.Add("fleetsim_agent_scrape_duration_seconds", scrape_seconds);
  m.Family("fleetsim_agent_build_info", P::kGauge, "Agent version.");
  m.Add("fleetsim_agent_build_info", {{"version", FLEETSIM_VERSION}}, uint64_t{1});
  return m.Render();
}

}  // namespace fleetsim
