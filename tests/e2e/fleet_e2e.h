// Copyright fleetsim authors.
//
// fleet_e2e: what end-to-end tests of fleetsim against fleetsim-target share: reading the
// final stats line, and holding it against the target's counters.

#ifndef FLEETSIM_TESTS_E2E_FLEET_E2E_H_
#define FLEETSIM_TESTS_E2E_FLEET_E2E_H_

#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "tests/e2e/target_e2e.h"

namespace fleetsim::testing {

// totals.steps.<step>.<key> of a stats line.
inline uint64_t Step(const Json& line, const char* step, const char* key) {
  return line["totals"]["steps"][step].value(key, uint64_t{0});
}

// The default scenario's steps and the RDP/1 commands they send.
inline const std::vector<std::pair<const char*, const char*>>& RdpSteps() {
  static const auto* steps = new std::vector<std::pair<const char*, const char*>>{
      {"login", "LOGIN"},   {"heartbeat", "HEARTBEAT"},   {"logout", "LOGOUT"},
      {"report", "REPORT"}, {"user_login", "USER_LOGIN"}, {"query", "QUERY"}};
  return *steps;
}

// Every message type: sent by fleetsim = received by the target, and received by fleetsim
// = responded by the target, from the final line alone.
inline void ExpectExactAccounting(const Json& fin, const Json& target) {
  for (const auto& [step, cmd] : RdpSteps()) {
    EXPECT_EQ(Step(fin, step, "sent"), Cmd(target, cmd, "received")) << step;
    EXPECT_EQ(Step(fin, step, "received"), Cmd(target, cmd, "responded")) << step;
  }
}

}  // namespace fleetsim::testing

#endif  // FLEETSIM_TESTS_E2E_FLEET_E2E_H_
