// Copyright fleetsim authors.
//
// codec: compiles Python-`struct` format strings ("!HBBIH", "<I10sxe", "@bi") and encodes and
// decodes fixed-size frames with them. Pure: no I/O, no clock, no allocation after Compile().
// Thread-compatible: a compiled Format is immutable and may be shared by any number of threads.

#ifndef FLEETSIM_SRC_CODEC_H_
#define FLEETSIM_SRC_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <ostream>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace fleetsim {

// One value given to Format::Encode or produced by Format::Decode: a signed or unsigned 64-bit
// integer, a double, or a borrowed byte string. 16 bytes, trivially copyable, never owns memory.
//
// Lifetime: a kBytes value points into storage owned by someone else (the scenario's literal
// pool, or the receive buffer a frame was decoded from). That storage must outlive every use
// of the value.
class Value {
 public:
  // Closed: every switch over Kind names all four.
  enum class Kind : uint8_t {
    kInt,    // int64_t. Signed integer codes (b h i l q n) decode to this.
    kUint,   // uint64_t. Unsigned codes (B H I L Q N P) and '?' decode to this.
    kFloat,  // double. 'e', 'f' and 'd' decode to this.
    kBytes,  // Borrowed bytes. 'c', 's' and 'p' decode to this.
  };

  // The integer 0 (kInt).
  constexpr Value() : payload_(int64_t{0}), size_(0), kind_(Kind::kInt) {}

  static constexpr Value Int(int64_t v) { return Value(Payload(v), 0, Kind::kInt); }
  static constexpr Value Uint(uint64_t v) { return Value(Payload(v), 0, Kind::kUint); }
  static constexpr Value Float(double v) { return Value(Payload(v), 0, Kind::kFloat); }
  // REQUIRES: b.size() <= kMaxBytes. `b` must outlive the value (see the class comment).
  static constexpr Value Bytes(absl::string_view b) {
    return Value(Payload(b.data()), static_cast<uint32_t>(b.size()), Kind::kBytes);
  }
  // The largest byte string a Value can refer to (also the largest Format::size()).
  static constexpr size_t kMaxBytes = std::numeric_limits<uint32_t>::max();

  Kind kind() const { return kind_; }
  bool is_int() const { return kind_ == Kind::kInt; }
  bool is_uint() const { return kind_ == Kind::kUint; }
  bool is_float() const { return kind_ == Kind::kFloat; }
  bool is_bytes() const { return kind_ == Kind::kBytes; }

  // Typed accessors. REQUIRES: kind() is the matching kind.
  int64_t int_value() const { return payload_.i; }
  uint64_t uint_value() const { return payload_.u; }
  double float_value() const { return payload_.d; }
  absl::string_view bytes_value() const { return absl::string_view(payload_.p, size_); }

  // Conversions Encode uses; defined for every kind so that Encode never fails.
  // Integer bits: kInt as two's complement, kUint as is, kFloat truncated toward zero and
  // saturated to the int64 range (NaN gives 0), kBytes 0.
  uint64_t ToIntegerBits() const;
  // kInt and kUint converted to the nearest double, kFloat as is, kBytes 0.0.
  double ToDouble() const;
  // Python truthiness: non-zero numbers, NaN and non-empty bytes are true.
  bool ToBool() const;

  // "int -5", "uint 7", "float 1.5", "bytes \"ab\\x00\"" (escaped, for error messages/tests).
  std::string DebugString() const;
  // The same without the kind: "-5", "1.5", "\"ab\\x00\"".
  std::string Text() const;

  // Identity, not numeric equality: kinds must match, floats compare by bit pattern (so NaN
  // equals the same NaN and 0.0 differs from -0.0), bytes compare by content.
  friend bool operator==(const Value& a, const Value& b);
  friend bool operator!=(const Value& a, const Value& b) { return !(a == b); }
  friend std::ostream& operator<<(std::ostream& os, const Value& v) {
    return os << v.DebugString();
  }

 private:
  // Exactly one member is live, the one kind_ names.
  union Payload {
    constexpr explicit Payload(int64_t v) : i(v) {}
    constexpr explicit Payload(uint64_t v) : u(v) {}
    constexpr explicit Payload(double v) : d(v) {}
    constexpr explicit Payload(const char* v) : p(v) {}
    int64_t i;
    uint64_t u;
    double d;
    const char* p;
  };
  constexpr Value(Payload payload, uint32_t size, Kind kind)
      : payload_(payload), size_(size), kind_(kind) {}

  Payload payload_;
  uint32_t size_;  // Byte count of kBytes; 0 otherwise.
  Kind kind_;
};
static_assert(std::is_trivially_copyable<Value>::value, "Value is copied freely on the hot path");
static_assert(sizeof(Value) == 16, "Value is meant to stay two words");

// What Decode made of its input.
enum class DecodeResult : uint8_t {
  kOk,        // Every requested value was decoded.
  kNeedMore,  // The input ends before the bytes needed; no output was written.
};

// Description of one value of a format, for callers that patch or inspect single fields
// (e.g. "the 4th value is a big-endian uint16 at offset 6").
struct FieldInfo {
  char code = 0;            // The struct code: one of "cbB?hHiIlLqQnNefdspP".
  uint32_t offset = 0;      // Byte offset of the value within an encoded frame.
  uint32_t width = 0;       // Bytes the value occupies: the item size, or N for "Ns"/"Np".
  bool is_signed = false;   // b h i l q n: decodes to Value::Kind::kInt.
  bool is_float = false;    // e f d: decodes to kFloat.
  bool is_bytes = false;    // c s p: decodes to kBytes. Otherwise decodes to kUint.
  bool big_endian = false;  // Multi-byte numbers are stored most significant byte first.
};

// A compiled Python-struct format. The semantics are those of CPython 3.11's `struct` module on
// this host (x86-64 Linux, LP64, little-endian), so that scenario authors can check frames with
// `python3 -c 'import struct; ...'`:
//   * The first character may be a prefix: '@' (native order, sizes and alignment; the
//     default), '=' (native order, standard sizes, no alignment), '<' (little-endian), '>' and
//     '!' (big-endian); the last four use standard sizes (h=2, i=l=4, q=8, e=2, f=4, d=8).
//   * Codes: x c b B ? h H i I l L q Q n N e f d s p P; n, N and P only with '@'.
//   * A decimal repeat count may precede a code: "3H" is three values, "10s" one 10-byte value,
//     "10p" one Pascal string in 10 bytes, "5x" five pad bytes; "0s" is one empty value; with
//     '@', "0i" aligns to an int without adding a value.
//   * Whitespace between items is ignored; not between a repeat count and its code.
// Differences from Python, all deliberate: the size is limited to Value::kMaxBytes; error
// messages name the offending position; Decode reports kNeedMore instead of raising; Encode
// never fails (it wraps, see Encode) and CheckValue reports what Python would reject.
//
// Copyable and movable; immutable once compiled.
class Format {
 public:
  // Compiles `spec`. Returns InvalidArgument naming the 0-based offset and character at fault,
  // e.g. "bad char 'z' at offset 3 in '!HBz'".
  static absl::StatusOr<Format> Compile(absl::string_view spec);

  // The empty format: size 0, no values (the same as Compile("")).
  Format();

  // The spec as given to Compile().
  const std::string& spec() const { return spec_; }
  // Bytes of one encoded frame: Python's struct.calcsize(spec).
  size_t size() const { return size_; }
  // Values one frame holds: pads take none, "Ns"/"Np" take one, "3H" three.
  size_t value_count() const { return value_count_; }
  // REQUIRES: index < value_count().
  FieldInfo field(size_t index) const;

  // Returns OK iff Python's struct.pack would accept `v` as value `index`; otherwise
  // InvalidArgument naming the format, value index, code, offset and value, e.g.
  // "format '<hh' value #1 ('h' at offset 2): 70000 is out of range -32768..32767".
  // Rules: integer codes take kInt/kUint within the code's range (P: -2^63..2^64-1); '?'
  // takes anything; e/f/d take numbers, which must not overflow e/f; c takes exactly one byte;
  // s/p take bytes of any length. Meant for load time (it may allocate on error).
  // Returns OutOfRange if index >= value_count().
  absl::Status CheckValue(size_t index, const Value& v) const;
  // CheckValue on each of `values`, after checking that there are value_count() of them.
  absl::Status CheckValues(absl::Span<const Value> values) const;

  // Writes exactly size() bytes to `out`: pads and alignment gaps are zero. Never allocates and
  // never fails. Values CheckValue would reject are written deterministically:
  //   * integers wrap (the low bits of the two's-complement value are written); floats given
  //     to integer codes are truncated toward zero first;
  //   * 'e' and 'f' values too large for the code become +/-inf;
  //   * 'c' writes 0 unless given exactly one byte; 's' truncates or NUL-pads as Python does;
  //     'p' writes min(len, N-1, 255) as the length byte then the (truncated) bytes, NUL-padded;
  //   * wrong kinds (e.g. bytes for 'h') are written as 0 / empty.
  // REQUIRES: values.size() == value_count() (missing values are written as 0, extra ignored).
  // REQUIRES: `out` has room for size() bytes.
  void Encode(absl::Span<const Value> values, char* out) const;

  // Overwrites value `index` in a frame previously encoded with this format (e.g. to patch a
  // sequence number), with the same conversions as Encode. Writes only field(index).width
  // bytes at field(index).offset; pads elsewhere in the frame are left alone.
  // REQUIRES: index < value_count(); `frame` has room for size() bytes.
  void EncodeValue(size_t index, const Value& v, char* frame) const;

  // Decodes the first size() bytes of `in` into values[0 .. value_count()-1]; extra input is
  // ignored. Returns kNeedMore, writing nothing, if in.size() < size().
  // kBytes values point into `in`, so `in` must outlive them. '?' decodes to Uint 0 or 1 (any
  // non-zero byte is true); a 'p' length byte above N-1 is clamped as Python does; half-float
  // NaNs decode to the quiet NaN of the same sign, as Python 3.11.
  // REQUIRES: `values` has room for value_count() values.
  DecodeResult Decode(absl::string_view in, Value* values) const;

  // Decodes value `index` only, reading only its own bytes: returns kNeedMore iff
  // in.size() < field(index).offset + field(index).width. Used to match one field cheaply.
  // REQUIRES: index < value_count().
  DecodeResult DecodeValue(size_t index, absl::string_view in, Value* value) const;

 private:
  // How a run of values is stored (signed, unsigned, half, Pascal string...); derived from the
  // code at compile time. Defined in codec.cc.
  enum class Op : uint8_t;
  // `count` consecutive values with the same code ("3H" is one run of 3; "10s" one run of 1).
  // Pad bytes and alignment gaps are not runs: they are the gaps between runs.
  struct Run {
    size_t first_value;  // Index of the run's first value.
    uint32_t offset;     // Byte offset of the first value.
    uint32_t width;      // Bytes per value.
    uint32_t count;      // Values in the run (>= 1).
    Op op;
    char code;
  };

  // Looks up `code`: false if it is not a code of this mode. Sets the op, the item size and,
  // in native mode, the alignment (0: none).
  static bool LookupCode(char code, bool native, Op* op, uint32_t* size, uint32_t* align);

  const Run& RunOf(size_t index) const;
  void EncodeItem(const Run& run, const Value& v, char* p) const;
  Value DecodeItem(const Run& run, const char* p) const;
  std::string Where(size_t index, const Run& run) const;

  std::string spec_;
  std::vector<Run> runs_;
  size_t size_ = 0;
  size_t value_count_ = 0;
  bool big_endian_ = false;
  bool has_gaps_ = false;  // Some bytes belong to no value (pads, alignment): Encode zeroes them.
};

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_CODEC_H_
