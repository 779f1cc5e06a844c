// Copyright fleetsim authors.
//
// scenario_check: `fleetsim --check`: a human-readable account of a compiled scenario:
// every message member 0 of each role sends, as a hex dump with its decoded fields, and the
// steps each connection runs. For authors checking their formats against a capture.

#ifndef FLEETSIM_SRC_SCENARIO_CHECK_H_
#define FLEETSIM_SRC_SCENARIO_CHECK_H_

#include <string>

#include "src/program.h"

namespace fleetsim {

std::string DescribeProgram(const Program& p);

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_SCENARIO_CHECK_H_
