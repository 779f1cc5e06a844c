// Copyright fleetsim authors.
//
// byte_literal: the two ways a scenario spells raw bytes, hex ("02 00 0a", "0x02,0x00") and
// C-style escaped text ("GET / HTTP/1.1\r\n", "\x02\0"), parsed once at load time. Pure;
// thread-safe.
//
// The scenario key decides which parser applies (e.g. `hex:` versus `text:`): a string like
// "0a0b" is valid in both, so the two are never guessed from the content.
//
// YAML note for scenario authors: a double-quoted YAML scalar already interprets backslash
// escapes, so ParseEscapedBytes sees what remains; single-quoted and plain scalars pass the
// backslashes through to it.

#ifndef FLEETSIM_SRC_BYTE_LITERAL_H_
#define FLEETSIM_SRC_BYTE_LITERAL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fleetsim {

// Parses hex bytes. The text is a sequence of groups separated by any mix of ASCII
// whitespace, ':' and ','; each group is an optional "0x"/"0X" followed by an even number of
// hex digits (either case), two per byte: "02 00 0a", "02000a", "0x02,0x00", "02:00:0a",
// "0x0200 0a" all give the bytes 02 00 0a. Empty text (or only separators) gives no bytes.
// Returns InvalidArgument naming the 0-based offset in `text` otherwise, e.g.
// "odd number of hex digits in '0x2' at offset 5 in '0x01,0x2'; write two digits per byte...".
absl::StatusOr<std::string> ParseHexBytes(absl::string_view text);

// Parses text with C escapes: \a \b \f \n \r \t \v \\ \' \" \?, octal \N \NN \NNN (at most
// \377; "\0" is NUL), and \xHH with exactly two hex digits (unlike C, which reads every hex
// digit that follows: "\x0aBC" is 0a 'B' 'C' here). Every other byte, UTF-8 included, stands
// for itself. Returns InvalidArgument naming the 0-based offset of the bad escape, e.g.
// "unknown escape '\q' at offset 3 in 'abc\q'".
absl::StatusOr<std::string> ParseEscapedBytes(absl::string_view text);

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_BYTE_LITERAL_H_
