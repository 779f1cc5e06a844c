// Copyright fleetsim authors.
//
// atomic_file: replaces a file's contents so that a concurrent reader sees the old file
// or the new one, never a half-written one (write a temporary beside it, then rename).

#ifndef FLEETSIM_TOOLS_TARGET_ATOMIC_FILE_H_
#define FLEETSIM_TOOLS_TARGET_ATOMIC_FILE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace fleetsim::target {

// Writes `contents` to `path` through `path.tmp.<pid>` and rename(2). The error names the
// path and the failing call.
absl::Status WriteFileAtomically(const std::string& path, absl::string_view contents);

}  // namespace fleetsim::target

#endif  // FLEETSIM_TOOLS_TARGET_ATOMIC_FILE_H_
