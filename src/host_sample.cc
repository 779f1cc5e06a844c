// Copyright fleetsim authors.

#include "src/host_sample.h"

#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_replace.h"
#include "src/mono_clock.h"

namespace fleetsim {

void ClassifyDisks(const std::string& sys_root, std::vector<DiskStat>* disks) {
  const std::string block = sys_root + "/block";
  if (!PathExists(block)) {
    for (DiskStat& d : *disks) GuessDiskClass(&d);
    return;
  }
  for (DiskStat& d : *disks) {
    // sysstat is_device(): "cciss/c0d0" is "cciss!c0d0" under /sys/block.
    const std::string dir = block + "/" + absl::StrReplaceAll(d.name, {{"/", "!"}});
    d.partition = !PathExists(dir);
    d.is_virtual = !d.partition && !PathExists(dir + "/device");
  }
}

void ClassifyNics(const std::string& sys_root, std::vector<NetDevStat>* nics) {
  const std::string net = sys_root + "/class/net";
  const bool have_sys = PathExists(net);
  for (NetDevStat& n : *nics) {
    n.is_virtual = have_sys ? !PathExists(net + "/" + n.name + "/device") : n.name == "lo";
  }
}

HostSampler::HostSampler(SysRoots roots, WatchSpec watch, int64_t self_pid)
    : roots_(std::move(roots)),
      user_hz_(sysconf(_SC_CLK_TCK)),
      page_size_(sysconf(_SC_PAGESIZE)),
      watcher_(roots_.proc, std::move(watch), page_size_, self_pid) {}

HostSample HostSampler::Sample() {
  HostSample s;
  s.user_hz = user_hz_;
  s.page_size = page_size_;
  const std::string& p = roots_.proc;
  const int64_t t0 = MonoNanos();
  // /proc/stat first and nearest the clock reading: CPU rates are the most sensitive to
  // the timestamp.
  if (absl::StatusOr<std::string> t = ReadProcFile(p + "/stat"); t.ok()) {
    ProcStat st = ParseProcStat(*t);
    if (st.total.has_value() || !st.per_cpu.empty()) s.stat = std::move(st);
  }
  const int64_t t1 = MonoNanos();
  s.mono_ns = t0 + (t1 - t0) / 2;
  if (absl::StatusOr<std::string> t = ReadProcFile(p + "/loadavg"); t.ok()) {
    s.loadavg = ParseLoadAvg(*t);
  }
  if (absl::StatusOr<std::string> t = ReadProcFile(p + "/meminfo"); t.ok()) {
    Meminfo m = ParseMeminfo(*t);
    if (!m.entries.empty()) s.meminfo = std::move(m);
  }
  if (absl::StatusOr<std::string> t = ReadProcFile(p + "/diskstats"); t.ok()) {
    std::vector<DiskStat> d = ParseDiskstats(*t);
    ClassifyDisks(roots_.sys, &d);
    s.disks = std::move(d);
  }
  if (absl::StatusOr<std::string> t = ReadProcFile(p + "/net/dev"); t.ok()) {
    std::vector<NetDevStat> n = ParseNetDev(*t);
    ClassifyNics(roots_.sys, &n);
    s.net_dev = std::move(n);
  }
  if (absl::StatusOr<std::string> t = ReadProcFile(p + "/net/snmp"); t.ok()) {
    s.snmp = ParseNetSnmp(*t);
  }
  if (absl::StatusOr<std::string> t = ReadProcFile(p + "/net/netstat"); t.ok()) {
    s.netstat = ParseNetSnmp(*t);
  }
  ProtoTable sock;
  bool have_sock = false;
  for (const char* f : {"/net/sockstat", "/net/sockstat6"}) {
    if (absl::StatusOr<std::string> t = ReadProcFile(p + f); t.ok()) {
      ParseSockstat(*t, &sock);
      have_sock = true;
    }
  }
  if (have_sock) s.sockstat = std::move(sock);
  s.process_watched = watcher_.spec().enabled();
  if (s.process_watched) s.process = watcher_.Sample(&s.process_error);
  return s;
}

}  // namespace fleetsim
