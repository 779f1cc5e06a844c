// Copyright fleetsim authors.

#include "tests/testlib/testdata.h"

#include <stdlib.h>

namespace fleetsim::testing {

std::string TestDataPath(const std::string& rel) {
  const char* src = getenv("FLEETSIM_SRC_DIR");
  const std::string root = src != nullptr && *src != '\0' ? src : ".";
  return root + "/tests/testdata/" + rel;
}

SysRoots FixtureRoots(const std::string& tree) {
  SysRoots r;
  r.proc = TestDataPath(tree + "/proc");
  r.sys = TestDataPath(tree + "/sys");
  return r;
}

}  // namespace fleetsim::testing
