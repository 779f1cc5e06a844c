// Copyright fleetsim authors.
//
// hexdump: the classic offset / hex / ASCII dump that `fleetsim --check` prints for every
// message of device 0. Pure; thread-safe.

#ifndef FLEETSIM_SRC_HEXDUMP_H_
#define FLEETSIM_SRC_HEXDUMP_H_

#include <string>

#include "absl/strings/string_view.h"

namespace fleetsim {

// `bytes` as `hexdump -C -v` prints them, without its final offset-only line: 16 bytes a
// line, each line "OFFSET  HH HH .. HH  HH .. HH  |ASCII|\n" with an 8-digit (or longer) hex
// offset, an extra space after the 8th byte, short last lines padded so the ASCII column
// lines up, and '.' for bytes outside 0x20..0x7e. Repeated lines are never folded into '*'.
// Returns "" for no bytes.
std::string HexDump(absl::string_view bytes);

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_HEXDUMP_H_
