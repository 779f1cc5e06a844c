// Copyright fleetsim authors.

#include "src/codec.h"

#include <sys/types.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>

#include "absl/base/config.h"
#include "absl/base/macros.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "src/float_pack.h"

namespace fleetsim {

enum class Format::Op : uint8_t {
  kSigned,    // b h i l q n: two's complement.
  kUnsigned,  // B H I L Q N P.
  kBool,      // ?: one byte, 0 or 1.
  kHalf,      // e: IEEE 754 binary16.
  kFloat,     // f: IEEE 754 binary32.
  kDouble,    // d: IEEE 754 binary64.
  kChar,      // c: one byte.
  kString,    // Ns: N bytes, NUL-padded.
  kPascal,    // Np: a length byte, then N-1 bytes.
  kPad,       // x: takes no value; never stored in a Run.
};

namespace {

#ifdef ABSL_IS_BIG_ENDIAN
constexpr bool kHostBigEndian = true;
#else
constexpr bool kHostBigEndian = false;
#endif

// CPython computes native alignment as the offset of T after a char, not alignof(T); they
// differ on some 32-bit ABIs, so do the same.
template <typename T>
struct AlignProbe {
  char c;
  T x;
};
#define FLEETSIM_NATIVE_ALIGN(T) static_cast<uint32_t>(offsetof(AlignProbe<T>, x))

bool IsSpace(char c) {
  // Python's Py_ISSPACE.
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsByteOrderChar(char c) { return c == '@' || c == '=' || c == '<' || c == '>' || c == '!'; }

std::string Quote(absl::string_view s) { return absl::StrCat("'", absl::CHexEscape(s), "'"); }

// Stores the low 8*width bits of v in the given byte order. Fields sit at any offset of a
// frame, so every access is a memcpy (one unaligned mov on x86) plus at most one bswap.
inline void StoreUint(char* p, uint64_t v, uint32_t width, bool big) {
  switch (width) {
    case 1:
      *p = static_cast<char>(v);
      return;
    case 2: {
      uint16_t x = static_cast<uint16_t>(v);
      if (big != kHostBigEndian) x = __builtin_bswap16(x);
      std::memcpy(p, &x, 2);
      return;
    }
    case 4: {
      uint32_t x = static_cast<uint32_t>(v);
      if (big != kHostBigEndian) x = __builtin_bswap32(x);
      std::memcpy(p, &x, 4);
      return;
    }
    case 8: {
      if (big != kHostBigEndian) v = __builtin_bswap64(v);
      std::memcpy(p, &v, 8);
      return;
    }
    default:  // Not an enum: native sizes are 1, 2, 4 or 8 on every ABI we build for.
      for (uint32_t i = 0; i < width; ++i) {
        p[big ? width - 1 - i : i] = static_cast<char>(i < 8 ? v >> (8 * i) : 0);
      }
  }
}

inline uint64_t LoadUint(const char* p, uint32_t width, bool big) {
  switch (width) {
    case 1:
      return static_cast<uint8_t>(*p);
    case 2: {
      uint16_t x;
      std::memcpy(&x, p, 2);
      return big != kHostBigEndian ? __builtin_bswap16(x) : x;
    }
    case 4: {
      uint32_t x;
      std::memcpy(&x, p, 4);
      return big != kHostBigEndian ? __builtin_bswap32(x) : x;
    }
    case 8: {
      uint64_t x;
      std::memcpy(&x, p, 8);
      return big != kHostBigEndian ? __builtin_bswap64(x) : x;
    }
    default: {
      uint64_t v = 0;
      for (uint32_t i = 0; i < width && i < 8; ++i) {
        v |= uint64_t{static_cast<uint8_t>(p[big ? width - 1 - i : i])} << (8 * i);
      }
      return v;
    }
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Compile

bool Format::LookupCode(char code, bool native, Op* op, uint32_t* size, uint32_t* align) {
  // CPython's standard tables (sizes) and native_table (sizes and alignments on this ABI).
  // Alignment 0 is none (x c b B s p, as in CPython); standard size 0 is native-only.
  struct Row {
    char code;
    Op op;
    uint8_t std_size, native_size, native_align;
  };
  static constexpr Row kRows[] = {
      {'x', Op::kPad, 1, 1, 0},
      {'c', Op::kChar, 1, 1, 0},
      {'b', Op::kSigned, 1, 1, 0},
      {'B', Op::kUnsigned, 1, 1, 0},
      {'s', Op::kString, 1, 1, 0},
      {'p', Op::kPascal, 1, 1, 0},
      {'?', Op::kBool, 1, sizeof(bool), FLEETSIM_NATIVE_ALIGN(bool)},
      {'h', Op::kSigned, 2, sizeof(short), FLEETSIM_NATIVE_ALIGN(short)},
      {'H', Op::kUnsigned, 2, sizeof(short), FLEETSIM_NATIVE_ALIGN(short)},
      {'i', Op::kSigned, 4, sizeof(int), FLEETSIM_NATIVE_ALIGN(int)},
      {'I', Op::kUnsigned, 4, sizeof(int), FLEETSIM_NATIVE_ALIGN(int)},
      {'l', Op::kSigned, 4, sizeof(long), FLEETSIM_NATIVE_ALIGN(long)},
      {'L', Op::kUnsigned, 4, sizeof(long), FLEETSIM_NATIVE_ALIGN(long)},
      {'q', Op::kSigned, 8, sizeof(long long), FLEETSIM_NATIVE_ALIGN(long long)},
      {'Q', Op::kUnsigned, 8, sizeof(long long), FLEETSIM_NATIVE_ALIGN(long long)},
      {'n', Op::kSigned, 0, sizeof(ssize_t), FLEETSIM_NATIVE_ALIGN(ssize_t)},
      {'N', Op::kUnsigned, 0, sizeof(size_t), FLEETSIM_NATIVE_ALIGN(size_t)},
      {'P', Op::kUnsigned, 0, sizeof(void*), FLEETSIM_NATIVE_ALIGN(void*)},
      {'e', Op::kHalf, 2, sizeof(short), FLEETSIM_NATIVE_ALIGN(short)},
      {'f', Op::kFloat, 4, sizeof(float), FLEETSIM_NATIVE_ALIGN(float)},
      {'d', Op::kDouble, 8, sizeof(double), FLEETSIM_NATIVE_ALIGN(double)},
  };
  for (const Row& row : kRows) {
    if (row.code != code) continue;
    if (!native && row.std_size == 0) return false;
    *op = row.op;
    *size = native ? row.native_size : row.std_size;
    *align = native ? row.native_align : 0;
    return true;
  }
  return false;
}

Format::Format() = default;

absl::StatusOr<Format> Format::Compile(absl::string_view spec) {
  Format f;
  f.spec_ = std::string(spec);
  const auto error = [&spec](absl::string_view what, size_t offset, absl::string_view hint = "") {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " at offset ", offset, " in ", Quote(spec), hint));
  };

  size_t pos = 0;
  char prefix = '@';
  if (!spec.empty() && IsByteOrderChar(spec[0])) {
    prefix = spec[0];
    pos = 1;
  }
  const bool native = prefix == '@';
  f.big_endian_ = prefix == '>' || prefix == '!' || ((native || prefix == '=') && kHostBigEndian);
  uint64_t size = 0;     // Never above kMaxBytes, so no arithmetic below can overflow.
  uint64_t covered = 0;  // Bytes that belong to some value.
  while (pos < spec.size()) {
    char c = spec[pos];
    if (IsSpace(c)) {
      ++pos;
      continue;
    }
    const size_t item_pos = pos;
    uint64_t count = 1;
    if (IsDigit(c)) {
      count = 0;
      for (; pos < spec.size() && IsDigit(spec[pos]); ++pos) {
        count = count * 10 + static_cast<uint64_t>(spec[pos] - '0');
        if (count > Value::kMaxBytes) {
          return error(absl::StrCat("repeat count above ", Value::kMaxBytes), item_pos);
        }
      }
      if (pos == spec.size()) return error("repeat count without format code", item_pos);
      c = spec[pos];
    }
    const size_t code_pos = pos++;
    Op op;
    uint32_t item_size, align;
    if (!LookupCode(c, native, &op, &item_size, &align)) {
      const std::string bad = Quote(absl::string_view(&c, 1));
      if (code_pos != item_pos && IsSpace(c)) {
        return error(absl::StrCat("bad char ", bad), code_pos,
                     "; a repeat count must be followed directly by its code");
      }
      if (IsByteOrderChar(c)) {
        return error(absl::StrCat("misplaced byte order char ", bad), code_pos,
                     "; it must be the first character");
      }
      if (c == 'n' || c == 'N' || c == 'P') {
        return error(absl::StrCat("bad char ", bad), code_pos,
                     "; n, N and P exist only in native mode ('@' or no prefix)");
      }
      return error(absl::StrCat("bad char ", bad), code_pos);
    }
    // CPython aligns before every native item, even a 0-count one ("@b0i" is 4 bytes),
    // but never at offset 0 and never for s, p, x, c, b, B.
    if (align > 1 && size > 0) size = (size + align - 1) / align * align;
    const uint64_t bytes = count * item_size;
    if (size + bytes > Value::kMaxBytes) {
      return error(absl::StrCat("format larger than ", Value::kMaxBytes, " bytes"), item_pos);
    }
    if (op == Op::kPad) {
      size += bytes;
      continue;
    }
    // One Run per item, not per value: "1000000H" costs one entry, so memory is bounded by
    // the spec's length, and Encode's inner loop over a run has no per-value dispatch.
    Run run;
    run.first_value = f.value_count_;
    run.offset = static_cast<uint32_t>(size);
    run.op = op;
    run.code = c;
    if (op == Op::kString || op == Op::kPascal) {
      run.width = static_cast<uint32_t>(count);  // One value of `count` bytes.
      run.count = 1;
    } else {
      run.width = item_size;
      run.count = static_cast<uint32_t>(count);
    }
    if (run.count > 0) {
      f.runs_.push_back(run);
      f.value_count_ += run.count;
    }
    size += bytes;
    covered += bytes;
  }
  f.size_ = static_cast<size_t>(size);
  f.has_gaps_ = covered != size;
  return f;
}

// ---------------------------------------------------------------------------------------------
// Accessors and checks

const Format::Run& Format::RunOf(size_t index) const {
  ABSL_ASSERT(index < value_count_);  // Compiled out with NDEBUG, as in absl.
  // The last run whose first value is <= index.
  auto it = std::upper_bound(runs_.begin(), runs_.end(), index,
                             [](size_t i, const Run& r) { return i < r.first_value; });
  return *(it - 1);
}

FieldInfo Format::field(size_t index) const {
  const Run& r = RunOf(index);
  FieldInfo info;
  info.code = r.code;
  info.offset = r.offset + static_cast<uint32_t>(index - r.first_value) * r.width;
  info.width = r.width;
  info.is_signed = r.op == Op::kSigned;
  info.is_float = r.op == Op::kHalf || r.op == Op::kFloat || r.op == Op::kDouble;
  info.is_bytes = r.op == Op::kChar || r.op == Op::kString || r.op == Op::kPascal;
  info.big_endian = big_endian_;
  return info;
}

std::string Format::Where(size_t index, const Run& r) const {
  return absl::StrCat("format ", Quote(spec_), " value #", index, " ('", std::string(1, r.code),
                      "' at offset ", r.offset + (index - r.first_value) * r.width, ")");
}

absl::Status Format::CheckValue(size_t index, const Value& v) const {
  if (index >= value_count_) {
    return absl::OutOfRangeError(absl::StrCat("format ", Quote(spec_), " has ", value_count_,
                                              " values; there is no value #", index));
  }
  const Run& r = RunOf(index);
  const auto error = [&](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(Where(index, r), ": ", what));
  };
  switch (r.op) {
    case Op::kSigned:
    case Op::kUnsigned: {
      if (!v.is_int() && !v.is_uint()) {
        return error(absl::StrCat("needs an integer, got ", v.DebugString()));
      }
      // Ranges as CPython checks them per code; the comparison is split by the value's kind
      // because int64 vs uint64 comparisons would convert silently.
      const unsigned bits = 8 * r.width;
      int64_t min;
      uint64_t max;
      if (r.code == 'P') {  // PyLong_AsVoidPtr takes negative and unsigned values alike.
        min = INT64_MIN;
        max = UINT64_MAX;
      } else if (r.op == Op::kSigned) {
        min = bits >= 64 ? INT64_MIN : -(int64_t{1} << (bits - 1));
        max = bits >= 64 ? uint64_t{INT64_MAX} : (uint64_t{1} << (bits - 1)) - 1;
      } else {
        min = 0;
        max = bits >= 64 ? UINT64_MAX : (uint64_t{1} << bits) - 1;
      }
      const bool in_range =
          v.is_int() ? v.int_value() >= min &&
                           (v.int_value() < 0 || static_cast<uint64_t>(v.int_value()) <= max)
                     : v.uint_value() <= max;
      if (!in_range) {
        return error(absl::StrCat(v.Text(), " is out of range ", min, "..", max));
      }
      return absl::OkStatus();
    }
    case Op::kBool:
      return absl::OkStatus();  // Python's pack('?') takes any object's truth value.
    case Op::kHalf:
    case Op::kFloat:
    case Op::kDouble: {
      if (v.is_bytes()) return error(absl::StrCat("needs a number, got ", v.DebugString()));
      bool overflow = false;
      if (r.op == Op::kHalf) PackHalf(v.ToDouble(), &overflow);
      if (r.op == Op::kFloat) PackFloat(v.ToDouble(), &overflow);
      if (overflow) {
        return error(absl::StrCat(v.Text(), " is too large for '", std::string(1, r.code),
                                  r.op == Op::kHalf ? "' (max 65504)" : "' (max ~3.4028235e38)"));
      }
      return absl::OkStatus();
    }
    case Op::kChar:
      if (!v.is_bytes() || v.bytes_value().size() != 1) {
        return error(absl::StrCat("needs exactly 1 byte, got ", v.DebugString()));
      }
      return absl::OkStatus();
    case Op::kString:
    case Op::kPascal:
      if (!v.is_bytes()) return error(absl::StrCat("needs bytes, got ", v.DebugString()));
      return absl::OkStatus();
    case Op::kPad:
      break;  // Never a run.
  }
  return absl::OkStatus();
}

absl::Status Format::CheckValues(absl::Span<const Value> values) const {
  if (values.size() != value_count_) {
    return absl::InvalidArgumentError(absl::StrCat("format ", Quote(spec_), " takes ", value_count_,
                                                   " values, got ", values.size()));
  }
  for (size_t i = 0; i < values.size(); ++i) {
    absl::Status s = CheckValue(i, values[i]);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// Encode and decode: the hot path. No allocation, no failure.

void Format::EncodeItem(const Run& r, const Value& v, char* p) const {
  bool overflow;  // Ignored here: CheckValue reports it; Encode writes inf.
  switch (r.op) {
    case Op::kSigned:
    case Op::kUnsigned:
      StoreUint(p, v.ToIntegerBits(), r.width, big_endian_);
      return;
    case Op::kBool:
      *p = v.ToBool() ? 1 : 0;
      return;
    case Op::kHalf:
      StoreUint(p, PackHalf(v.ToDouble(), &overflow), 2, big_endian_);
      return;
    case Op::kFloat: {
      const float f = PackFloat(v.ToDouble(), &overflow);
      uint32_t bits;
      std::memcpy(&bits, &f, 4);
      StoreUint(p, bits, 4, big_endian_);
      return;
    }
    case Op::kDouble: {
      const double d = v.ToDouble();
      uint64_t bits;
      std::memcpy(&bits, &d, 8);
      StoreUint(p, bits, 8, big_endian_);
      return;
    }
    case Op::kChar:
      *p = v.is_bytes() && v.bytes_value().size() == 1 ? v.bytes_value()[0] : '\0';
      return;
    case Op::kString: {
      const absl::string_view b = v.is_bytes() ? v.bytes_value() : absl::string_view();
      const size_t n = std::min<size_t>(b.size(), r.width);
      if (n > 0) std::memcpy(p, b.data(), n);
      std::memset(p + n, 0, r.width - n);
      return;
    }
    case Op::kPascal: {
      if (r.width == 0) return;  // "0p" is zero bytes (CPython writes out of bounds here).
      const absl::string_view b = v.is_bytes() ? v.bytes_value() : absl::string_view();
      const size_t n = std::min<size_t>(b.size(), r.width - 1);
      if (n > 0) std::memcpy(p + 1, b.data(), n);
      std::memset(p + 1 + n, 0, r.width - 1 - n);
      // The length byte saturates at 255 while the copy may be longer, as in CPython.
      *p = static_cast<char>(std::min<size_t>(n, 255));
      return;
    }
    case Op::kPad:
      return;
  }
}

// Each EncodeItem writes every byte of its field (strings included), so only the bytes no
// value covers need zeroing; most protocol formats have none and skip the memset. Missing
// values read as 0 rather than past the span: a REQUIRES violation stays a wrong frame, not a
// crash on a worker carrying 20k devices.
void Format::Encode(absl::Span<const Value> values, char* out) const {
  if (has_gaps_) std::memset(out, 0, size_);
  static constexpr Value kZero;
  const size_t given = values.size();
  size_t i = 0;
  for (const Run& r : runs_) {
    char* p = out + r.offset;
    for (uint32_t k = 0; k < r.count; ++k, ++i, p += r.width) {
      EncodeItem(r, i < given ? values[i] : kZero, p);
    }
  }
}

void Format::EncodeValue(size_t index, const Value& v, char* frame) const {
  const Run& r = RunOf(index);
  EncodeItem(r, v, frame + r.offset + (index - r.first_value) * r.width);
}

Value Format::DecodeItem(const Run& r, const char* p) const {
  switch (r.op) {
    case Op::kSigned: {
      uint64_t u = LoadUint(p, r.width, big_endian_);
      const unsigned bits = 8 * r.width;
      if (bits < 64 && (u >> (bits - 1)) != 0) u |= ~uint64_t{0} << bits;  // Sign-extend.
      return Value::Int(static_cast<int64_t>(u));
    }
    case Op::kUnsigned:
      return Value::Uint(LoadUint(p, r.width, big_endian_));
    case Op::kBool:
      // CPython reads a _Bool for '@' and a byte for the others, and both give True for any
      // non-zero byte in practice; a device sending 2 for "true" is not malformed.
      return Value::Uint(*p != 0 ? 1 : 0);
    case Op::kHalf:
      return Value::Float(UnpackHalf(static_cast<uint16_t>(LoadUint(p, 2, big_endian_))));
    case Op::kFloat: {
      const uint32_t bits = static_cast<uint32_t>(LoadUint(p, 4, big_endian_));
      float f;
      std::memcpy(&f, &bits, 4);
      return Value::Float(f);
    }
    case Op::kDouble: {
      const uint64_t bits = LoadUint(p, 8, big_endian_);
      double d;
      std::memcpy(&d, &bits, 8);
      return Value::Float(d);
    }
    case Op::kChar:
      return Value::Bytes(absl::string_view(p, 1));
    case Op::kString:
      return Value::Bytes(absl::string_view(p, r.width));
    case Op::kPascal: {
      if (r.width == 0) return Value::Bytes(absl::string_view(p, 0));
      const size_t n = std::min<size_t>(static_cast<uint8_t>(*p), r.width - 1);
      return Value::Bytes(absl::string_view(p + 1, n));
    }
    case Op::kPad:
      break;
  }
  return Value();
}

DecodeResult Format::Decode(absl::string_view in, Value* values) const {
  if (in.size() < size_) return DecodeResult::kNeedMore;
  Value* out = values;
  for (const Run& r : runs_) {
    const char* p = in.data() + r.offset;
    for (uint32_t k = 0; k < r.count; ++k, p += r.width) *out++ = DecodeItem(r, p);
  }
  return DecodeResult::kOk;
}

DecodeResult Format::DecodeValue(size_t index, absl::string_view in, Value* value) const {
  const Run& r = RunOf(index);
  const size_t offset = r.offset + (index - r.first_value) * r.width;
  if (in.size() < offset + r.width) return DecodeResult::kNeedMore;
  *value = DecodeItem(r, in.data() + offset);
  return DecodeResult::kOk;
}

}  // namespace fleetsim
