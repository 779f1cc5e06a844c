// Copyright fleetsim authors.
//
// proc_diskstats: pure parser for /proc/diskstats (Documentation/admin-guide/iostats.rst).
// Accepts every kernel generation: 14 tokens (11 stats, <= 4.17), 18 (15 stats, 4.18+
// discard), 20 (17 stats, 5.5+ flush) and the old 7-token partition lines of 2.6.0-2.6.24.
// No I/O: whether a device is a partition or virtual comes from /sys (host_sampler).

#ifndef FLEETSIM_SRC_PROC_DISKSTATS_H_
#define FLEETSIM_SRC_PROC_DISKSTATS_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace fleetsim {

// The stats after "major minor name", in file order. Kernel types (genhd.c
// diskstats_show): the *Ticks fields, kInFlight, kIoTicks and kTimeInQueue are
// `unsigned int` (wrap at 2^32 even on 64-bit kernels); the rest are `unsigned long`.
enum class DiskField : int {
  kReads,         // 1  reads completed
  kReadsMerged,   // 2
  kReadSectors,   // 3  512-byte sectors, whatever the device's block size
  kReadTicks,     // 4  ms, summed over requests (u32)
  kWrites,        // 5
  kWritesMerged,  // 6
  kWriteSectors,  // 7
  kWriteTicks,    // 8  (u32)
  kInFlight,      // 9  gauge (u32)
  kIoTicks,       // 10 ms with I/O in flight, "busy time" (u32)
  kTimeInQueue,   // 11 weighted ms (u32)
  kDiscards,      // 12 (4.18+)
  kDiscardsMerged,
  kDiscardSectors,
  kDiscardTicks,  // 15 (u32)
  kFlushes,       // 16 (5.5+)
  kFlushTicks,    // 17 (u32)
};
inline constexpr int kNumDiskFields = 17;

// True iff the kernel declares the field `unsigned int` (deltas are taken mod 2^32).
bool DiskFieldIs32Bit(DiskField f);

struct DiskStat {
  uint32_t major = 0, minor = 0;
  std::string name;  // "vda", "nvme0n1p1", "dm-0"
  // How many stats the line had: 17, 15 or 11; 4 for an old partition line, whose
  // rd_ios rd_sectors wr_ios wr_sectors are stored under kReads/kReadSectors/kWrites/
  // kWriteSectors. Fields at or past what the line had are 0 and must not be used.
  int n_stats = 0;
  std::array<uint64_t, kNumDiskFields> v{};
  // Filled by the sampler from /sys (ClassifyDisk); a pure parse leaves them false.
  bool partition = false;   // /sys/block/<name> absent (it lives under its disk)
  bool is_virtual = false;  // whole disk without a /sys/block/<name>/device link

  uint64_t operator[](DiskField f) const { return v[static_cast<int>(f)]; }
  // True iff this line carried field `f` (an old partition line has only four).
  bool Has(DiskField f) const;
};

// Builds a DiskStat from the numbers of one line as printed (`stats` = the tokens after
// the name). Returns false for counts no kernel prints (1-3, 5-10). Shared by the parser
// and the collector's decoder of the agent's JSON, which ships the numbers unchanged.
bool DiskStatFromStats(uint32_t major, uint32_t minor, absl::string_view name,
                       absl::Span<const uint64_t> stats, DiskStat* out);

// Lines with an unknown token count or non-numeric stats are skipped.
std::vector<DiskStat> ParseDiskstats(absl::string_view text);

// Name-only guess used when /sys is not available: partitions of sd/vd/hd/xvd/nvme/mmcblk
// disks, and loop/ram/zram/dm/md/nbd devices as virtual.
void GuessDiskClass(DiskStat* d);

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_PROC_DISKSTATS_H_
