// Copyright fleetsim authors.

#include "src/duration.h"

#include "gtest/gtest.h"

namespace fleetsim {
namespace {

TEST(DurationTest, ParsesUnits) {
  EXPECT_EQ(*ParseDuration("500ms", "--x"), absl::Milliseconds(500));
  EXPECT_EQ(*ParseDuration("1s", "--x"), absl::Seconds(1));
  EXPECT_EQ(*ParseDuration("2m", "--x"), absl::Minutes(2));
  EXPECT_EQ(*ParseDuration("1h30m", "--x"), absl::Minutes(90));
  EXPECT_EQ(*ParseDuration(" 250us ", "--x"), absl::Microseconds(250));
  EXPECT_EQ(*ParseDuration("0", "--x"), absl::ZeroDuration());
}

TEST(DurationTest, RefusesBareNumbersGarbageAndNegatives) {
  auto bare = ParseDuration("30", "--duration");
  ASSERT_FALSE(bare.ok());
  EXPECT_NE(bare.status().message().find("--duration"), std::string::npos);
  EXPECT_NE(bare.status().message().find("no unit"), std::string::npos);
  EXPECT_FALSE(ParseDuration("fast", "--x").ok());
  EXPECT_FALSE(ParseDuration("", "--x").ok());
  EXPECT_FALSE(ParseDuration("-1s", "--x").ok());
}

}  // namespace
}  // namespace fleetsim
