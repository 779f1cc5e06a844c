// Copyright fleetsim authors.
//
// socket_io: the few socket calls a worker makes, each returning a closed enum, with errno
// mapped to an ErrorClass once, here. Non-blocking throughout.

#ifndef FLEETSIM_SRC_SOCKET_IO_H_
#define FLEETSIM_SRC_SOCKET_IO_H_

#include <netinet/in.h>
#include <sys/types.h>

#include <cstddef>

#include "src/counters.h"

namespace fleetsim {

enum class IoResult {
  kOk,      // some bytes moved (the count is returned separately)
  kRetry,   // EAGAIN: wait for readiness
  kClosed,  // orderly EOF from the peer
  kError,   // a socket error; see the ErrorClass
};

ErrorClass ClassifyErrno(int err);

enum class ConnectResult { kInProgress, kConnected, kError };

// Opens a non-blocking TCP socket to `dst`, bound to `src` first if non-null (with
// IP_BIND_ADDRESS_NO_PORT, so the source port is chosen per 4-tuple at connect time and one
// address serves ~28k connections per destination). On kError, *fd is -1 (closed) and
// *cls says why.
ConnectResult StartConnect(const sockaddr_in& dst, const in_addr* src, int* fd, ErrorClass* cls);

// After writability: whether the connect succeeded (SO_ERROR).
bool FinishConnect(int fd, ErrorClass* cls);

IoResult ReadSome(int fd, char* buf, size_t cap, size_t* n, ErrorClass* cls);
IoResult WriteSome(int fd, const char* buf, size_t len, size_t* n, ErrorClass* cls);

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_SOCKET_IO_H_
