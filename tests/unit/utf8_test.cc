// Copyright fleetsim authors.

#include "src/utf8.h"

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace fleetsim {
namespace {

using json = nlohmann::json;

TEST(Utf8SafeTest, ReplacesInvalidBytesOnly) {
  EXPECT_EQ(Utf8Safe("plain"), "plain");
  EXPECT_EQ(Utf8Safe("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(Utf8Safe("\xe2\x82\xac"), "\xe2\x82\xac");
  EXPECT_EQ(Utf8Safe("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");
  EXPECT_EQ(Utf8Safe("a\xff"
                     "b"),
            "a?b");
  EXPECT_EQ(Utf8Safe("\xc3"), "?");            // truncated
  EXPECT_EQ(Utf8Safe("\xc0\xaf"), "??");       // overlong
  EXPECT_EQ(Utf8Safe("\xed\xa0\x80"), "???");  // surrogate
  json j = {{"name", Utf8Safe("bad\xfe\xfe")}};
  EXPECT_NO_THROW(j.dump());
}

}  // namespace
}  // namespace fleetsim
