// Copyright fleetsim authors.
//
// inventory: what the machine is (CPU model and topology, memory, disks with size and
// rotational flag, NICs with speed, kernel, hostname), read once when the agent starts.
// ParseCpuinfo is pure; ReadInventory does the reads under a SysRoots.

#ifndef FLEETSIM_SRC_INVENTORY_H_
#define FLEETSIM_SRC_INVENTORY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "src/proc_file.h"

namespace fleetsim {

struct CpuTopology {
  std::string model;  // "model name" (x86); "" when the arch does not print one
  int logical = 0;    // "processor" blocks
  int sockets = 0;    // distinct "physical id"; 0 when the arch does not print it
  int cores = 0;      // distinct ("physical id", "core id"); 0 when not printed
};

// Parses /proc/cpuinfo (blank-line separated blocks of "key\t: value").
CpuTopology ParseCpuinfo(absl::string_view text);

struct DiskInfo {
  std::string name;
  uint64_t size_bytes = 0;         // /sys/block/X/size x 512 (sectors are always 512 B)
  std::optional<bool> rotational;  // queue/rotational; VMs often claim 1
  bool is_virtual = false;         // no /sys/block/X/device (loop, zram, dm, md, ...)
};

struct NicInfo {
  std::string name;
  std::optional<int64_t> speed_mbps;  // absent when the kernel cannot tell (EINVAL, -1)
  std::string operstate;              // "up", "down", "unknown"
  std::optional<int64_t> mtu;
  std::string address;      // MAC
  bool is_virtual = false;  // no /sys/class/net/X/device (lo, veth, bridge, ...)
};

struct Inventory {
  std::string hostname;
  std::string kernel_release;
  std::string cpu_model;
  int logical_cpus = 0;
  int sockets = 0;
  int cores = 0;             // physical cores
  int threads_per_core = 0;  // logical / cores
  uint64_t mem_total_bytes = 0;
  std::vector<DiskInfo> disks;  // whole disks only, size > 0
  std::vector<NicInfo> nics;
  int64_t user_hz = 100;     // sysconf(_SC_CLK_TCK)
  int64_t page_size = 4096;  // sysconf(_SC_PAGESIZE)
};

// Reads the inventory. Missing files leave fields empty; never fails. The hostname and
// kernel come from proc/sys/kernel/{hostname,osrelease} (so fixture trees can set them),
// falling back to uname(2).
Inventory ReadInventory(const SysRoots& roots);

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_INVENTORY_H_
