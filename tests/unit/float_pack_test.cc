// Copyright fleetsim authors.

#include "src/float_pack.h"

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>

#include "gtest/gtest.h"

namespace fleetsim {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

uint16_t Pack(double x) {
  bool overflow;
  return PackHalf(x, &overflow);
}

TEST(FloatPackTest, EveryHalfBitPatternRoundTrips) {
  for (uint32_t h = 0; h <= 0xffff; ++h) {
    const double d = UnpackHalf(static_cast<uint16_t>(h));
    const bool nan = (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0;
    ASSERT_EQ(std::isnan(d), nan) << h;
    if (nan) {
      ASSERT_EQ(std::signbit(d), (h & 0x8000) != 0) << h;
    }
    // NaN payloads are not kept (as Python 3.11): only the sign and the quiet bit survive.
    const uint16_t want = nan ? static_cast<uint16_t>((h & 0x8000) | 0x7e00) : h;
    bool overflow = true;
    ASSERT_EQ(PackHalf(d, &overflow), want) << std::hex << h;
    ASSERT_FALSE(overflow) << std::hex << h;
  }
}

TEST(FloatPackTest, HalfMidpointsRoundHalfToEven) {
  // Between consecutive finite halves a and a+1 (same sign) the exact midpoint rounds to the
  // one with an even significand; a hair above rounds up, a hair below down.
  for (uint32_t h = 0; h < 0x7bff; ++h) {
    for (uint16_t sign : {0, 0x8000}) {
      const uint16_t a = static_cast<uint16_t>(h | sign);
      const uint16_t b = static_cast<uint16_t>((h + 1) | sign);
      const double mid = (UnpackHalf(a) + UnpackHalf(b)) / 2;  // Exact in a double.
      ASSERT_EQ(Pack(mid), h % 2 == 0 ? a : b) << std::hex << h;
      ASSERT_EQ(Pack(std::nextafter(mid, 0.0)), a) << std::hex << h;
      ASSERT_EQ(Pack(std::nextafter(mid, sign ? -kInf : kInf)), b) << std::hex << h;
    }
  }
}

TEST(FloatPackTest, HalfOverflowAndUnderflow) {
  bool overflow;
  EXPECT_EQ(PackHalf(std::nextafter(65520.0, 0.0), &overflow), 0x7bff);  // 65504.
  EXPECT_FALSE(overflow);
  EXPECT_EQ(PackHalf(65520.0, &overflow), 0x7c00);  // The tie goes to even: inf.
  EXPECT_TRUE(overflow);
  EXPECT_EQ(PackHalf(-1e300, &overflow), 0xfc00);
  EXPECT_TRUE(overflow);
  EXPECT_EQ(PackHalf(kInf, &overflow), 0x7c00);  // Infinity itself is not an overflow.
  EXPECT_FALSE(overflow);
  EXPECT_EQ(PackHalf(0x1p-25, &overflow), 0x0000);  // Half the smallest subnormal: even.
  EXPECT_EQ(PackHalf(-0x1p-26, &overflow), 0x8000);
  EXPECT_EQ(PackHalf(5e-324, &overflow), 0x0000);
  EXPECT_EQ(PackHalf(-0.0, &overflow), 0x8000);
  EXPECT_EQ(PackHalf(-std::numeric_limits<double>::quiet_NaN(), &overflow), 0xfe00);
  EXPECT_FALSE(overflow);
  EXPECT_EQ(UnpackHalf(0x0001), 0x1p-24);
  EXPECT_EQ(UnpackHalf(0x7bff), 65504.0);
  EXPECT_EQ(UnpackHalf(0xfc00), -kInf);
}

TEST(FloatPackTest, FloatRoundsLikeACastAndReportsOverflow) {
  bool overflow;
  EXPECT_EQ(PackFloat(1.5, &overflow), 1.5f);
  EXPECT_FALSE(overflow);
  const double max = FLT_MAX;
  EXPECT_EQ(PackFloat(max + 0x1p103 - 0x1p75, &overflow), FLT_MAX);  // Just below the tie.
  EXPECT_FALSE(overflow);
  EXPECT_EQ(PackFloat(-(max + 0x1p102), &overflow), -FLT_MAX);
  EXPECT_FALSE(overflow);
  EXPECT_EQ(PackFloat(max + 0x1p103, &overflow), std::numeric_limits<float>::infinity());
  EXPECT_TRUE(overflow);
  EXPECT_EQ(PackFloat(-1e300, &overflow), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(overflow);
  EXPECT_EQ(PackFloat(-kInf, &overflow), -std::numeric_limits<float>::infinity());
  EXPECT_FALSE(overflow);
  EXPECT_TRUE(std::isnan(PackFloat(std::nan(""), &overflow)));
  EXPECT_FALSE(overflow);
  EXPECT_EQ(PackFloat(1e-50, &overflow), 0.0f);
  EXPECT_EQ(PackFloat(1 + 0x1p-24, &overflow), 1.0f);  // Tie to even.
  EXPECT_EQ(PackFloat(1 + 3 * 0x1p-24, &overflow), 1 + 0x1p-22f);
}

}  // namespace
}  // namespace fleetsim
