// Copyright fleetsim authors.

#include "src/byte_literal.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace fleetsim {
namespace {

std::string Hex(absl::string_view bytes) { return absl::BytesToHexString(bytes); }

TEST(ParseHexBytesTest, AcceptsEverySeparatorAndPrefixStyle) {
  const struct {
    const char* text;
    const char* hex;  // Expected bytes, as plain hex.
  } cases[] = {
      {"02 00 0a", "02000a"},
      {"02000a", "02000a"},
      {"0x02,0x00", "0200"},
      {"0X02, 0x0A", "020a"},
      {"02:00:0a", "02000a"},
      {"0x0200 0a", "02000a"},
      {"  de AD\tbe\nEF\r\n", "deadbeef"},
      {",,02::,03 ,", "0203"},
      {"00", "00"},
      {"ff", "ff"},
      {"", ""},
      {" :, ", ""},
  };
  for (const auto& c : cases) {
    absl::StatusOr<std::string> got = ParseHexBytes(c.text);
    ASSERT_TRUE(got.ok()) << c.text << ": " << got.status();
    EXPECT_EQ(Hex(*got), c.hex) << c.text;
  }
}

TEST(ParseHexBytesTest, ErrorsNameTheOffset) {
  const struct {
    const char* text;
    const char* message;
  } cases[] = {
      {"02 0g",
       "bad char 'g' at offset 4 in '02 0g'; write hex digit pairs, optionally after 0x, "
       "separated by ' ', ':' or ','"},
      {"0x02x", "bad char 'x' at offset 4"},
      {"00x02", "bad char 'x' at offset 2"},
      {"02-03", "bad char '-' at offset 2"},
      {"02;03", "bad char ';' at offset 2"},
      {"\x01", "bad char '\\x01' at offset 0 in '\\x01'"},
      {"0x01,0x2",
       "odd number of hex digits in '0x2' at offset 5 in '0x01,0x2'; write two digits per "
       "byte, e.g. 0x02 not 0x2"},
      {"123", "odd number of hex digits in '123' at offset 0"},
      {"0a 0", "odd number of hex digits in '0' at offset 3"},
      {"0x", "'0x' without hex digits at offset 0 in '0x'"},
      {"01 0x, 02", "'0x' without hex digits at offset 3"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<std::string> got = ParseHexBytes(c.text);
    ASSERT_FALSE(got.ok()) << c.text;
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(got.status().message().find(c.message), absl::string_view::npos)
        << c.text << "\n got: " << got.status().message() << "\nwant: " << c.message;
  }
}

TEST(ParseEscapedBytesTest, CEscapes) {
  const struct {
    const char* text;
    const char* hex;
  } cases[] = {
      {"GET / HTTP/1.1\\r\\n", "474554202f20485454502f312e310d0a"},
      {"\\x02\\x00\\x0a", "02000a"},
      {"\\x0aBC", "0a4243"},  // Exactly two hex digits, not C's greedy run.
      {"\\xFF\\xfe", "fffe"},
      {"a\\0b", "610062"},
      {"\\0", "00"},
      {"\\00", "00"},
      {"\\000", "00"},
      {"\\0000", "0030"},  // At most three octal digits.
      {"\\012\\377\\1\\18",
       "0aff0101"
       "38"},
      {"\\a\\b\\f\\n\\r\\t\\v", "0708 0c0a0d090b"},
      {"\\\\ \\' \\\" \\?", "5c20272022203f"},
      {"caf\xc3\xa9", "636166c3a9"},  // Other bytes stand for themselves.
      {"", ""},
      {"plain", "706c61696e"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<std::string> got = ParseEscapedBytes(c.text);
    ASSERT_TRUE(got.ok()) << c.text << ": " << got.status();
    std::string want = c.hex;
    want.erase(std::remove(want.begin(), want.end(), ' '), want.end());
    EXPECT_EQ(Hex(*got), want) << c.text;
  }
}

TEST(ParseEscapedBytesTest, ErrorsNameTheOffset) {
  const struct {
    const char* text;
    const char* message;
  } cases[] = {
      {"abc\\q", "unknown escape '\\q' at offset 3 in 'abc\\q'"},
      {"\\8", "unknown escape '\\8' at offset 0"},
      {"\\e", "unknown escape '\\e'"},
      {"\\u00e9", "unknown escape '\\u'"},
      {"ab\\", "lone backslash at the end at offset 2 in 'ab\\'"},
      {"\\x", "\\x without two hex digits at offset 0 in '\\x'; write e.g. \\x0a"},
      {"\\x4", "\\x without two hex digits"},
      {"a\\x4g", "\\x without two hex digits at offset 1"},
      {"\\xg0", "\\x without two hex digits"},
      {"x\\400", "octal escape '\\400' above \\377 at offset 1 in 'x\\400'"},
      {"\\777", "octal escape '\\777' above \\377"},
      {"\\\x01", "unknown escape '\\\\x01' at offset 0"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<std::string> got = ParseEscapedBytes(c.text);
    ASSERT_FALSE(got.ok()) << c.text;
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(got.status().message().find(c.message), absl::string_view::npos)
        << c.text << "\n got: " << got.status().message() << "\nwant: " << c.message;
  }
}

TEST(ByteLiteralTest, HexAndEscapesAgreeOnEveryByte) {
  for (int b = 0; b < 256; ++b) {
    const std::string byte(1, static_cast<char>(b));
    EXPECT_EQ(*ParseHexBytes(Hex(byte)), byte) << b;
    EXPECT_EQ(*ParseHexBytes("0x" + Hex(byte)), byte) << b;
    EXPECT_EQ(*ParseEscapedBytes("\\x" + Hex(byte)), byte) << b;
    char octal[8];
    std::snprintf(octal, sizeof octal, "\\%o", b);
    EXPECT_EQ(*ParseEscapedBytes(octal), byte) << b;
  }
}

}  // namespace
}  // namespace fleetsim
