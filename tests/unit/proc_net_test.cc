// Copyright fleetsim authors.

#include "src/proc_net.h"

#include "gtest/gtest.h"
#include "src/proc_file.h"
#include "tests/testlib/testdata.h"

namespace fleetsim {
namespace {

using N = NetDevField;

std::string Read(const std::string& rel) {
  absl::StatusOr<std::string> t = ReadProcFile(testing::TestDataPath(rel));
  EXPECT_TRUE(t.ok()) << t.status();
  return t.value_or("");
}

TEST(NetDevTest, ParsesThisMachinesFile) {
  std::vector<NetDevStat> d = ParseNetDev(Read("proc_real/t0/proc/net/dev"));
  ASSERT_EQ(d.size(), 4u);  // lo ifb0 ifb1 eth0; the two header lines skipped
  const NetDevStat* eth0 = nullptr;
  for (const NetDevStat& n : d) {
    if (n.name == "eth0") eth0 = &n;
  }
  ASSERT_NE(eth0, nullptr);
  EXPECT_EQ((*eth0)[N::kRxBytes], 55724615u);
  EXPECT_EQ((*eth0)[N::kRxPackets], 1285u);
  EXPECT_EQ((*eth0)[N::kTxBytes], 57328u);
  EXPECT_EQ((*eth0)[N::kTxPackets], 712u);
}

TEST(NetDevTest, NoSpaceAfterColonAndOddLines) {
  std::vector<NetDevStat> d = ParseNetDev(
      "Inter-|   Receive |  Transmit\n"
      " face |bytes    packets|bytes\n"
      "  eth0:5000000 4000 1 2 3 4 5 6 3000000 2000 7 8 9 10 11 12\n"
      "  short: 1 2 3\n"
      "  bad: 1 2 3 4 5 6 7 8 x 10 11 12 13 14 15 16\n"
      "  extra: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18\n");
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].name, "eth0");
  EXPECT_EQ(d[0][N::kRxBytes], 5000000u);
  EXPECT_EQ(d[0][N::kRxDrop], 2u);
  EXPECT_EQ(d[0][N::kTxBytes], 3000000u);
  EXPECT_EQ(d[0][N::kTxCompressed], 12u);
  EXPECT_EQ(d[1].name, "extra");
  EXPECT_EQ(d[1][N::kTxCompressed], 16u);
}

TEST(NetDevTest, FieldNamesAreNodeExporters) {
  EXPECT_STREQ(NetDevFieldNameOf(N::kRxBytes).direction, "receive");
  EXPECT_STREQ(NetDevFieldNameOf(N::kRxBytes).what, "bytes");
  EXPECT_STREQ(NetDevFieldNameOf(N::kTxColls).direction, "transmit");
  EXPECT_STREQ(NetDevFieldNameOf(N::kTxColls).what, "colls");
}

TEST(NetSnmpTest, ParsesThisMachinesFiles) {
  ProtoTable snmp = ParseNetSnmp(Read("proc_real/t0/proc/net/snmp"));
  EXPECT_EQ(Lookup(snmp, "Tcp", "MaxConn"), -1);  // signed
  EXPECT_EQ(Lookup(snmp, "Tcp", "ActiveOpens"), 20);
  EXPECT_EQ(Lookup(snmp, "Tcp", "OutSegs"), 768);
  EXPECT_TRUE(Lookup(snmp, "Udp", "InDatagrams").has_value());
  EXPECT_EQ(Lookup(snmp, "IcmpMsg", "InType3"), 1);  // IcmpMsg's columns are dynamic
  ProtoTable netstat = ParseNetSnmp(Read("proc_real/t0/proc/net/netstat"));
  EXPECT_TRUE(Lookup(netstat, "TcpExt", "ListenOverflows").has_value());
  EXPECT_TRUE(Lookup(netstat, "IpExt", "InOctets").has_value());
}

TEST(NetSnmpTest, ExtraColumnAndMismatchedPair) {
  ProtoTable t = ParseNetSnmp(Read("proc_edge/t0/proc/net/snmp"));
  EXPECT_EQ(t.count("Ip"), 0u);                // 3 names, 4 values: dropped
  EXPECT_EQ(Lookup(t, "Icmp", "OutMsgs"), 6);  // the pairs after it still parse
  EXPECT_EQ(Lookup(t, "Tcp", "CurrEstab"), 7);
  EXPECT_EQ(Lookup(t, "Tcp", "FutureColumn"), 42);
  EXPECT_EQ(Lookup(t, "Tcp", "MaxConn"), -1);
  EXPECT_EQ(Lookup(t, "Udp", "OutDatagrams"), 10);
  EXPECT_FALSE(Lookup(t, "Tcp", "Nope").has_value());
  EXPECT_FALSE(Lookup(t, "Nope", "CurrEstab").has_value());
}

TEST(NetSnmpTest, OutOfStepLinesResync) {
  ProtoTable t = ParseNetSnmp(
      "Tcp: A B\n"  // header with no value line
      "Udp: X Y\n"
      "Udp: 1 2\n"
      "Garbage\n"
      "Ip: F\nIp: 9\n"
      "Big: C\nBig: 18446744073709551615\n");  // u64 max keeps its bits
  EXPECT_EQ(t.count("Tcp"), 0u);
  EXPECT_EQ(Lookup(t, "Udp", "Y"), 2);
  EXPECT_EQ(Lookup(t, "Ip", "F"), 9);
  EXPECT_EQ(Lookup(t, "Big", "C"), -1);
}

TEST(SockstatTest, UnknownKeysAndProtocolsKept) {
  ProtoTable t;
  ParseSockstat(Read("proc_edge/t1/proc/net/sockstat"), &t);
  ParseSockstat(Read("proc_edge/t1/proc/net/sockstat6"), &t);
  EXPECT_EQ(Lookup(t, "sockets", "used"), 1150);
  EXPECT_EQ(Lookup(t, "TCP", "inuse"), 1020);
  EXPECT_EQ(Lookup(t, "TCP", "orphan"), 2);
  EXPECT_EQ(Lookup(t, "TCP", "tw"), 30);
  EXPECT_EQ(Lookup(t, "TCP", "alloc"), 1030);
  EXPECT_EQ(Lookup(t, "TCP", "mem"), 100);
  EXPECT_EQ(Lookup(t, "TCP", "pressure"), 0);
  EXPECT_EQ(Lookup(t, "FUTURE", "thing"), 9);
  EXPECT_EQ(Lookup(t, "TCP6", "inuse"), 5);
}

TEST(SockstatTest, ThisMachinesFile) {
  ProtoTable t;
  ParseSockstat(Read("proc_real/t0/proc/net/sockstat"), &t);
  EXPECT_TRUE(Lookup(t, "TCP", "inuse").has_value());
  EXPECT_TRUE(Lookup(t, "FRAG", "memory").has_value());
  ParseSockstat("TCP: inuse\nUDP: inuse x mem 3\n", &t);  // odd lines: no crash
  EXPECT_EQ(Lookup(t, "UDP", "mem"), 3);
}

}  // namespace
}  // namespace fleetsim
