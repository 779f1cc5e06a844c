// Copyright fleetsim authors.
//
// host_sample: one reading of every raw counter the agent ships (CPU, load, memory,
// disks, NICs, TCP/IP MIBs, sockets, the watched process) and HostSampler, which takes
// it from a SysRoots. Sections whose file is missing or unparsable stay empty: an odd
// /proc never stops a sample.

#ifndef FLEETSIM_SRC_HOST_SAMPLE_H_
#define FLEETSIM_SRC_HOST_SAMPLE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "src/proc_cpu.h"
#include "src/proc_diskstats.h"
#include "src/proc_file.h"
#include "src/proc_meminfo.h"
#include "src/proc_net.h"
#include "src/process_watcher.h"

namespace fleetsim {

struct HostSample {
  // CLOCK_MONOTONIC of the sampling host, ns: the midpoint of the reads. Rates divide
  // by differences of this clock, so network delay between agent and collector is moot.
  int64_t mono_ns = 0;
  int64_t user_hz = 100;
  int64_t page_size = 4096;

  std::optional<ProcStat> stat;                    // /proc/stat
  std::optional<LoadAvg> loadavg;                  // /proc/loadavg
  std::optional<Meminfo> meminfo;                  // /proc/meminfo
  std::optional<std::vector<DiskStat>> disks;      // /proc/diskstats (+ /sys classes)
  std::optional<std::vector<NetDevStat>> net_dev;  // /proc/net/dev (+ /sys classes)
  std::optional<ProtoTable> snmp;                  // /proc/net/snmp
  std::optional<ProtoTable> netstat;               // /proc/net/netstat
  std::optional<ProtoTable> sockstat;              // /proc/net/sockstat + sockstat6

  std::optional<ProcessSample> process;  // the watched process, when found
  std::string process_error;             // why `process` is empty while one is watched
  bool process_watched = false;
};

// Fills DiskStat::partition / is_virtual from /sys: a whole disk has /sys/block/<name>
// (with '/' in names written '!'); a physical one also has /sys/block/<name>/device.
// Falls back to GuessDiskClass when <sys>/block does not exist.
void ClassifyDisks(const std::string& sys_root, std::vector<DiskStat>* disks);

// Marks NICs without /sys/class/net/<name>/device as virtual. With no <sys>/class/net,
// only "lo" is marked.
void ClassifyNics(const std::string& sys_root, std::vector<NetDevStat>* nics);

// Reads HostSamples. Thread-compatible: one sampler per thread (the watcher caches).
class HostSampler {
 public:
  HostSampler(SysRoots roots, WatchSpec watch, int64_t self_pid);
  HostSample Sample();
  const SysRoots& roots() const { return roots_; }

 private:
  const SysRoots roots_;
  const int64_t user_hz_;
  const int64_t page_size_;
  ProcessWatcher watcher_;
};

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_HOST_SAMPLE_H_
