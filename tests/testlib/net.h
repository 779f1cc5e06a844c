// Copyright fleetsim authors.
//
// net: loopback helpers for end-to-end tests: free ports and a blocking frame client.

#ifndef FLEETSIM_TESTS_TESTLIB_NET_H_
#define FLEETSIM_TESTS_TESTLIB_NET_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace fleetsim::testing {

// `n` distinct TCP ports on 127.0.0.1 that were free a moment ago (bound, then released).
std::vector<int> FreePorts(int n);

// A blocking TCP client for tests. Every call has a timeout; failures are returned, not
// fatal, so a test can assert on them.
class TestConn {
 public:
  TestConn() = default;
  ~TestConn();
  TestConn(TestConn&& o) noexcept;
  TestConn& operator=(TestConn&& o) noexcept;
  TestConn(const TestConn&) = delete;
  TestConn& operator=(const TestConn&) = delete;

  // Connects to host:port; `src` (optional) binds a source address first.
  bool Connect(const std::string& host, int port, absl::Duration timeout = absl::Seconds(5),
               const std::string& src = "");
  bool Send(const std::string& bytes);
  // Reads exactly n bytes. Returns false on timeout, error or EOF (eof() tells which).
  bool ReadExact(size_t n, std::string* out, absl::Duration timeout = absl::Seconds(5));
  // True once the peer closed (EOF or reset) within `timeout`, having discarded any data.
  bool WaitClosed(absl::Duration timeout = absl::Seconds(5));
  bool eof() const { return eof_; }
  int fd() const { return fd_; }
  void Close();

 private:
  int fd_ = -1;
  bool eof_ = false;
};

}  // namespace fleetsim::testing

#endif  // FLEETSIM_TESTS_TESTLIB_NET_H_
