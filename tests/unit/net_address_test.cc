// Copyright fleetsim authors.

#include "src/net_address.h"

#include <netinet/in.h>

#include "gtest/gtest.h"

namespace fleetsim {
namespace {

TEST(NetAddressTest, SplitHostPort) {
  std::string host;
  int port;
  ASSERT_TRUE(SplitHostPort("127.0.0.1:9310", &host, &port).ok());
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 9310);
  ASSERT_TRUE(SplitHostPort("[::1]:80", &host, &port).ok());
  EXPECT_EQ(host, "::1");
  ASSERT_TRUE(SplitHostPort("server.example:9310", &host, &port).ok());
  EXPECT_EQ(host, "server.example");
  EXPECT_FALSE(SplitHostPort("127.0.0.1", &host, &port).ok());
  EXPECT_FALSE(SplitHostPort("127.0.0.1:0", &host, &port).ok());
  EXPECT_TRUE(SplitHostPort("127.0.0.1:0", &host, &port, /*allow_port_zero=*/true).ok());
  EXPECT_FALSE(SplitHostPort("127.0.0.1:65536", &host, &port).ok());
  EXPECT_FALSE(SplitHostPort(":80", &host, &port).ok());
  EXPECT_FALSE(SplitHostPort("::1:80", &host, &port).ok());  // unbracketed v6
  EXPECT_FALSE(SplitHostPort("[::1]80", &host, &port).ok());
}

TEST(NetAddressTest, NumericAndFormat) {
  absl::StatusOr<SockAddr> v4 = ParseNumericHostPort("127.0.0.5:9310");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->family(), AF_INET);
  EXPECT_EQ(FormatSockAddr(v4->get()), "127.0.0.5:9310");
  absl::StatusOr<SockAddr> v6 = ParseNumericHostPort("[::1]:1");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->family(), AF_INET6);
  EXPECT_EQ(FormatSockAddr(v6->get()), "[::1]:1");
  EXPECT_EQ(FormatSockAddr(ParseNumericHostPort("[::ffff:10.0.0.1]:2")->get()), "10.0.0.1:2");
  EXPECT_FALSE(ParseNumericHostPort("localhost:80").ok());
}

TEST(NetAddressTest, ResolvesNames) {
  absl::StatusOr<SockAddr> a = ResolveHostPort("localhost:9310");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(FormatSockAddr(a->get()), "127.0.0.1:9310");  // IPv4 preferred
  EXPECT_TRUE(ResolveHostPort("127.0.0.1:1").ok());
  EXPECT_FALSE(ResolveHostPort("no-such-host.invalid:1").ok());
}

}  // namespace
}  // namespace fleetsim
