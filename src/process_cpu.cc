// Copyright fleetsim authors.

#include "src/process_cpu.h"

#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "src/mono_clock.h"
#include "src/proc_file.h"
#include "src/proc_pid.h"

namespace fleetsim {

std::vector<double> ProcessCpu::Sample(const std::vector<pid_t>& pids, const char* proc_root) {
  static const double kHz = static_cast<double>(sysconf(_SC_CLK_TCK));
  const int64_t now = MonoNanos();
  std::vector<double> out;
  std::map<pid_t, Last> next;
  for (pid_t pid : pids) {
    double pct = -1;
    auto text = ReadProcFile(absl::StrCat(proc_root, "/", pid, "/stat"));
    std::optional<PidStat> st = text.ok() ? ParsePidStat(*text) : std::nullopt;
    if (st.has_value()) {
      Last cur{st->utime + st->stime, now};
      auto it = last_.find(pid);
      if (it != last_.end() && now > it->second.at_ns && cur.ticks >= it->second.ticks) {
        pct = 100.0 * static_cast<double>(cur.ticks - it->second.ticks) / kHz /
              (static_cast<double>(now - it->second.at_ns) / 1e9);
      }
      next[pid] = cur;
    }
    out.push_back(pct);
  }
  last_ = std::move(next);
  return out;
}

}  // namespace fleetsim
