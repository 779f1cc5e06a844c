// Copyright fleetsim authors.

#include "src/proc_diskstats.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "src/proc_file.h"

namespace fleetsim {
namespace {

bool AllDigits(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(c)) return false;
  }
  return true;
}

}  // namespace

bool DiskFieldIs32Bit(DiskField f) {
  switch (f) {
    case DiskField::kReadTicks:
    case DiskField::kWriteTicks:
    case DiskField::kInFlight:
    case DiskField::kIoTicks:
    case DiskField::kTimeInQueue:
    case DiskField::kDiscardTicks:
    case DiskField::kFlushTicks:
      return true;
    case DiskField::kReads:
    case DiskField::kReadsMerged:
    case DiskField::kReadSectors:
    case DiskField::kWrites:
    case DiskField::kWritesMerged:
    case DiskField::kWriteSectors:
    case DiskField::kDiscards:
    case DiskField::kDiscardsMerged:
    case DiskField::kDiscardSectors:
    case DiskField::kFlushes:
      return false;
  }
  return false;
}

bool DiskStat::Has(DiskField f) const {
  if (n_stats == 4) {
    return f == DiskField::kReads || f == DiskField::kReadSectors || f == DiskField::kWrites ||
           f == DiskField::kWriteSectors;
  }
  return static_cast<int>(f) < n_stats;
}

bool DiskStatFromStats(uint32_t major, uint32_t minor, absl::string_view name,
                       absl::Span<const uint64_t> stats, DiskStat* out) {
  DiskStat d;
  d.major = major;
  d.minor = minor;
  d.name = std::string(name);
  if (stats.size() == 4) {
    d.v[static_cast<int>(DiskField::kReads)] = stats[0];
    d.v[static_cast<int>(DiskField::kReadSectors)] = stats[1];
    d.v[static_cast<int>(DiskField::kWrites)] = stats[2];
    d.v[static_cast<int>(DiskField::kWriteSectors)] = stats[3];
    d.n_stats = 4;
  } else if (stats.size() >= 11) {
    // 11, 15 or 17 today; a future kernel's extra stats are ignored.
    d.n_stats = stats.size() >= 17 ? 17 : stats.size() >= 15 ? 15 : 11;
    for (int i = 0; i < d.n_stats; ++i) d.v[i] = stats[i];
  } else {
    return false;
  }
  *out = std::move(d);
  return true;
}

std::vector<DiskStat> ParseDiskstats(absl::string_view text) {
  std::vector<DiskStat> disks;
  for (absl::string_view line : SplitLines(text)) {
    std::vector<absl::string_view> f = SplitFields(line);
    if (f.size() < 7) continue;
    uint32_t major, minor;
    if (!absl::SimpleAtoi(f[0], &major) || !absl::SimpleAtoi(f[1], &minor)) continue;
    std::vector<uint64_t> stats;
    stats.reserve(f.size() - 3);
    bool ok = true;
    for (size_t i = 3; i < f.size() && ok; ++i) {
      uint64_t v;
      ok = absl::SimpleAtoi(f[i], &v);
      stats.push_back(v);
    }
    DiskStat d;
    if (ok && DiskStatFromStats(major, minor, f[2], stats, &d)) disks.push_back(std::move(d));
  }
  return disks;
}

void GuessDiskClass(DiskStat* d) {
  absl::string_view n = d->name;
  for (absl::string_view p : {"loop", "ram", "zram", "dm-", "md", "nbd"}) {
    if (absl::StartsWith(n, p)) d->is_virtual = true;
  }
  // nvme0n1p1, mmcblk0p1: "p" + digits after a name that ends in a digit.
  size_t p = n.rfind('p');
  if ((absl::StartsWith(n, "nvme") || absl::StartsWith(n, "mmcblk")) &&
      p != absl::string_view::npos && p > 0 && absl::ascii_isdigit(n[p - 1]) &&
      AllDigits(n.substr(p + 1))) {
    d->partition = true;
  }
  // sda1, vdb2, xvda1, hda3: letters then digits.
  for (absl::string_view pre : {"sd", "vd", "hd", "xvd"}) {
    if (!absl::StartsWith(n, pre)) continue;
    size_t i = pre.size();
    while (i < n.size() && absl::ascii_isalpha(n[i])) ++i;
    if (i > pre.size() && AllDigits(n.substr(i))) d->partition = true;
  }
}

}  // namespace fleetsim
