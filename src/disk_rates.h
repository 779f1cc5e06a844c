// Copyright fleetsim authors.
//
// disk_rates: iostat -x figures per device and in total from two /proc/diskstats
// readings (collector.md §4). Pure.
//  - The kernel's `unsigned int` fields (the *_ticks, io_ticks, time_in_queue) are
//    differenced mod 2^32, so a wrap gives the right delta.
//  - A 64-bit count or sector field that decreased, a change of major:minor or of the
//    stat count, or an io_ticks delta no device can produce (> 105 % of the interval +
//    20 ms) means the device was re-created: no rate for it this interval.
//  - A device absent from either reading has no rate this interval.
// Totals sum physical whole disks only (stacked dm/md devices would count the same I/O
// twice); when a machine has none (some VMs), all whole disks except loop/ram/zram.

#ifndef FLEETSIM_SRC_DISK_RATES_H_
#define FLEETSIM_SRC_DISK_RATES_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "src/proc_diskstats.h"

namespace fleetsim {

struct DiskRates {
  double r_s = 0, w_s = 0;        // completed I/Os per second
  double rkBps = 0, wkBps = 0;    // kB (1024 B) per second
  double rrqm_s = 0, wrqm_s = 0;  // merges per second (absent on old partition lines: 0)
  // Only when the line carries the discard (4.18+) / flush (5.5+) stats.
  std::optional<double> d_s, dkBps, f_s;
  // Only when the line carries the time fields (not old 4-stat partition lines).
  std::optional<double> r_await_ms, w_await_ms;  // ms per completed I/O, queue + service
  std::optional<double> await_ms;                // over reads + writes + discards
  std::optional<double> aqu_sz;                  // average queue length
  std::optional<double> util_pct;                // % of the interval with I/O in flight, <= 100
  // Raw deltas kept for totals.
  uint64_t d_ios = 0, d_time_ms = 0;
};

struct DiskTotals {
  double r_s = 0, w_s = 0, rkBps = 0, wkBps = 0;
  std::optional<double> await_ms;    // summed ticks / summed I/Os over the counted disks
  std::optional<double> util_pct;    // the busiest counted disk
  std::vector<std::string> devices;  // which disks were summed
};

struct DiskRatesResult {
  std::map<std::string, DiskRates> devices;  // every device (partitions too) with a rate
  DiskTotals total;
  std::vector<std::string> reset;  // devices skipped as re-created
};

// REQUIRES: dt_s > 0.
DiskRatesResult DeriveDiskRates(const std::vector<DiskStat>& prev, const std::vector<DiskStat>& cur,
                                double dt_s);

// True iff the disk is summed into totals given the whole reading (see file comment).
bool CountsInDiskTotal(const DiskStat& d, bool any_physical);

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_DISK_RATES_H_
