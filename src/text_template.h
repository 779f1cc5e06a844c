// Copyright fleetsim authors.
//
// text_template: per-device identity text ("FS{id:014d}", "tok-{id:028x}", "02:00:{id:08x}")
// in a subset of Python's str.format, compiled once and rendered without allocation. Pure;
// thread-compatible: a compiled TextTemplate is immutable and may be shared by threads.

#ifndef FLEETSIM_SRC_TEXT_TEMPLATE_H_
#define FLEETSIM_SRC_TEXT_TEMPLATE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace fleetsim {

// Maps a variable name used in a template to the index of its slot in the `vars` span that
// Render() takes, or returns an error if there is no such variable (the error's code is kept
// and its message is prefixed with the name, offset and template).
using TemplateVarResolver = std::function<absl::StatusOr<int>(absl::string_view name)>;

// A compiled template. The language is Python's str.format restricted to integer variables:
//   * literal text, with "{{" and "}}" standing for "{" and "}";
//   * "{name}" and "{name:spec}", where name is an identifier ([A-Za-z_][A-Za-z0-9_]*) and
//     spec is [[fill]align][sign][#][0][width][type]:
//       fill   any ASCII character but '{' and '}' (needs an align after it);
//       align  '<' left, '>' right, '^' centre, '=' pad between sign/prefix and digits;
//       sign   '-' (default), '+', ' ';
//       '#'    prefix 0x, 0X, 0o or 0b for x, X, o, b;
//       '0'    fill with '0' and align '=' unless a fill/align is given;
//       width  at most kMaxWidth;
//       type   d (default), x, X, o, b; or s: the decimal text of the value treated as a
//              string (Python's '{:s}'.format(str(v)): left-aligned, no sign, '=' or '#').
// Each rendered field is exactly Python's output for the same value and spec. Not supported
// (compile errors): positional or dotted names, !r/!s conversions, nested fields, grouping
// (',' '_'), precision, 'z', and other types.
//
// Copyable and movable.
class TextTemplate {
 public:
  static constexpr size_t kMaxWidth = 4096;

  // Compiles `text`, resolving every name once through `resolver` (not kept). Errors are
  // InvalidArgument (or the resolver's code) naming the 0-based offset in `text`, e.g.
  // "unknown format type 'q' at offset 6 in 'FS{id:q}'".
  static absl::StatusOr<TextTemplate> Compile(absl::string_view text,
                                              const TemplateVarResolver& resolver);

  // The empty template: renders nothing.
  TextTemplate();

  // The text given to Compile().
  const std::string& text() const { return text_; }
  // An upper bound of Render's output length over all possible variable values; a buffer of
  // this size never truncates.
  size_t max_size() const { return max_size_; }
  // 1 + the largest slot any field uses; 0 if the template has no fields.
  size_t min_vars() const { return min_vars_; }
  // True iff the template has no fields: it always renders the same text.
  bool is_constant() const { return min_vars_ == 0; }

  // Renders with vars[slot] as the value of each field's variable. Writes at most `cap`
  // bytes to `out` (no NUL terminator) and returns the number written; the output is cut
  // at `cap` (possibly mid-field) if it is longer. Never allocates.
  // REQUIRES: vars.size() >= min_vars() (missing variables render as 0).
  // REQUIRES: `out` has room for `cap` bytes.
  size_t Render(absl::Span<const int64_t> vars, char* out, size_t cap) const;

  // Render() into a new string, never cut. Allocates: for load time, --check and tests.
  std::string RenderToString(absl::Span<const int64_t> vars) const;

 private:
  enum class Align : uint8_t;  // Defined in text_template.cc, with the other spec enums.
  enum class Sign : uint8_t;
  enum class Type : uint8_t;
  struct Field {
    int slot;        // Index into Render's vars.
    uint16_t width;  // Minimum output width; 0 for none.
    char fill;
    Align align;
    Sign sign;
    Type type;
    bool alternate;  // '#': base prefix.
  };
  // A literal run of text_ (escapes resolved, so it lives in literals_) or a field.
  struct Piece {
    bool is_field;
    uint32_t offset, size;  // Into literals_, when !is_field.
    Field field;            // When is_field.
  };

  // Parses the spec of a field (text between ':' and '}'), which starts at offset `at`.
  static absl::Status ParseSpec(absl::string_view text, absl::string_view spec, size_t at,
                                Field* field);
  static size_t MaxFieldSize(const Field& field);
  struct Sink;  // A bounded output cursor; defined in text_template.cc.
  static void RenderField(const Field& field, int64_t v, Sink* sink);

  std::string text_;
  std::string literals_;
  std::vector<Piece> pieces_;
  size_t max_size_ = 0;
  size_t min_vars_ = 0;
};

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_TEXT_TEMPLATE_H_
