// Copyright fleetsim authors.
//
// proc_file: whole-file reads and small directory helpers for /proc and /sys, the only I/O
// the /proc parsers need. Every path is built from a configurable root (SysRoots), so the
// same code reads the live system and the fixture trees under tests/testdata.

#ifndef FLEETSIM_SRC_PROC_FILE_H_
#define FLEETSIM_SRC_PROC_FILE_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fleetsim {

// Where the kernel's pseudo file systems are mounted. Tests point these at fixture trees;
// a containerised agent points them at the host's (node_exporter's --path.procfs pattern).
struct SysRoots {
  std::string proc = "/proc";  // --proc_root
  std::string sys = "/sys";    // --sys_root
};

// Files larger than this are refused: /proc/stat with a very long `intr` line is ~100 KiB
// on big machines; nothing we read legitimately comes near 16 MiB.
inline constexpr size_t kMaxProcFileBytes = 16 << 20;

// Reads the whole file with one read() loop into a growing buffer. /proc files report
// size 0 to stat(), so the size is never trusted; one loop also gives the kernel's
// consistent snapshot of files like /proc/diskstats. Returns NotFound when the file is
// absent, another error (naming the path and errno) when it cannot be read, and
// ResourceExhausted past `max_bytes`.
absl::StatusOr<std::string> ReadProcFile(const std::string& path,
                                         size_t max_bytes = kMaxProcFileBytes);

// The first line of a small file, whitespace-trimmed; nullopt when unreadable. For sysfs
// attributes like /sys/block/vda/size (reading some, e.g. a down NIC's `speed`, fails with
// EINVAL: that is "unknown", not an error).
std::optional<std::string> ReadFirstLine(const std::string& path);

// Names in a directory, without "." and "..", sorted; empty when it cannot be listed.
std::vector<std::string> ListDir(const std::string& path);

// Number of entries in a directory (without "." and ".."); nullopt when it cannot be
// opened.
std::optional<size_t> CountDirEntries(const std::string& path);

// True iff `path` exists (following symlinks is not needed: lstat).
bool PathExists(const std::string& path);

// Splits `text` into lines (without the '\n'); the last line may lack its newline.
std::vector<absl::string_view> SplitLines(absl::string_view text);

// Whitespace-separated tokens (spaces and tabs), no empty ones.
std::vector<absl::string_view> SplitFields(absl::string_view line);

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_PROC_FILE_H_
