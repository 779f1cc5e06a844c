// Copyright fleetsim authors.
//
// wait: tests wait on conditions with a bound, never on a bare sleep.

#ifndef FLEETSIM_TESTS_TESTLIB_WAIT_H_
#define FLEETSIM_TESTS_TESTLIB_WAIT_H_

#include <functional>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace fleetsim::testing {

// Polls `cond` every `poll` until it holds (returns true) or `timeout` passes (false).
inline bool WaitUntil(const std::function<bool()>& cond, absl::Duration timeout,
                      absl::Duration poll = absl::Milliseconds(20)) {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    if (cond()) return true;
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(poll);
  }
}

}  // namespace fleetsim::testing

#endif  // FLEETSIM_TESTS_TESTLIB_WAIT_H_
