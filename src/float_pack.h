// Copyright fleetsim authors.
//
// float_pack: IEEE 754 half (binary16) and single (binary32) conversions exactly as CPython
// 3.11's PyFloat_Pack2/Pack4/Unpack2 do them, for the codec's 'e' and 'f' codes. Pure
// functions of their arguments; no state.

#ifndef FLEETSIM_SRC_FLOAT_PACK_H_
#define FLEETSIM_SRC_FLOAT_PACK_H_

#include <cstdint>

namespace fleetsim {

// The binary16 bit pattern nearest to x, ties to even, with gradual underflow to subnormals
// and zero. NaN becomes the quiet NaN 0x7e00 with x's sign (payloads are dropped, as Python
// 3.11 does). Sets *overflow iff Python would raise OverflowError (|x| rounds beyond 65504,
// i.e. |x| >= 65520, x finite); the result is then +/-inf (0x7c00 / 0xfc00).
// REQUIRES: overflow != nullptr.
uint16_t PackHalf(double x, bool* overflow);

// The value of a binary16 bit pattern. NaNs decode to the quiet NaN of the same sign.
double UnpackHalf(uint16_t h);

// (float)x, but without the undefined behaviour C++ gives a finite double beyond the float
// range: such values round to +/-FLT_MAX or, from FLT_MAX + 2^103 up (ties to even), to
// +/-inf. Sets *overflow iff the result is infinite while x is finite, which is where Python
// raises OverflowError. REQUIRES: overflow != nullptr.
float PackFloat(double x, bool* overflow);

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_FLOAT_PACK_H_
