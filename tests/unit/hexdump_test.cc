// Copyright fleetsim authors.

#include "src/hexdump.h"

#include <algorithm>
#include <string>

#include "gtest/gtest.h"

namespace fleetsim {
namespace {

TEST(HexDumpTest, MatchesHexdumpCanonicalOutput) {
  // Expected text from `hexdump -C -v` (util-linux), minus its final offset-only line.
  const struct {
    absl::string_view bytes;
    const char* want;
  } cases[] = {
      {absl::string_view("", 0), ""},
      {absl::string_view("ab", 2),
       "00000000  61 62                                             |ab|\n"},
      {absl::string_view("0123456789abcdef", 16),
       "00000000  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|\n"},
      {absl::string_view("0123456789abcdefg", 17),
       "00000000  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|\n"
       "00000010  67                                                |g|\n"},
      {absl::string_view("01234567", 8),
       "00000000  30 31 32 33 34 35 36 37                           |01234567|\n"},
      {absl::string_view("012345678", 9),
       "00000000  30 31 32 33 34 35 36 37  38                       |012345678|\n"},
      {absl::string_view("\177\200\377\037 ~\000\012", 8),
       "00000000  7f 80 ff 1f 20 7e 00 0a                           |.... ~..|\n"},
      {absl::string_view(
           "\000\001\002\003\004\005\006\007\010\011\012\013\014\015\016\017\020\021\022\023\024"
           "\025\026\027\030\031\032\033\034\035\036\037 "
           "!\042#$%&'\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000",
           56),
       "00000000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  |................|\n"
       "00000010  10 11 12 13 14 15 16 17  18 19 1a 1b 1c 1d 1e 1f  |................|\n"
       "00000020  20 21 22 23 24 25 26 27  00 00 00 00 00 00 00 00  | !\"#$%&'........|\n"
       "00000030  00 00 00 00 00 00 00 00                           |........|\n"},
  };
  for (const auto& c : cases) EXPECT_EQ(HexDump(c.bytes), c.want) << c.bytes.size();
}

TEST(HexDumpTest, OneLinePerSixteenBytesWithByteOffsets) {
  const std::string dump = HexDump(std::string(16 * 3 + 1, 'x'));
  EXPECT_EQ(std::count(dump.begin(), dump.end(), '\n'), 4);
  EXPECT_NE(dump.find("\n00000030  78 "), std::string::npos) << dump;
  EXPECT_EQ(dump.substr(dump.size() - 4), "|x|\n");
}

}  // namespace
}  // namespace fleetsim
