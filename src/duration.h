// Copyright fleetsim authors.
//
// duration: parses the duration strings every flag and scenario key takes ("500ms", "1s",
// "2m", "1h30m", "250us"). A bare number is refused: units are never guessed.

#ifndef FLEETSIM_SRC_DURATION_H_
#define FLEETSIM_SRC_DURATION_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace fleetsim {

// Returns the duration, or InvalidArgument naming `what` (e.g. "--duration") and the text.
// Negative durations are refused.
absl::StatusOr<absl::Duration> ParseDuration(absl::string_view text, absl::string_view what);

// "1.5s", "250ms", "2m0s": the shortest exact form absl prints.
std::string FormatDuration(absl::Duration d);

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_DURATION_H_
