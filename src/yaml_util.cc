// Copyright fleetsim authors.

#include "src/yaml_util.h"

#include <cerrno>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/duration.h"

namespace fleetsim {

int YamlRef::line() const {
  if (!node_.IsDefined()) return 0;
  YAML::Mark m = node_.Mark();
  return m.is_null() ? 0 : m.line + 1;
}

YamlRef YamlRef::Child(absl::string_view key) const {
  std::string k(key);
  // Copy-constructed, never assigned: assigning a missing (invalid) node throws.
  YAML::Node child = IsMap() ? node_[k] : YAML::Node();
  std::string path = path_.empty() ? k : absl::StrCat(path_, ".", k);
  return YamlRef(file_, child, std::move(path));
}

bool YamlRef::Has(absl::string_view key) const {
  if (!IsMap()) return false;
  return static_cast<bool>(node_[std::string(key)]);
}

YamlRef YamlRef::At(size_t i) const {
  return YamlRef(file_, node_[i], absl::StrCat(path_, "[", i, "]"));
}

absl::Status YamlRef::Error(absl::string_view msg) const {
  int l = line();
  // A defined node without a mark was set by --set, not read from the file.
  std::string where = l > 0               ? absl::StrCat(*file_, ":", l)
                      : node_.IsDefined() ? absl::StrCat(*file_, " (--set)")
                                          : *file_;
  return absl::InvalidArgumentError(
      absl::StrCat(where, ": ", path_.empty() ? "(top level)" : path_, ": ", msg));
}

absl::Status YamlRef::ErrorAt(absl::string_view key, absl::string_view msg) const {
  YamlRef c = Child(key);
  if (c.line() > 0) return c.Error(msg);
  // Absent key: point at the map that should hold it.
  int l = line();
  std::string where = l > 0 ? absl::StrCat(*file_, ":", l) : *file_;
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", c.path(), ": ", msg));
}

absl::Status YamlRef::CheckKeys(std::initializer_list<absl::string_view> allowed) const {
  if (!IsMap()) return absl::OkStatus();
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    const std::string& key = it->first.Scalar();
    bool ok = false;
    for (absl::string_view a : allowed) ok = ok || a == key;
    if (!ok) {
      YamlRef at(file_, it->first, path_.empty() ? key : absl::StrCat(path_, ".", key));
      return at.Error(
          absl::StrCat("unknown key '", key, "' (allowed: ", absl::StrJoin(allowed, ", "), ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status YamlRef::ExpectMap() const {
  if (IsMap()) return absl::OkStatus();
  return Error(node_.IsDefined() ? "expected a map (key: value)" : "missing");
}
absl::Status YamlRef::ExpectSeq() const {
  if (IsSeq()) return absl::OkStatus();
  return Error(node_.IsDefined() ? "expected a list" : "missing");
}
absl::Status YamlRef::ExpectScalar() const {
  if (IsScalar()) return absl::OkStatus();
  return Error(node_.IsDefined() ? "expected a single value" : "missing");
}

bool ParseYamlUint(absl::string_view t, uint64_t* out) {
  t = absl::StripAsciiWhitespace(t);
  int base = 10;
  if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) base = 16;
  if (t.size() > 2 && t[0] == '0' && (t[1] == 'o' || t[1] == 'O')) base = 8;
  if (t.size() > 2 && t[0] == '0' && (t[1] == 'b' || t[1] == 'B')) base = 2;
  if (base != 10) t.remove_prefix(2);
  if (t.empty()) return false;
  std::string s(t);
  for (char& c : s) {
    if (c == '_') c = ' ';  // 1_000_000 is not accepted: keep numbers unambiguous
  }
  errno = 0;
  char* end = nullptr;
  unsigned long long v = strtoull(s.c_str(), &end, base);
  if (errno != 0 || end == s.c_str() || *end != '\0' || s[0] == '-' || s[0] == '+' || s[0] == ' ') {
    return false;
  }
  *out = v;
  return true;
}

bool ParseYamlInt(absl::string_view t, int64_t* out) {
  t = absl::StripAsciiWhitespace(t);
  bool neg = false;
  if (!t.empty() && (t[0] == '-' || t[0] == '+')) {
    neg = t[0] == '-';
    t.remove_prefix(1);
  }
  uint64_t u;
  if (!ParseYamlUint(t, &u)) return false;
  if (neg) {
    if (u > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    *out = static_cast<int64_t>(0 - u);
  } else {
    if (u > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(u);
  }
  return true;
}

absl::StatusOr<int64_t> YamlRef::Int() const {
  if (!IsScalar()) return Error(node_.IsDefined() ? "expected an integer" : "missing");
  int64_t v;
  if (IsQuoted() || !ParseYamlInt(Scalar(), &v)) {
    return Error(absl::StrCat("expected an integer, got '", Scalar(), "'"));
  }
  return v;
}

absl::StatusOr<uint64_t> YamlRef::Uint() const {
  if (!IsScalar()) return Error(node_.IsDefined() ? "expected an integer" : "missing");
  uint64_t v;
  if (IsQuoted() || !ParseYamlUint(Scalar(), &v)) {
    return Error(absl::StrCat("expected a non-negative integer, got '", Scalar(), "'"));
  }
  return v;
}

absl::StatusOr<double> YamlRef::Double() const {
  if (!IsScalar()) return Error(node_.IsDefined() ? "expected a number" : "missing");
  double v;
  if (IsQuoted() || !absl::SimpleAtod(Scalar(), &v)) {
    return Error(absl::StrCat("expected a number, got '", Scalar(), "'"));
  }
  return v;
}

absl::StatusOr<bool> YamlRef::Bool() const {
  if (!IsScalar()) return Error(node_.IsDefined() ? "expected true or false" : "missing");
  const std::string& s = Scalar();
  if (s == "true" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "no" || s == "off") return false;
  return Error(absl::StrCat("expected true or false, got '", s, "'"));
}

absl::StatusOr<std::string> YamlRef::String() const {
  if (!IsScalar()) return Error(node_.IsDefined() ? "expected a string" : "missing");
  return Scalar();
}

absl::StatusOr<absl::Duration> YamlRef::Duration() const {
  if (!IsScalar()) return Error(node_.IsDefined() ? "expected a duration" : "missing");
  auto d = ParseDuration(Scalar(), "duration");
  if (!d.ok()) {
    return Error(
        absl::StrCat("expected a duration with a unit (500ms, 1s, 2m), got '", Scalar(), "'"));
  }
  return *d;
}

absl::StatusOr<double> YamlRef::Fraction() const {
  if (!IsScalar()) return Error(node_.IsDefined() ? "expected a fraction" : "missing");
  std::string s = Scalar();
  double v;
  bool pct = !s.empty() && s.back() == '%';
  if (pct) s.pop_back();
  if (!absl::SimpleAtod(s, &v)) {
    return Error(absl::StrCat("expected a fraction like 10% or 0.1, got '", Scalar(), "'"));
  }
  if (pct) v /= 100;
  if (v < 0 || v > 1) return Error(absl::StrCat("'", Scalar(), "' is outside 0..100%"));
  return v;
}

}  // namespace fleetsim
