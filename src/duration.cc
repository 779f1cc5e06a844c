// Copyright fleetsim authors.

#include "src/duration.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace fleetsim {

absl::StatusOr<absl::Duration> ParseDuration(absl::string_view text, absl::string_view what) {
  absl::string_view t = absl::StripAsciiWhitespace(text);
  absl::Duration d;
  // absl accepts "0" without a unit; we do too (it is unambiguous), but no other bare number.
  if (t != "0" && !t.empty() && (t.back() >= '0' && t.back() <= '9')) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": '", text, "' has no unit; write e.g. 500ms, 1s, 2m, 1h"));
  }
  if (!absl::ParseDuration(t, &d)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": '", text, "' is not a duration; write e.g. 500ms, 1s, 2m, 1h"));
  }
  if (d < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": '", text, "' is negative"));
  }
  return d;
}

std::string FormatDuration(absl::Duration d) { return absl::FormatDuration(d); }

}  // namespace fleetsim
