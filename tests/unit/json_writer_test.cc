// Copyright fleetsim authors.

#include "src/json_writer.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace fleetsim {
namespace {

using nlohmann::json;

// Parses strictly (throws nothing: a parse error is a failed test with the text shown).
json Parse(const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << "not valid JSON: " << text;
  return j;
}

TEST(JsonWriterTest, WritesNestedStructureWithCommas) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("ts");
  w.String("2026-11-26T03:38:02.123Z");
  w.Key("final");
  w.Bool(false);
  w.Key("devices");
  w.BeginObject();
  w.Key("online");
  w.Uint(100000);
  w.Key("backoff");
  w.Int(-3);
  w.EndObject();
  w.Key("empty");
  w.BeginObject();
  w.EndObject();
  w.Key("list");
  w.BeginArray();
  w.Int(1);
  w.BeginArray();
  w.EndArray();
  w.BeginObject();
  w.Key("k");
  w.Null();
  w.EndObject();
  w.Double(0.5, 1);
  w.EndArray();
  w.Key("ok");
  w.Bool(true);
  w.EndObject();
  EXPECT_TRUE(w.done());
  EXPECT_EQ(out, R"({"ts":"2026-11-26T03:38:02.123Z","final":false,"devices":{"online":100000,)"
                 R"("backoff":-3},"empty":{},"list":[1,[],{"k":null},0.5],"ok":true})");
  const json j = Parse(out);
  EXPECT_EQ(j["devices"]["online"], 100000);
  EXPECT_EQ(j["list"].size(), 4u);
  EXPECT_TRUE(j["list"][2]["k"].is_null());
}

TEST(JsonWriterTest, AppendsAndTracksCompletion) {
  std::string out = "prefix ";
  JsonWriter w(&out);
  EXPECT_FALSE(w.done());
  w.BeginObject();
  EXPECT_FALSE(w.done());
  w.EndObject();
  EXPECT_TRUE(w.done());
  EXPECT_EQ(out, "prefix {}");

  std::string scalar;
  JsonWriter s(&scalar);
  s.Int(7);
  EXPECT_TRUE(s.done());
  EXPECT_EQ(scalar, "7");
}

TEST(JsonWriterTest, IntegersAtTheirLimitsSurviveAParse) {
  std::string out;
  JsonWriter w(&out);
  w.BeginArray();
  w.Int(std::numeric_limits<int64_t>::min());
  w.Int(std::numeric_limits<int64_t>::max());
  w.Uint(std::numeric_limits<uint64_t>::max());
  w.Uint(0);
  w.EndArray();
  const json j = Parse(out);
  EXPECT_EQ(j[0].get<int64_t>(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(j[1].get<int64_t>(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(j[2].get<uint64_t>(), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(j[3].get<uint64_t>(), 0u);
}

TEST(JsonWriterTest, DoublesHaveFixedDecimalsAndNonFiniteIsNull) {
  std::string out;
  JsonWriter w(&out);
  w.BeginArray();
  w.Double(20.4, 3);
  w.Double(2.0 / 3, 2);
  w.Double(1.5, 0);
  w.Double(-0.25, 2);
  w.Double(0, 3);
  w.Double(std::nan(""), 3);
  w.Double(std::numeric_limits<double>::infinity(), 3);
  w.Double(-std::numeric_limits<double>::infinity(), 3);
  w.Double(1e300, 1);
  w.Double(1.0, 99);  // Clamped to 17 decimals.
  w.Double(1.0, -4);  // Clamped to 0.
  w.EndArray();
  const std::string expected_prefix = "[20.400,0.67,2,-0.25,0.000,null,null,null,1";
  EXPECT_EQ(out.substr(0, expected_prefix.size()), expected_prefix) << out;
  EXPECT_NE(out.find(",1.00000000000000000,1]"), std::string::npos) << out;
  const json j = Parse(out);
  EXPECT_DOUBLE_EQ(j[0].get<double>(), 20.4);
  EXPECT_TRUE(j[5].is_null());
  EXPECT_TRUE(j[6].is_null());
  EXPECT_DOUBLE_EQ(j[8].get<double>(), 1e300);
}

TEST(JsonWriterTest, EscapesStringsAndKeys) {
  std::string all_controls;
  for (int c = 0; c < 0x20; ++c) all_controls.push_back(static_cast<char>(c));
  const std::string tricky[] = {
      "",
      "plain",
      "quote \" backslash \\ slash /",
      "line\nfeed\ttab\rreturn\bback\fform",
      all_controls,
      std::string("nul\0inside", 10),
      "utf-8: caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80",  // é € 😀
      "\x7F delete",
  };
  for (const std::string& s : tricky) {
    std::string out;
    JsonWriter w(&out);
    w.BeginObject();
    w.Key(s);
    w.String(s);
    w.EndObject();
    const json j = Parse(out);
    ASSERT_TRUE(j.is_object()) << out;
    ASSERT_EQ(j.size(), 1u);
    EXPECT_EQ(j.begin().key(), s) << out;
    EXPECT_EQ(j.begin().value().get<std::string>(), s) << out;
  }
  std::string out;
  JsonWriter w(&out);
  w.String("a\"b\\c\n\x01");
  EXPECT_EQ(out, R"("a\"b\\c\n\u0001")");
}

TEST(JsonWriterTest, InvalidUtf8BecomesReplacementCharacters) {
  struct Case {
    std::string in;
    std::string decoded;  // What a parser reads back.
  };
  const std::string r = "\xEF\xBF\xBD";  // U+FFFD.
  const Case cases[] = {
      {"\xFF", r},
      {"a\x80z", "a" + r + "z"},            // Lone continuation byte.
      {"\xC3", r},                          // Truncated at the end.
      {"\xC3(", r + "("},                   // Truncated in the middle.
      {"\xC0\xAF", r + r},                  // Overlong '/'.
      {"\xE0\x80\xAF", r + r + r},          // Overlong, 3 bytes.
      {"\xED\xA0\x80", r + r + r},          // UTF-16 surrogate.
      {"\xF4\x90\x80\x80", r + r + r + r},  // Above U+10FFFF.
      {"\xF0\x9F\x98", r + r + r},          // Truncated 4-byte sequence.
      {"ok \xE2\x82\xAC \xFE end", "ok \xE2\x82\xAC " + r + " end"},
  };
  for (const Case& c : cases) {
    std::string out;
    JsonWriter w(&out);
    w.String(c.in);
    const json j = Parse(out);
    ASSERT_TRUE(j.is_string()) << out;
    EXPECT_EQ(j.get<std::string>(), c.decoded) << out;
  }
}

TEST(JsonWriterTest, ManyLinesParseOneByOne) {
  std::string lines;
  for (int i = 0; i < 3; ++i) {
    JsonWriter w(&lines);
    w.BeginObject();
    w.Key("i");
    w.Int(i);
    w.EndObject();
    lines.push_back('\n');
  }
  size_t start = 0;
  int n = 0;
  for (size_t nl; (nl = lines.find('\n', start)) != std::string::npos; start = nl + 1) {
    EXPECT_EQ(Parse(lines.substr(start, nl - start))["i"], n);
    ++n;
  }
  EXPECT_EQ(n, 3);
}

TEST(Rfc3339MillisTest, FormatsUtcWithTruncatedMilliseconds) {
  EXPECT_EQ(Rfc3339Millis(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(Rfc3339Millis(1795664282123456789), "2026-11-26T03:38:02.123Z");
  EXPECT_EQ(Rfc3339Millis(1795664282999999999), "2026-11-26T03:38:02.999Z");
  EXPECT_EQ(Rfc3339Millis(1795664282000000000), "2026-11-26T03:38:02.000Z");
  EXPECT_EQ(Rfc3339Millis(951782400000000000), "2000-02-29T00:00:00.000Z");
  EXPECT_EQ(Rfc3339Millis(-1), "1969-12-31T23:59:59.999Z");
}

}  // namespace
}  // namespace fleetsim
