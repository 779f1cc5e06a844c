// Copyright fleetsim authors.

#include "src/json_writer.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "glog/logging.h"

namespace fleetsim {

namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr char kReplacement[] = "\\ufffd";

// Length of the valid UTF-8 sequence starting at s[i], or 0 if there is none (overlong
// forms, surrogates and code points above U+10FFFF are invalid, as RFC 3629 says).
size_t Utf8SequenceLength(absl::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const auto cont = [&](size_t k) { return k < s.size() && (byte(k) & 0xC0) == 0x80; };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) return cont(i + 1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (!cont(i + 1) || !cont(i + 2)) return 0;
    const unsigned char b1 = byte(i + 1);
    if (b0 == 0xE0 && b1 < 0xA0) return 0;   // Overlong.
    if (b0 == 0xED && b1 >= 0xA0) return 0;  // UTF-16 surrogate.
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (!cont(i + 1) || !cont(i + 2) || !cont(i + 3)) return 0;
    const unsigned char b1 = byte(i + 1);
    if (b0 == 0xF0 && b1 < 0x90) return 0;   // Overlong.
    if (b0 == 0xF4 && b1 >= 0x90) return 0;  // Above U+10FFFF.
    return 4;
  }
  return 0;  // Continuation byte, 0xC0/0xC1, or 0xF5 and above.
}

}  // namespace

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (depth_ == 0) {
    DCHECK(!wrote_top_level_) << "JsonWriter: a second top-level value";
    wrote_top_level_ = true;
    return;
  }
  const uint64_t bit = uint64_t{1} << (depth_ - 1);
  DCHECK(!(is_object_ & bit)) << "JsonWriter: value in an object without Key()";
  if (has_items_ & bit) out_->push_back(',');
  has_items_ |= bit;
}

void JsonWriter::Open(char bracket, bool is_object) {
  BeforeValue();
  CHECK_LT(depth_, kMaxDepth) << "JsonWriter: nested too deep";
  const uint64_t bit = uint64_t{1} << depth_;
  is_object_ = is_object ? (is_object_ | bit) : (is_object_ & ~bit);
  has_items_ &= ~bit;
  ++depth_;
  out_->push_back(bracket);
}

void JsonWriter::Close(char bracket, bool is_object) {
  DCHECK_GT(depth_, 0) << "JsonWriter: End without Begin";
  DCHECK(!after_key_) << "JsonWriter: Key() without a value";
  DCHECK_EQ(((is_object_ >> (depth_ - 1)) & 1) != 0, is_object) << "JsonWriter: mismatched End";
  --depth_;
  out_->push_back(bracket);
}

void JsonWriter::BeginObject() { Open('{', true); }
void JsonWriter::EndObject() { Close('}', true); }
void JsonWriter::BeginArray() { Open('[', false); }
void JsonWriter::EndArray() { Close(']', false); }

void JsonWriter::Key(absl::string_view key) {
  DCHECK_GT(depth_, 0) << "JsonWriter: Key() outside an object";
  const uint64_t bit = uint64_t{1} << (depth_ - 1);
  DCHECK(is_object_ & bit) << "JsonWriter: Key() in an array";
  DCHECK(!after_key_) << "JsonWriter: Key() after Key()";
  if (has_items_ & bit) out_->push_back(',');
  has_items_ |= bit;
  AppendQuoted(key);
  out_->push_back(':');
  after_key_ = true;
}

void JsonWriter::Int(int64_t v) {
  BeforeValue();
  absl::StrAppend(out_, v);
}

void JsonWriter::Uint(uint64_t v) {
  BeforeValue();
  absl::StrAppend(out_, v);
}

void JsonWriter::Double(double v, int decimals) {
  BeforeValue();
  if (!std::isfinite(v)) {
    out_->append("null");
    return;
  }
  absl::StrAppendFormat(out_, "%.*f", std::clamp(decimals, 0, 17), v);
}

void JsonWriter::Bool(bool v) {
  BeforeValue();
  out_->append(v ? "true" : "false");
}

void JsonWriter::String(absl::string_view v) {
  BeforeValue();
  AppendQuoted(v);
}

void JsonWriter::Null() {
  BeforeValue();
  out_->append("null");
}

void JsonWriter::AppendQuoted(absl::string_view s) {
  out_->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    // Copy the longest run that needs no escaping in one append.
    size_t run = i;
    while (run < s.size()) {
      const unsigned char r = static_cast<unsigned char>(s[run]);
      if (r < 0x20 || r == '"' || r == '\\' || r >= 0x80) break;
      ++run;
    }
    if (run > i) {
      out_->append(s.data() + i, run - i);
      i = run;
      continue;
    }
    switch (c) {
      case '"':
        out_->append("\\\"");
        break;
      case '\\':
        out_->append("\\\\");
        break;
      case '\b':
        out_->append("\\b");
        break;
      case '\f':
        out_->append("\\f");
        break;
      case '\n':
        out_->append("\\n");
        break;
      case '\r':
        out_->append("\\r");
        break;
      case '\t':
        out_->append("\\t");
        break;
      default:
        if (c < 0x20) {
          const char escaped[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
          out_->append(escaped, sizeof(escaped));
        } else {
          const size_t n = Utf8SequenceLength(s, i);
          if (n == 0) {
            out_->append(kReplacement);
            ++i;
            continue;
          }
          out_->append(s.data() + i, n);
          i += n;
          continue;
        }
    }
    ++i;
  }
  out_->push_back('"');
}

std::string Rfc3339Millis(int64_t unix_ns) {
  // %E3S truncates toward the past, also before 1970.
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixNanos(unix_ns),
                          absl::UTCTimeZone());
}

}  // namespace fleetsim
