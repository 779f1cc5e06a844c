// Copyright fleetsim authors.
//
// process_cpu: CPU use of a set of processes between two samples (utime + stime from
// /proc/PID/stat), for the generator's self-check: a worker loop at ~100 % of its core is
// the tool's limit, not the server's. Owned by the stats thread.

#ifndef FLEETSIM_SRC_PROCESS_CPU_H_
#define FLEETSIM_SRC_PROCESS_CPU_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <vector>

namespace fleetsim {

class ProcessCpu {
 public:
  // CPU % of one core used by each of `pids` since the previous call (-1 for a pid seen for
  // the first time, or gone). `proc_root` is "/proc" except in tests.
  std::vector<double> Sample(const std::vector<pid_t>& pids, const char* proc_root = "/proc");

 private:
  struct Last {
    uint64_t ticks = 0;
    int64_t at_ns = 0;
  };
  std::map<pid_t, Last> last_;
};

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_PROCESS_CPU_H_
