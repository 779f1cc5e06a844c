// Copyright fleetsim authors.
//
// syslimits: what the kernel lets one process and one host hold, read before any socket
// opens: the open-files limit (raised from soft to hard), the ephemeral port range,
// somaxconn, tcp_tw_reuse. Pure apart from reading /proc and getrlimit/setrlimit.

#ifndef FLEETSIM_SRC_SYSLIMITS_H_
#define FLEETSIM_SRC_SYSLIMITS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace fleetsim {

struct SysLimits {
  uint64_t nofile = 1024;  // RLIMIT_NOFILE after raising soft to hard
  uint64_t nofile_hard = 1024;
  uint32_t port_low = 32768;  // net.ipv4.ip_local_port_range
  uint32_t port_high = 60999;
  uint32_t somaxconn = 4096;
  int tw_reuse = -1;  // -1: unknown
  uint32_t cores = 1;
  uint32_t ports() const { return port_high >= port_low ? port_high - port_low + 1 : 0; }
  std::string ToString() const;
};

// Reads the limits, raising this process's RLIMIT_NOFILE soft limit to its hard limit
// (children inherit it). `proc_root` is "/proc" except in tests.
SysLimits ReadSysLimits(const std::string& proc_root = "/proc");

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_SYSLIMITS_H_
