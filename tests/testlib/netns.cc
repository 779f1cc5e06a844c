// Copyright fleetsim authors.

#include "tests/testlib/netns.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "glog/logging.h"

namespace fleetsim::testing {

ScopedNetns::ScopedNetns() {
  orig_ = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (orig_ < 0 || unshare(CLONE_NEWNET) != 0) {
    error_ = strerror(errno);
    return;
  }
  ok_ = true;
  const int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq ifr{};
  strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) error_ = strerror(errno);
  }
  close(s);
}

ScopedNetns::~ScopedNetns() {
  if (ok_) PCHECK(setns(orig_, CLONE_NEWNET) == 0);
  if (orig_ >= 0) close(orig_);
}

}  // namespace fleetsim::testing
