// Copyright fleetsim authors.

#include "src/worker_channel.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/str_cat.h"

namespace fleetsim {

namespace {
// Large enough for any scenario file we accept (the master refuses bigger ones).
constexpr size_t kMaxPacket = 1 << 20;
}  // namespace

absl::Status MakeChannel(int fds[2]) {
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, fds) != 0) {
    return absl::InternalError(absl::StrCat("socketpair: ", strerror(errno)));
  }
  fcntl(fds[0], F_SETFD, FD_CLOEXEC);
  int buf = static_cast<int>(kMaxPacket + 64);
  for (int i = 0; i < 2; ++i) {
    setsockopt(fds[i], SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
    setsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
  }
  return absl::OkStatus();
}

bool SendControl(int fd, const ControlMsg& msg, const std::string& payload) {
  iovec iov[2] = {{const_cast<ControlMsg*>(&msg), sizeof(msg)},
                  {const_cast<char*>(payload.data()), payload.size()}};
  msghdr mh{};
  mh.msg_iov = iov;
  mh.msg_iovlen = payload.empty() ? 1 : 2;
  for (int tries = 0; tries < 1000; ++tries) {
    ssize_t n = sendmsg(fd, &mh, MSG_NOSIGNAL);
    if (n >= 0) return true;
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return false;
    usleep(1000);  // the peer's queue is full: it is busy, not gone; this is rare and short
  }
  return false;
}

RecvResult RecvControl(int fd, ControlMsg* msg, std::string* payload) {
  std::string buf;
  for (;;) {
    // Peek at the packet's real size first (AF_UNIX SEQPACKET honours MSG_TRUNC), so the
    // buffer is as large as this message and no larger.
    ssize_t len = recv(fd, nullptr, 0, MSG_PEEK | MSG_TRUNC);
    if (len < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN ? RecvResult::kNone : RecvResult::kClosed;
    }
    if (len == 0) return RecvResult::kClosed;
    buf.resize(static_cast<size_t>(len));
    ssize_t n = recv(fd, buf.data(), buf.size(), 0);
    if (n == 0) return RecvResult::kClosed;
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN ? RecvResult::kNone : RecvResult::kClosed;
    }
    if (static_cast<size_t>(n) < sizeof(ControlMsg)) continue;  // not ours: ignore
    memcpy(msg, buf.data(), sizeof(ControlMsg));
    payload->assign(buf.data() + sizeof(ControlMsg), n - sizeof(ControlMsg));
    return RecvResult::kMessage;
  }
}

}  // namespace fleetsim
