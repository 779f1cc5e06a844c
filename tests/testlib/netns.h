// Copyright fleetsim authors.
//
// netns: a private network namespace for a test, so socket counts (/proc/net/sockstat)
// are exactly the test's own, whatever else the machine runs.

#ifndef FLEETSIM_TESTS_TESTLIB_NETNS_H_
#define FLEETSIM_TESTS_TESTLIB_NETNS_H_

#include <string>

namespace fleetsim::testing {

// Moves the calling thread (and the processes it starts) into a fresh network namespace
// with loopback up, and back on destruction. /proc/net/sockstat's inuse and tw are per
// namespace, so there the agent counts exactly our sockets, whatever else this machine
// runs. Needs CAP_SYS_ADMIN; ok() says whether it worked.
class ScopedNetns {
 public:
  ScopedNetns();
  ~ScopedNetns();
  ScopedNetns(const ScopedNetns&) = delete;
  ScopedNetns& operator=(const ScopedNetns&) = delete;
  bool ok() const { return ok_ && error_.empty(); }
  const std::string& error() const { return error_; }

 private:
  int orig_ = -1;
  bool ok_ = false;
  std::string error_;
};

}  // namespace fleetsim::testing

#endif  // FLEETSIM_TESTS_TESTLIB_NETNS_H_
