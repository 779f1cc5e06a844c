// Copyright fleetsim authors.

#include "tools/target/listen_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace fleetsim::target {

absl::StatusOr<UniqueFd> BindTcp4(const std::string& host, int port, bool reuse_port) {
  const std::string where = absl::StrCat(host, ":", port);
  UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return absl::InternalError(absl::StrCat("socket: ", strerror(errno)));
  int one = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (reuse_port && setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) {
    return absl::InternalError(absl::StrCat("SO_REUSEPORT on ", where, ": ", strerror(errno)));
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("'", host, "' is not an IPv4 address"));
  }
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return absl::UnavailableError(absl::StrCat("bind ", where, ": ", strerror(errno)));
  }
  return fd;
}

absl::StatusOr<UniqueFd> ListenReusePort(const std::string& host, int port) {
  absl::StatusOr<UniqueFd> fd = BindTcp4(host, port, /*reuse_port=*/true);
  if (!fd.ok()) return fd;
  if (listen(fd->get(), 65535) != 0) {  // the kernel caps it at somaxconn
    return absl::UnavailableError(absl::StrCat("listen ", host, ":", port, ": ", strerror(errno)));
  }
  return fd;
}

}  // namespace fleetsim::target
