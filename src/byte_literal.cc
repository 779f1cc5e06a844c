// Copyright fleetsim authors.

#include "src/byte_literal.h"

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace fleetsim {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsSeparator(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == ':' ||
         c == ',';
}

// Quotes `s` for a message: printable ASCII as is (backslashes too, so that the user's escapes
// read as typed), anything else as \xNN.
std::string Quote(absl::string_view s) {
  std::string q = "'";
  for (char c : s) {
    if (c >= 0x20 && c <= 0x7e) {
      q += c;
    } else {
      absl::StrAppend(&q, "\\x", absl::BytesToHexString(absl::string_view(&c, 1)));
    }
  }
  return q + "'";
}

// "<what> at offset <offset> in '<text>'<hint>"; the hint starts with "; ".
absl::Status Error(absl::string_view what, size_t offset, absl::string_view text,
                   absl::string_view hint = "") {
  return absl::InvalidArgumentError(
      absl::StrCat(what, " at offset ", offset, " in ", Quote(text), hint));
}

}  // namespace

// Groups are validated whole (prefix, digits, then the character that ends them) so that the
// error points at the first character that cannot belong to a group.
absl::StatusOr<std::string> ParseHexBytes(absl::string_view text) {
  std::string out;
  out.reserve(text.size() / 2);
  size_t i = 0;
  while (i < text.size()) {
    if (IsSeparator(text[i])) {
      ++i;
      continue;
    }
    const size_t group = i;
    if (text[i] == '0' && i + 1 < text.size() && (text[i + 1] == 'x' || text[i + 1] == 'X')) {
      i += 2;
    }
    const size_t digits = i;
    while (i < text.size() && HexValue(text[i]) >= 0) ++i;
    if (i < text.size() && !IsSeparator(text[i])) {
      return Error(absl::StrCat("bad char ", Quote(text.substr(i, 1))), i, text,
                   "; write hex digit pairs, optionally after 0x, separated by ' ', ':' or ','");
    }
    if (i == digits) return Error("'0x' without hex digits", group, text);
    if ((i - digits) % 2 != 0) {
      return Error(
          absl::StrCat("odd number of hex digits in ", Quote(text.substr(group, i - group))), group,
          text, "; write two digits per byte, e.g. 0x02 not 0x2");
    }
    for (size_t k = digits; k < i; k += 2) {
      out += static_cast<char>(HexValue(text[k]) << 4 | HexValue(text[k + 1]));
    }
  }
  return out;
}

absl::StatusOr<std::string> ParseEscapedBytes(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    const size_t at = i;
    if (++i == text.size()) return Error("lone backslash at the end", at, text);
    const char c = text[i];
    // The simple escapes, as C has them.
    static constexpr absl::string_view kEscapes = "abfnrtv\\'\"?";
    static constexpr absl::string_view kMeanings = "\a\b\f\n\r\t\v\\'\"?";
    if (const size_t k = kEscapes.find(c); k != absl::string_view::npos) {
      out += kMeanings[k];
      continue;
    }
    if (c >= '0' && c <= '7') {  // Up to three octal digits, as in C.
      int value = 0;
      size_t n = 0;
      for (; n < 3 && i + n < text.size() && text[i + n] >= '0' && text[i + n] <= '7'; ++n) {
        value = value * 8 + (text[i + n] - '0');
      }
      if (value > 0377) {
        return Error(absl::StrCat("octal escape ", Quote(text.substr(at, n + 1)), " above \\377"),
                     at, text);
      }
      out += static_cast<char>(value);
      i += n - 1;
      continue;
    }
    // Exactly two digits: C's \x swallows every hex digit that follows, so "\x0aBC" would be
    // one (overflowing) byte there. Python bytes literals also take exactly two.
    if (c == 'x') {
      if (text.size() - i < 3 || HexValue(text[i + 1]) < 0 || HexValue(text[i + 2]) < 0) {
        return Error("\\x without two hex digits", at, text, "; write e.g. \\x0a");
      }
      out += static_cast<char>(HexValue(text[i + 1]) << 4 | HexValue(text[i + 2]));
      i += 2;
      continue;
    }
    return Error(absl::StrCat("unknown escape ", Quote(text.substr(at, 2))), at, text);
  }
  return out;
}

}  // namespace fleetsim
