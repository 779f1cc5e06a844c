// Copyright fleetsim authors.
//
// json_writer: a minimal streaming JSON writer for the stats line (one object per line), and
// the RFC 3339 timestamp format the line uses. Pure: appends to a caller's std::string.

#ifndef FLEETSIM_SRC_JSON_WRITER_H_
#define FLEETSIM_SRC_JSON_WRITER_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace fleetsim {

// JsonWriter: appends one JSON value (normally an object) to a std::string, inserting commas
// and colons itself. It allocates nothing of its own: nesting is tracked in two bitmasks, and
// the only allocations are the output string's growth (reserve() it to avoid those).
//
// Usage:
//   std::string line;
//   JsonWriter w(&line);
//   w.BeginObject();
//   w.Key("ts"); w.String(Rfc3339Millis(WallNanos()));
//   w.Key("latency_ms"); w.BeginObject(); w.Key("p99"); w.Double(20.4, 3); w.EndObject();
//   w.EndObject();
//   line.push_back('\n');
//
// Misuse (a value in an object without Key(), Key() outside an object, unbalanced End*())
// is a programming error caught by DCHECK; nesting deeper than kMaxDepth by CHECK.
//
// Thread-compatible. The output string must outlive the writer and must not be modified by
// anyone else while the writer is in use.
class JsonWriter {
 public:
  static constexpr int kMaxDepth = 64;

  // Appends to *out (existing contents are kept).
  explicit JsonWriter(std::string* out) : out_(out) {}
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  void BeginObject();
  void EndObject();
  void BeginArray();
  void EndArray();
  // The next value is this key's. REQUIRES: inside an object, and the previous Key() has
  // received its value. The key is escaped like String().
  void Key(absl::string_view key);

  void Int(int64_t v);
  void Uint(uint64_t v);
  // `v` with exactly `decimals` digits after the point (clamped to [0, 17]), e.g.
  // Double(20.4, 3) writes 20.400. NaN and infinities, which JSON cannot express, are
  // written as null.
  void Double(double v, int decimals);
  void Bool(bool v);
  // A quoted string. `"`, `\` and control characters are escaped; valid UTF-8 passes through
  // as is; each byte that is not part of valid UTF-8 becomes U+FFFD, so the output is always
  // valid JSON whatever a scenario's step names contain.
  void String(absl::string_view v);
  void Null();

  // True iff one complete top-level value has been written (all containers closed).
  bool done() const { return depth_ == 0 && wrote_top_level_; }

 private:
  void BeforeValue();
  void Open(char bracket, bool is_object);
  void Close(char bracket, bool is_object);
  void AppendQuoted(absl::string_view s);

  std::string* out_;
  int depth_ = 0;                 // Open containers.
  uint64_t is_object_ = 0;        // Bit d: the container at depth d + 1 is an object.
  uint64_t has_items_ = 0;        // Bit d: the container at depth d + 1 has an item already.
  bool after_key_ = false;        // A Key() is waiting for its value.
  bool wrote_top_level_ = false;  // The top-level value has begun.
};

// `unix_ns` (nanoseconds since the Unix epoch, e.g. WallNanos()) as an RFC 3339 UTC
// timestamp with milliseconds: "2026-11-26T03:38:02.123Z". Truncates (does not round) to the
// millisecond, so a timestamp never lies in the future.
std::string Rfc3339Millis(int64_t unix_ns);

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_JSON_WRITER_H_
