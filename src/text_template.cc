// Copyright fleetsim authors.

#include "src/text_template.h"

#include <algorithm>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace fleetsim {

enum class TextTemplate::Align : uint8_t {
  kLeft,       // '<'
  kRight,      // '>'
  kCenter,     // '^': the odd pad character goes right, as in Python.
  kAfterSign,  // '=': sign and prefix, then padding, then digits.
};
enum class TextTemplate::Sign : uint8_t {
  kMinus,  // '-': only negative numbers get a sign.
  kPlus,   // '+'
  kSpace,  // ' ': a space where '+' would be.
};
enum class TextTemplate::Type : uint8_t {
  kDecimal,   // 'd', or no type.
  kHexLower,  // 'x'
  kHexUpper,  // 'X'
  kOctal,     // 'o'
  kBinary,    // 'b'
  kString,    // 's': str(value), formatted as a string.
};

// Clamps every write to the caller's capacity, so Render can format fields in one pass with
// no scratch buffer and still never overrun: truncation is the caller's to detect (n == cap).
struct TextTemplate::Sink {
  char* out;
  size_t cap;
  size_t n = 0;

  void Put(const char* s, size_t len) {
    len = std::min(len, cap - n);
    std::memcpy(out + n, s, len);
    n += len;
  }
  void Fill(char c, size_t len) {
    len = std::min(len, cap - n);
    std::memset(out + n, c, len);
    n += len;
  }
};

namespace {

// Longest digit string of an int64 magnitude (2^63) per type, without sign or prefix.
constexpr size_t kMaxDigits[] = {19, 16, 16, 22, 64, 19};

std::string Quote(absl::string_view s) { return absl::StrCat("'", absl::CHexEscape(s), "'"); }

bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }
bool IsAlign(char c) { return c == '<' || c == '>' || c == '^' || c == '='; }

absl::Status Error(absl::string_view what, size_t offset, absl::string_view text) {
  return absl::InvalidArgumentError(absl::StrCat(what, " at offset ", offset, " in ", Quote(text)));
}

}  // namespace

TextTemplate::TextTemplate() = default;

absl::Status TextTemplate::ParseSpec(absl::string_view text, absl::string_view spec, size_t at,
                                     Field* f) {
  // Python's order: [[fill]align][sign][z][#][0][width][grouping][.precision][type].
  if (!spec.empty() && static_cast<unsigned char>(spec[0]) >= 0x80) {
    return Error("fill must be one ASCII character", at, text);
  }
  size_t i = 0;
  char align_char = '\0';
  bool fill_given = false;
  if (spec.size() >= 2 && IsAlign(spec[1])) {
    f->fill = spec[0];
    fill_given = true;
    align_char = spec[1];
    i = 2;
  } else if (!spec.empty() && IsAlign(spec[0])) {
    align_char = spec[0];
    i = 1;
  }
  bool sign_given = false;
  if (i < spec.size() && (spec[i] == '+' || spec[i] == '-' || spec[i] == ' ')) {
    f->sign = spec[i] == '+' ? Sign::kPlus : spec[i] == ' ' ? Sign::kSpace : Sign::kMinus;
    sign_given = true;
    ++i;
  }
  if (i < spec.size() && spec[i] == 'z') {
    return Error("'z' (negative zero) is not supported", at + i, text);
  }
  if (i < spec.size() && spec[i] == '#') {
    f->alternate = true;
    ++i;
  }
  // CPython (3.10+) treats a '0' here as the zero-padding flag only when no fill was given
  // ("x<05" is fill 'x', width 5); with an explicit align it still sets the fill ("<05" gives
  // "50000"), and it implies '=' only when the align was left to its default.
  bool zero = false;
  if (!fill_given && i < spec.size() && spec[i] == '0') {
    zero = true;
    ++i;
  }
  const size_t width_at = i;
  size_t width = 0;
  for (; i < spec.size() && spec[i] >= '0' && spec[i] <= '9'; ++i) {
    width = width * 10 + static_cast<size_t>(spec[i] - '0');
    if (width > kMaxWidth) {
      return Error(absl::StrCat("width above ", kMaxWidth), at + width_at, text);
    }
  }
  f->width = static_cast<uint16_t>(width);
  if (i < spec.size() && (spec[i] == ',' || spec[i] == '_')) {
    return Error(absl::StrCat("grouping '", std::string(1, spec[i]), "' is not supported"), at + i,
                 text);
  }
  if (i < spec.size() && spec[i] == '.') {
    return Error("precision is not supported", at + i, text);
  }
  f->type = Type::kDecimal;
  if (i < spec.size()) {
    switch (spec[i]) {
      case 'd':
        f->type = Type::kDecimal;
        break;
      case 'x':
        f->type = Type::kHexLower;
        break;
      case 'X':
        f->type = Type::kHexUpper;
        break;
      case 'o':
        f->type = Type::kOctal;
        break;
      case 'b':
        f->type = Type::kBinary;
        break;
      case 's':
        f->type = Type::kString;
        break;
      default:
        return Error(absl::StrCat("unknown format type ", Quote(spec.substr(i, 1)),
                                  " (use d, x, X, o, b or s)"),
                     at + i, text);
    }
    ++i;
  }
  if (i < spec.size()) {
    return Error(absl::StrCat("bad format spec ", Quote(spec), " (unexpected ",
                              Quote(spec.substr(i, 1)), ")"),
                 at + i, text);
  }
  if (f->type == Type::kString) {  // Python's errors for a str value.
    if (sign_given) return Error("sign not allowed with type 's'", at, text);
    if (align_char == '=') return Error("'=' alignment not allowed with type 's'", at, text);
    if (f->alternate) return Error("'#' not allowed with type 's'", at, text);
  }
  if (zero) f->fill = '0';
  switch (align_char) {
    case '<':
      f->align = Align::kLeft;
      break;
    case '>':
      f->align = Align::kRight;
      break;
    case '^':
      f->align = Align::kCenter;
      break;
    case '=':
      f->align = Align::kAfterSign;
      break;
    default:  // No align given: Python's default for the type; '0' implies '=' for numbers.
      f->align = f->type == Type::kString ? Align::kLeft : zero ? Align::kAfterSign : Align::kRight;
  }
  return absl::OkStatus();
}

absl::StatusOr<TextTemplate> TextTemplate::Compile(absl::string_view text,
                                                   const TemplateVarResolver& resolver) {
  // All literal text goes into one string (escapes resolved) so that Render copies from
  // one contiguous block; pieces refer to it by offset, which survives copies of the template.
  TextTemplate t;
  t.text_ = std::string(text);
  size_t literal_start = 0;  // Into t.literals_: where the pending literal piece begins.
  const auto flush_literal = [&t, &literal_start] {
    if (t.literals_.size() > literal_start) {
      Piece p{};
      p.is_field = false;
      p.offset = static_cast<uint32_t>(literal_start);
      p.size = static_cast<uint32_t>(t.literals_.size() - literal_start);
      t.pieces_.push_back(p);
      t.max_size_ += p.size;
    }
    literal_start = t.literals_.size();
  };
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '}') {
      if (i + 1 < text.size() && text[i + 1] == '}') {
        t.literals_ += '}';
        i += 2;
        continue;
      }
      return Error("single '}' (write '}}' for a literal brace)", i, text);
    }
    if (c != '{') {
      t.literals_ += c;
      ++i;
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '{') {
      t.literals_ += '{';
      i += 2;
      continue;
    }
    // A field: "{" name [":" spec] "}".
    const size_t open = i;
    size_t close = open + 1;
    while (close < text.size() && text[close] != '}') {
      if (text[close] == '{') return Error("nested fields are not supported", close, text);
      ++close;
    }
    if (close == text.size()) {
      return Error("'{' without '}' (write '{{' for a literal brace)", open, text);
    }
    const absl::string_view inside = text.substr(open + 1, close - open - 1);
    size_t name_len = 0;
    while (name_len < inside.size() && inside[name_len] != ':' && inside[name_len] != '!') {
      ++name_len;
    }
    const absl::string_view name = inside.substr(0, name_len);
    if (name.empty()) {
      return Error("empty field name (name a variable, e.g. {id})", open + 1, text);
    }
    for (size_t k = 0; k < name.size(); ++k) {
      if (k == 0 ? !IsIdentStart(name[k]) : !IsIdentChar(name[k])) {
        return Error(absl::StrCat("field name ", Quote(name),
                                  " is not an identifier (no positions, '.' or '[')"),
                     open + 1, text);
      }
    }
    if (name_len < inside.size() && inside[name_len] == '!') {
      return Error("conversions (!s, !r, !a) are not supported", open + 1 + name_len, text);
    }
    Field f{};
    f.fill = ' ';
    f.sign = Sign::kMinus;
    if (name_len < inside.size()) {  // ':' spec.
      absl::Status s = ParseSpec(text, inside.substr(name_len + 1), open + 2 + name_len, &f);
      if (!s.ok()) return s;
    } else {
      f.align = Align::kRight;
      f.type = Type::kDecimal;
    }
    // Resolved per occurrence, after the spec parsed, so that a spec error is reported before
    // an unknown name further right, and the resolver may count uses.
    absl::StatusOr<int> slot = resolver(name);
    if (!slot.ok()) {
      return absl::Status(slot.status().code(),
                          absl::StrCat("unknown name ", Quote(name), " at offset ", open + 1,
                                       " in ", Quote(text), ": ", slot.status().message()));
    }
    if (*slot < 0) {
      return Error(absl::StrCat("negative slot ", *slot, " for name ", Quote(name)), open + 1,
                   text);
    }
    f.slot = *slot;
    flush_literal();
    Piece p{};
    p.is_field = true;
    p.field = f;
    t.pieces_.push_back(p);
    t.max_size_ += MaxFieldSize(f);
    t.min_vars_ = std::max(t.min_vars_, static_cast<size_t>(f.slot) + 1);
    i = close + 1;
  }
  flush_literal();
  return t;
}

size_t TextTemplate::MaxFieldSize(const Field& f) {
  size_t body = kMaxDigits[static_cast<size_t>(f.type)] + 1;  // + sign.
  if (f.alternate && f.type != Type::kDecimal) body += 2;     // 0x, 0o, 0b.
  return std::max<size_t>(body, f.width);
}

void TextTemplate::RenderField(const Field& f, int64_t v, Sink* sink) {
  // Digits of |v| right to left; the magnitude of INT64_MIN needs the unsigned negation.
  const uint64_t magnitude = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  unsigned base = 10;
  const char* alphabet = "0123456789abcdef";
  const char* prefix = "";
  switch (f.type) {
    case Type::kDecimal:
    case Type::kString:
      break;
    case Type::kHexLower:
      base = 16;
      prefix = "0x";
      break;
    case Type::kHexUpper:
      base = 16;
      alphabet = "0123456789ABCDEF";
      prefix = "0X";
      break;
    case Type::kOctal:
      base = 8;
      prefix = "0o";
      break;
    case Type::kBinary:
      base = 2;
      prefix = "0b";
      break;
  }
  if (!f.alternate) prefix = "";
  char digits[64];
  char* const end = digits + sizeof digits;
  char* d = end;
  uint64_t m = magnitude;
  do {
    *--d = alphabet[m % base];
    m /= base;
  } while (m != 0);
  const size_t num_digits = static_cast<size_t>(end - d);

  const char* sign = "";
  if (v < 0) {
    sign = "-";
  } else if (f.sign == Sign::kPlus) {
    sign = "+";
  } else if (f.sign == Sign::kSpace) {
    sign = " ";
  }
  const size_t sign_len = std::strlen(sign), prefix_len = std::strlen(prefix);
  const size_t body = sign_len + prefix_len + num_digits;
  const size_t pad = f.width > body ? f.width - body : 0;
  switch (f.align) {
    case Align::kLeft:
      sink->Put(sign, sign_len);
      sink->Put(prefix, prefix_len);
      sink->Put(d, num_digits);
      sink->Fill(f.fill, pad);
      return;
    case Align::kRight:
      sink->Fill(f.fill, pad);
      sink->Put(sign, sign_len);
      sink->Put(prefix, prefix_len);
      sink->Put(d, num_digits);
      return;
    case Align::kCenter:
      sink->Fill(f.fill, pad / 2);
      sink->Put(sign, sign_len);
      sink->Put(prefix, prefix_len);
      sink->Put(d, num_digits);
      sink->Fill(f.fill, pad - pad / 2);
      return;
    case Align::kAfterSign:
      sink->Put(sign, sign_len);
      sink->Put(prefix, prefix_len);
      sink->Fill(f.fill, pad);
      sink->Put(d, num_digits);
      return;
  }
}

size_t TextTemplate::Render(absl::Span<const int64_t> vars, char* out, size_t cap) const {
  Sink sink{out, cap};
  for (const Piece& p : pieces_) {
    if (p.is_field) {
      const size_t slot = static_cast<size_t>(p.field.slot);
      RenderField(p.field, slot < vars.size() ? vars[slot] : 0, &sink);
    } else {
      sink.Put(literals_.data() + p.offset, p.size);
    }
  }
  return sink.n;
}

std::string TextTemplate::RenderToString(absl::Span<const int64_t> vars) const {
  std::string s(max_size_, '\0');
  s.resize(Render(vars, s.data(), s.size()));
  return s;
}

}  // namespace fleetsim
