// Copyright fleetsim authors.
//
// proc_meminfo: pure parser for /proc/meminfo ("Key:   value kB" lines). Every key is
// kept, in file order, so the agent can export them all and the collector can recompute
// any view of "used" memory. No I/O.

#ifndef FLEETSIM_SRC_PROC_MEMINFO_H_
#define FLEETSIM_SRC_PROC_MEMINFO_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace fleetsim {

struct MeminfoEntry {
  std::string key;     // as in the file: "MemTotal", "Active(anon)", "HugePages_Total"
  uint64_t value = 0;  // bytes when `bytes`, else the raw count (HugePages_* are pages)
  bool bytes = false;  // the line had a "kB" unit (converted ×1024)
};

struct Meminfo {
  std::vector<MeminfoEntry> entries;
  // The value of `key`, or nullopt when the kernel did not print it (MemAvailable < 3.14).
  std::optional<uint64_t> Get(absl::string_view key) const;
};

// Lines that do not parse (no colon, non-numeric value, unknown unit) are skipped.
Meminfo ParseMeminfo(absl::string_view text);

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_PROC_MEMINFO_H_
