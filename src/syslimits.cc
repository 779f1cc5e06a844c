// Copyright fleetsim authors.

#include "src/syslimits.h"

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>

#include "absl/strings/str_cat.h"

namespace fleetsim {

namespace {
bool ReadNumbers(const std::string& path, uint64_t* a, uint64_t* b = nullptr) {
  std::ifstream in(path);
  if (!in) return false;
  in >> *a;
  if (b != nullptr) in >> *b;
  return static_cast<bool>(in);
}
}  // namespace

SysLimits ReadSysLimits(const std::string& proc_root) {
  SysLimits s;
  rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    if (rl.rlim_cur < rl.rlim_max) {
      rlimit raised = rl;
      raised.rlim_cur = rl.rlim_max;
      if (setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
    }
    s.nofile = rl.rlim_cur;
    s.nofile_hard = rl.rlim_max;
  }
  uint64_t lo, hi, v;
  if (ReadNumbers(proc_root + "/sys/net/ipv4/ip_local_port_range", &lo, &hi)) {
    s.port_low = static_cast<uint32_t>(lo);
    s.port_high = static_cast<uint32_t>(hi);
  }
  if (ReadNumbers(proc_root + "/sys/net/core/somaxconn", &v))
    s.somaxconn = static_cast<uint32_t>(v);
  if (ReadNumbers(proc_root + "/sys/net/ipv4/tcp_tw_reuse", &v)) s.tw_reuse = static_cast<int>(v);
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  s.cores = n > 0 ? static_cast<uint32_t>(n) : 1;
  return s;
}

std::string SysLimits::ToString() const {
  return absl::StrCat("cores=", cores, " open_files=", nofile, " (hard ", nofile_hard,
                      ") ephemeral_ports=", port_low, "-", port_high, " (", ports(),
                      ") somaxconn=", somaxconn, " tcp_tw_reuse=", tw_reuse);
}

}  // namespace fleetsim
