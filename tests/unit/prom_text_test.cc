// Copyright fleetsim authors.

#include "src/prom_text.h"

#include "gtest/gtest.h"
#include "tests/testlib/prom_check.h"

namespace fleetsim {
namespace {

TEST(SnakeCaseTest, KernelKeysBecomeLintCleanNames) {
  EXPECT_EQ(SnakeCase("MemAvailable"), "mem_available");
  EXPECT_EQ(SnakeCase("Active(anon)"), "active_anon");
  EXPECT_EQ(SnakeCase("SReclaimable"), "sreclaimable");
  EXPECT_EQ(SnakeCase("SUnreclaim"), "sunreclaim");
  EXPECT_EQ(SnakeCase("SecPageTables"), "secpage_tables");  // "sec" would lint as a unit
  EXPECT_EQ(SnakeCase("DirectMap2M"), "direct_map2m");
  EXPECT_EQ(SnakeCase("HugePages_Total"), "huge_pages_total");
  EXPECT_EQ(SnakeCase("Committed_AS"), "committed_as");
  EXPECT_EQ(SnakeCase("NFS_Unstable"), "nfs_unstable");
  EXPECT_EQ(SnakeCase("TCPSynRetrans"), "tcp_syn_retrans");
  EXPECT_EQ(SnakeCase("CurrEstab"), "curr_estab");
  EXPECT_EQ(SnakeCase("TcpExt"), "tcp_ext");
  EXPECT_EQ(SnakeCase("ListenOverflows"), "listen_overflows");
  EXPECT_EQ(SnakeCase("InOctets"), "in_octets");
}

TEST(FormatPromValueTest, ShortestExact) {
  EXPECT_EQ(FormatPromValue(254.58), "254.58");
  EXPECT_EQ(FormatPromValue(0), "0");
  EXPECT_EQ(FormatPromValue(1942405120), "1942405120");
  EXPECT_EQ(FormatPromValue(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatPromValue(1.0 / 0.0), "+Inf");
  EXPECT_EQ(FormatPromValue(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(FormatPromValue(0.0 / 0.0), "NaN");
}

TEST(PromTextTest, RendersFamiliesTogetherWithEscapes) {
  PromText m;
  m.Family("a_total", PromType::kCounter, "First \\ family\nwith newline.");
  m.Family("b", PromType::kGauge, "Second.");
  m.Family("empty", PromType::kGauge, "Never rendered.");
  m.Add("a_total", {{"device", "x\"y\\z\nw"}}, uint64_t{5});
  m.Add("b", 1.5);
  m.Add("a_total", {{"device", "q"}}, uint64_t{18446744073709551615u});
  EXPECT_TRUE(m.Has("b"));
  EXPECT_FALSE(m.Has("c"));
  const std::string text = m.Render();
  EXPECT_EQ(text,
            "# HELP a_total First \\\\ family\\nwith newline.\n"
            "# TYPE a_total counter\n"
            "a_total{device=\"x\\\"y\\\\z\\nw\"} 5\n"
            "a_total{device=\"q\"} 18446744073709551615\n"
            "# HELP b Second.\n"
            "# TYPE b gauge\n"
            "b 1.5\n");
  EXPECT_TRUE(testing::PromFormatProblems(text).empty());
}

TEST(PromTextTest, LabelValuesAreMadeUtf8) {
  PromText m;
  m.Family("x", PromType::kGauge, "X.");
  const std::string bad_name = std::string("eth") + '\xff' + "0";  // not UTF-8
  m.Add("x", {{"device", bad_name}}, 1.0);
  EXPECT_EQ(m.Render(), "# HELP x X.\n# TYPE x gauge\nx{device=\"eth?0\"} 1\n");
}

TEST(PromCheckTest, CatchesWhatPromtoolWould) {
  using testing::PromFormatProblems;
  EXPECT_FALSE(PromFormatProblems("# HELP x_total a\n# TYPE x_total gauge\nx_total 1\n").empty());
  EXPECT_FALSE(PromFormatProblems("# HELP x a\n# TYPE x counter\nx 1\n").empty());
  EXPECT_FALSE(
      PromFormatProblems("# HELP memTotal a\n# TYPE memTotal gauge\nmemTotal 1\n").empty());
  EXPECT_FALSE(PromFormatProblems("# HELP x_s a\n# TYPE x_s gauge\nx_s 1\n").empty());
  EXPECT_FALSE(PromFormatProblems("# TYPE x gauge\nx 1\n").empty());  // no HELP
  EXPECT_FALSE(PromFormatProblems("# HELP x a\n# TYPE x gauge\nx abc\n").empty());
  EXPECT_FALSE(PromFormatProblems("# HELP x a\n# TYPE x gauge\nx 1").empty());  // no \n
  EXPECT_FALSE(
      PromFormatProblems("# HELP x a\n# TYPE x gauge\nx{a=\"1\"} 1\nx{a=\"1\"} 2\n").empty());
  EXPECT_FALSE(PromFormatProblems("# HELP x a\n# TYPE x gauge\nx 1\n"
                                  "# HELP y a\n# TYPE y gauge\ny 1\nx 2\n")
                   .empty());
  EXPECT_TRUE(
      PromFormatProblems("# HELP x a\n# TYPE x gauge\nx{a=\"1\",b=\"\\n\"} -Inf\n").empty());
}

}  // namespace
}  // namespace fleetsim
