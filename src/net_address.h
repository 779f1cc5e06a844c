// Copyright fleetsim authors.
//
// net_address: "host:port" <-> sockaddr for the agent's --listen and the collector's
// --agents. IPv6 literals are bracketed ("[::1]:9310"). Control plane only.

#ifndef FLEETSIM_SRC_NET_ADDRESS_H_
#define FLEETSIM_SRC_NET_ADDRESS_H_

#include <sys/socket.h>

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fleetsim {

struct SockAddr {
  sockaddr_storage ss{};
  socklen_t len = 0;
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&ss); }
  int family() const { return ss.ss_family; }
};

// Splits "host:port" / "[v6]:port". Returns InvalidArgument on a missing or bad port;
// port 0 ("any free port") only when `allow_port_zero` (a listener, not a peer).
absl::Status SplitHostPort(absl::string_view text, std::string* host, int* port,
                           bool allow_port_zero = false);

// A numeric address only ("127.0.0.1:9310", "[::1]:9310", "0.0.0.0:9310"); no DNS.
absl::StatusOr<SockAddr> ParseNumericHostPort(absl::string_view text, bool allow_port_zero = false);

// Numeric, else resolved with getaddrinfo (may block on DNS: call before load starts).
// Prefers IPv4 when a name has both.
absl::StatusOr<SockAddr> ResolveHostPort(absl::string_view text);

// "127.0.0.1:9310", "[::1]:9310"; IPv4-mapped IPv6 addresses print as IPv4.
std::string FormatSockAddr(const sockaddr* sa);

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_NET_ADDRESS_H_
