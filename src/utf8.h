// Copyright fleetsim authors.
//
// utf8: makes text from /proc and /sys safe for JSON and the Prometheus text format,
// both of which must be UTF-8. Process, interface and host names are arbitrary bytes.

#ifndef FLEETSIM_SRC_UTF8_H_
#define FLEETSIM_SRC_UTF8_H_

#include <string>

#include "absl/strings/string_view.h"

namespace fleetsim {

// `s` with each byte that is not part of a valid UTF-8 sequence (truncated, overlong,
// surrogate, above U+10FFFF) replaced by '?'. Valid text is returned unchanged.
std::string Utf8Safe(absl::string_view s);

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_UTF8_H_
