// Copyright fleetsim authors.
//
// mono_clock: CLOCK_MONOTONIC in nanoseconds, the one clock latency is measured with.
// ev_now() is not used for latency: libev freezes it while callbacks run.

#ifndef FLEETSIM_SRC_MONO_CLOCK_H_
#define FLEETSIM_SRC_MONO_CLOCK_H_

#include <time.h>

#include <cstdint>

namespace fleetsim {

inline int64_t MonoNanos() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Wall clock, for timestamps that leave the process (protocol fields, log lines).
inline int64_t WallNanos() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_MONO_CLOCK_H_
