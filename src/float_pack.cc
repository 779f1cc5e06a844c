// Copyright fleetsim authors.

#include "src/float_pack.h"

#include <cfloat>
#include <cmath>

namespace fleetsim {

// CPython's PyFloat_Pack2 step for step, rather than a bit-twiddling conversion, so that
// every rounding decision (into subnormals, the carry out of the fraction) is the same.
uint16_t PackHalf(double x, bool* overflow) {
  *overflow = false;
  unsigned sign = 0;
  int e = 0;
  unsigned bits = 0;
  if (x == 0.0) {
    sign = std::signbit(x) ? 1 : 0;
    e = 0;
    bits = 0;
  } else if (std::isinf(x)) {
    sign = x < 0.0;
    e = 0x1f;
    bits = 0;
  } else if (std::isnan(x)) {
    // The quiet NaN with only the top fraction bit set; Python 3.11 keeps only the sign.
    sign = std::signbit(x) ? 1 : 0;
    e = 0x1f;
    bits = 512;
  } else {
    sign = x < 0.0;
    if (sign) x = -x;
    double f = std::frexp(x, &e);  // x = f * 2^e, f in [0.5, 1).
    f *= 2.0;
    e--;
    if (e >= 16) {
      *overflow = true;
    } else if (e < -25) {
      f = 0.0;  // Below half the smallest subnormal: rounds to zero.
      e = 0;
    } else if (e < -14) {
      f = std::ldexp(f, 14 + e);  // Subnormal.
      e = 0;
    } else {
      e += 15;
      f -= 1.0;  // Drop the implicit leading 1.
    }
    if (!*overflow) {
      f *= 1024.0;
      bits = static_cast<unsigned>(f);  // Truncates; the remainder decides the rounding.
      if (f - bits > 0.5 || (f - bits == 0.5 && bits % 2 == 1)) {
        if (++bits == 1024) {  // The carry ran out of the fraction.
          bits = 0;
          if (++e == 31) *overflow = true;
        }
      }
    }
    if (*overflow) {
      e = 0x1f;  // Infinity.
      bits = 0;
    }
  }
  return static_cast<uint16_t>((sign << 15) | (static_cast<unsigned>(e) << 10) | bits);
}

double UnpackHalf(uint16_t h) {
  const bool sign = h >> 15;
  int e = (h >> 10) & 0x1f;
  const unsigned f = h & 0x3ff;
  if (e == 0x1f) {
    if (f == 0) return sign ? -HUGE_VAL : HUGE_VAL;
    return std::copysign(std::nan(""), sign ? -1.0 : 1.0);
  }
  double x = f / 1024.0;
  if (e == 0) {
    e = -14;
  } else {
    x += 1.0;
    e -= 15;
  }
  x = std::ldexp(x, e);
  return sign ? -x : x;
}

// Python casts; a cast of a finite double beyond FLT_MAX is undefined in C++, so those are
// rounded by hand: half an ulp of FLT_MAX is 2^103, and the tie goes to the even neighbour,
// which is inf because FLT_MAX's significand is odd.
float PackFloat(double x, bool* overflow) {
  *overflow = false;
  if (std::isfinite(x) && std::fabs(x) > FLT_MAX) {
    constexpr double kOverflowFrom = static_cast<double>(FLT_MAX) + 0x1p103;
    if (std::fabs(x) >= kOverflowFrom) {
      *overflow = true;
      return x < 0 ? -HUGE_VALF : HUGE_VALF;
    }
    return x < 0 ? -FLT_MAX : FLT_MAX;
  }
  return static_cast<float>(x);
}

}  // namespace fleetsim
