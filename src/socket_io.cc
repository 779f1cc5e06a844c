// Copyright fleetsim authors.

#include "src/socket_io.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24  // Linux >= 4.2; older glibc headers lack it
#endif

namespace fleetsim {

ErrorClass ClassifyErrno(int err) {
  switch (err) {
    case ECONNREFUSED:
      return ErrorClass::kRefused;
    case ECONNRESET:
    case EPIPE:
    case ECONNABORTED:
      return ErrorClass::kReset;
    case ETIMEDOUT:
      return ErrorClass::kConnectTimeout;
    case EADDRNOTAVAIL:
    case EADDRINUSE:
      return ErrorClass::kAddrUnavailable;
    case EMFILE:
    case ENFILE:
      return ErrorClass::kFdExhausted;
    default:
      return ErrorClass::kOther;
  }
}

ConnectResult StartConnect(const sockaddr_in& dst, const in_addr* src, int* fd, ErrorClass* cls) {
  *fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (*fd < 0) {
    *cls = ClassifyErrno(errno);
    return ConnectResult::kError;
  }
  // Requests and answers are small and latency is what we measure: no Nagle.
  int one = 1;
  setsockopt(*fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (src != nullptr) {
    setsockopt(*fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
    sockaddr_in s{};
    s.sin_family = AF_INET;
    s.sin_addr = *src;
    if (bind(*fd, reinterpret_cast<const sockaddr*>(&s), sizeof(s)) != 0) {
      *cls = ClassifyErrno(errno);
      close(*fd);
      *fd = -1;
      return ConnectResult::kError;
    }
  }
  if (connect(*fd, reinterpret_cast<const sockaddr*>(&dst), sizeof(dst)) == 0) {
    return ConnectResult::kConnected;
  }
  if (errno == EINPROGRESS) return ConnectResult::kInProgress;
  *cls = ClassifyErrno(errno);
  close(*fd);
  *fd = -1;
  return ConnectResult::kError;
}

bool FinishConnect(int fd, ErrorClass* cls) {
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err == 0) return true;
  *cls = ClassifyErrno(err);
  return false;
}

IoResult ReadSome(int fd, char* buf, size_t cap, size_t* n, ErrorClass* cls) {
  for (;;) {
    ssize_t r = read(fd, buf, cap);
    if (r > 0) {
      *n = static_cast<size_t>(r);
      return IoResult::kOk;
    }
    if (r == 0) return IoResult::kClosed;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return IoResult::kRetry;
    *cls = ClassifyErrno(errno);
    return IoResult::kError;
  }
}

IoResult WriteSome(int fd, const char* buf, size_t len, size_t* n, ErrorClass* cls) {
  for (;;) {
    ssize_t r = send(fd, buf, len, MSG_NOSIGNAL);
    if (r >= 0) {
      *n = static_cast<size_t>(r);
      return r > 0 ? IoResult::kOk : IoResult::kRetry;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return IoResult::kRetry;
    *cls = ClassifyErrno(errno);
    return IoResult::kError;
  }
}

}  // namespace fleetsim
