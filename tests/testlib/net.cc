// Copyright fleetsim authors.

#include "tests/testlib/net.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "absl/time/clock.h"
#include "glog/logging.h"

namespace fleetsim::testing {

std::vector<int> FreePorts(int n) {
  std::vector<int> fds, ports;
  for (int i = 0; i < n; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    PCHECK(fd >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    PCHECK(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
    socklen_t len = sizeof(a);
    PCHECK(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    fds.push_back(fd);  // held open until all are picked, so the n ports differ
    ports.push_back(ntohs(a.sin_port));
  }
  for (int fd : fds) close(fd);
  return ports;
}

TestConn::~TestConn() { Close(); }
TestConn::TestConn(TestConn&& o) noexcept : fd_(std::exchange(o.fd_, -1)), eof_(o.eof_) {}
TestConn& TestConn::operator=(TestConn&& o) noexcept {
  if (this != &o) {
    Close();
    fd_ = std::exchange(o.fd_, -1);
    eof_ = o.eof_;
  }
  return *this;
}

void TestConn::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

namespace {
int RemainingMs(absl::Time deadline) {
  int64_t ms = absl::ToInt64Milliseconds(deadline - absl::Now());
  return ms < 0 ? 0 : static_cast<int>(ms);
}
}  // namespace

bool TestConn::Connect(const std::string& host, int port, absl::Duration timeout,
                       const std::string& src) {
  Close();
  eof_ = false;
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return false;
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (!src.empty()) {
    sockaddr_in s{};
    s.sin_family = AF_INET;
    inet_pton(AF_INET, src.c_str(), &s.sin_addr);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&s), sizeof(s)) != 0) return false;
  }
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  if (inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1) return false;
  int r = connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  if (r != 0 && errno != EINPROGRESS) return false;
  pollfd p{fd_, POLLOUT, 0};
  if (poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(timeout))) != 1) return false;
  int err = 0;
  socklen_t len = sizeof(err);
  getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
  return err == 0;
}

bool TestConn::Send(const std::string& bytes) {
  size_t off = 0;
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (off < bytes.size()) {
    ssize_t n = send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n > 0) {
      off += n;
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
    pollfd p{fd_, POLLOUT, 0};
    if (poll(&p, 1, RemainingMs(deadline)) != 1) return false;
  }
  return true;
}

bool TestConn::ReadExact(size_t n, std::string* out, absl::Duration timeout) {
  out->clear();
  const absl::Time deadline = absl::Now() + timeout;
  char buf[4096];
  while (out->size() < n) {
    size_t want = std::min(sizeof(buf), n - out->size());
    ssize_t r = recv(fd_, buf, want, 0);
    if (r > 0) {
      out->append(buf, r);
      continue;
    }
    if (r == 0) {
      eof_ = true;
      return false;
    }
    if (errno == ECONNRESET) {
      eof_ = true;
      return false;
    }
    if (errno != EAGAIN && errno != EINTR) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, RemainingMs(deadline)) != 1) return false;
  }
  return true;
}

bool TestConn::WaitClosed(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  char buf[4096];
  for (;;) {
    ssize_t r = recv(fd_, buf, sizeof(buf), 0);
    if (r == 0 || (r < 0 && errno == ECONNRESET)) {
      eof_ = true;
      return true;
    }
    if (r > 0) continue;
    if (errno != EAGAIN && errno != EINTR) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, RemainingMs(deadline)) != 1) return false;
  }
}

}  // namespace fleetsim::testing
