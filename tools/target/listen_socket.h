// Copyright fleetsim authors.
//
// listen_socket: the target's TCP listening sockets. Workers each listen on every port with
// SO_REUSEPORT, and the kernel spreads new connections over them; the master first binds
// each port without it, which fails if anything already listens there (SO_REUSEPORT alone
// would silently share the port with another server of the same user).

#ifndef FLEETSIM_TOOLS_TARGET_LISTEN_SOCKET_H_
#define FLEETSIM_TOOLS_TARGET_LISTEN_SOCKET_H_

#include <string>

#include "absl/status/statusor.h"
#include "src/unique_fd.h"

namespace fleetsim::target {

// A non-blocking, close-on-exec TCP socket bound to host:port (SO_REUSEADDR, so TIME_WAIT
// leftovers do not matter; SO_REUSEPORT iff reuse_port). The error names the address and
// the failing call. REQUIRES: host is an IPv4 address.
absl::StatusOr<UniqueFd> BindTcp4(const std::string& host, int port, bool reuse_port);

// BindTcp4(host, port, /*reuse_port=*/true), then listen() with the largest backlog the
// kernel allows (net.core.somaxconn).
absl::StatusOr<UniqueFd> ListenReusePort(const std::string& host, int port);

}  // namespace fleetsim::target

#endif  // FLEETSIM_TOOLS_TARGET_LISTEN_SOCKET_H_
