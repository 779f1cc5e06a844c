// Copyright fleetsim authors.
//
// testdata: paths of checked-in fixtures under tests/testdata, found from
// $FLEETSIM_SRC_DIR (set by tests/run_tests.sh) or the current directory.

#ifndef FLEETSIM_TESTS_TESTLIB_TESTDATA_H_
#define FLEETSIM_TESTS_TESTLIB_TESTDATA_H_

#include <string>

#include "src/proc_file.h"

namespace fleetsim::testing {

// <src>/tests/testdata/<rel>
std::string TestDataPath(const std::string& rel);

// SysRoots of a fixture tree <src>/tests/testdata/<tree> holding proc/ and sys/.
SysRoots FixtureRoots(const std::string& tree);

}  // namespace fleetsim::testing

#endif  // FLEETSIM_TESTS_TESTLIB_TESTDATA_H_
