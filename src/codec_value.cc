// Copyright fleetsim authors.
//
// The codec's Value: conversions, text and identity. (Formats are in codec.cc.)

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "src/codec.h"

namespace fleetsim {

std::string Value::Text() const {
  switch (kind()) {
    case Value::Kind::kInt:
      return absl::StrCat(int_value());
    case Value::Kind::kUint:
      return absl::StrCat(uint_value());
    case Value::Kind::kFloat:
      return absl::StrFormat("%.17g", float_value());
    case Value::Kind::kBytes:
      return absl::StrCat("\"", absl::CHexEscape(bytes_value()), "\"");
  }
  return "";
}

uint64_t Value::ToIntegerBits() const {
  switch (kind_) {
    case Kind::kInt:
      return static_cast<uint64_t>(payload_.i);
    case Kind::kUint:
      return payload_.u;
    case Kind::kFloat: {
      const double d = payload_.d;
      if (std::isnan(d)) return 0;
      // Saturate: converting an out-of-range double is undefined behaviour in C++.
      if (d >= 0x1p63) return uint64_t{INT64_MAX};
      if (d < -0x1p63) return static_cast<uint64_t>(INT64_MIN);
      return static_cast<uint64_t>(static_cast<int64_t>(d));
    }
    case Kind::kBytes:
      return 0;
  }
  return 0;
}

double Value::ToDouble() const {
  switch (kind_) {
    case Kind::kInt:
      return static_cast<double>(payload_.i);
    case Kind::kUint:
      return static_cast<double>(payload_.u);
    case Kind::kFloat:
      return payload_.d;
    case Kind::kBytes:
      return 0.0;
  }
  return 0.0;
}

bool Value::ToBool() const {
  switch (kind_) {
    case Kind::kInt:
      return payload_.i != 0;
    case Kind::kUint:
      return payload_.u != 0;
    case Kind::kFloat:
      return payload_.d != 0.0;  // NaN != 0.0, and bool(nan) is True in Python.
    case Kind::kBytes:
      return size_ != 0;
  }
  return false;
}

std::string Value::DebugString() const {
  switch (kind_) {
    case Kind::kInt:
      return absl::StrCat("int ", Text());
    case Kind::kUint:
      return absl::StrCat("uint ", Text());
    case Kind::kFloat:
      return absl::StrCat("float ", Text());
    case Kind::kBytes:
      return absl::StrCat("bytes ", Text());
  }
  return "";
}

bool operator==(const Value& a, const Value& b) {
  if (a.kind_ != b.kind_) return false;
  switch (a.kind_) {
    case Value::Kind::kInt:
    case Value::Kind::kUint:
    case Value::Kind::kFloat: {
      uint64_t x, y;  // Bit patterns: a float NaN equals itself, 0.0 differs from -0.0.
      std::memcpy(&x, &a.payload_, sizeof x);
      std::memcpy(&y, &b.payload_, sizeof y);
      return x == y;
    }
    case Value::Kind::kBytes:
      return a.bytes_value() == b.bytes_value();
  }
  return false;
}

}  // namespace fleetsim
