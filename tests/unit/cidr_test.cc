// Copyright fleetsim authors.

#include "src/cidr.h"

#include "gtest/gtest.h"
#include "src/net_address.h"

namespace fleetsim {
namespace {

SockAddr A(const std::string& hp) { return *ParseNumericHostPort(hp); }

TEST(CidrTest, ParsesAndMatchesIpv4) {
  Cidr c = *Cidr::Parse("10.1.0.0/16");
  EXPECT_EQ(c.ToString(), "10.1.0.0/16");
  EXPECT_TRUE(c.Contains(A("10.1.2.3:1").get()));
  EXPECT_TRUE(c.Contains(A("10.1.255.255:1").get()));
  EXPECT_FALSE(c.Contains(A("10.2.0.1:1").get()));
  EXPECT_FALSE(c.Contains(A("[::1]:1").get()));
  Cidr host = *Cidr::Parse("127.0.0.2");
  EXPECT_EQ(host.ToString(), "127.0.0.2/32");
  EXPECT_TRUE(host.Contains(A("127.0.0.2:5").get()));
  EXPECT_FALSE(host.Contains(A("127.0.0.1:5").get()));
  Cidr odd = *Cidr::Parse("192.168.0.128/25");
  EXPECT_TRUE(odd.Contains(A("192.168.0.200:1").get()));
  EXPECT_FALSE(odd.Contains(A("192.168.0.127:1").get()));
  EXPECT_TRUE(Cidr::Parse("0.0.0.0/0")->Contains(A("8.8.8.8:1").get()));
}

TEST(CidrTest, Ipv6AndMappedIpv4) {
  Cidr v6 = *Cidr::Parse("fd00::/8");
  EXPECT_TRUE(v6.Contains(A("[fd12::1]:1").get()));
  EXPECT_FALSE(v6.Contains(A("[fe80::1]:1").get()));
  // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d; they match IPv4 prefixes.
  Cidr lo = *Cidr::Parse("127.0.0.0/8");
  EXPECT_TRUE(lo.Contains(A("[::ffff:127.0.0.1]:1").get()));
  EXPECT_FALSE(lo.Contains(A("[::ffff:10.0.0.1]:1").get()));
}

TEST(CidrTest, RefusesBadInput) {
  EXPECT_FALSE(Cidr::Parse("").ok());
  EXPECT_FALSE(Cidr::Parse("10.0.0.0/33").ok());
  EXPECT_FALSE(Cidr::Parse("10.0.0.0/-1").ok());
  EXPECT_FALSE(Cidr::Parse("10.0.0.0/x").ok());
  EXPECT_FALSE(Cidr::Parse("host.example/8").ok());
  EXPECT_FALSE(Cidr::Parse("10.1.2.3/8").ok());  // host bits set: a likely typo
  EXPECT_FALSE(Cidr::Parse("::1/129").ok());
}

TEST(AllowListTest, DefaultIsLoopbackOnly) {
  AllowList l = AllowList::Loopback();
  EXPECT_EQ(l.ToString(), "127.0.0.0/8,::1/128");
  EXPECT_TRUE(l.Allows(A("127.0.0.1:1").get()));
  EXPECT_TRUE(l.Allows(A("127.9.9.9:1").get()));
  EXPECT_TRUE(l.Allows(A("[::1]:1").get()));
  EXPECT_FALSE(l.Allows(A("10.0.0.1:1").get()));
  EXPECT_FALSE(l.Allows(A("[::2]:1").get()));
}

TEST(AllowListTest, ParsesLists) {
  AllowList l = *AllowList::Parse(" 10.0.0.0/8 , 192.168.1.7,,::1/128 ");
  EXPECT_EQ(l.ToString(), "10.0.0.0/8,192.168.1.7/32,::1/128");
  EXPECT_TRUE(l.Allows(A("192.168.1.7:1").get()));
  EXPECT_FALSE(l.Allows(A("127.0.0.1:1").get()));
  EXPECT_FALSE(AllowList::Parse("").ok());
  EXPECT_FALSE(AllowList::Parse(",,").ok());
  EXPECT_FALSE(AllowList::Parse("10.0.0.0/8,bogus").ok());
}

}  // namespace
}  // namespace fleetsim
