// Copyright fleetsim authors.
//
// plan: how many worker processes, and whether the fleet fits this host at all, decided
// before any socket opens. Inputs: the Program, the host's limits (open files per process,
// ephemeral ports), and --workers. A request that cannot fit is refused with a message
// that says what to change. Pure.

#ifndef FLEETSIM_SRC_PLAN_H_
#define FLEETSIM_SRC_PLAN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/program.h"
#include "src/syslimits.h"

namespace fleetsim {

// File descriptors a worker keeps for itself (epoll, control channel, signalfd, logs).
inline constexpr uint64_t kReservedFds = 64;
inline constexpr uint32_t kMaxWorkers = 4096;
// Connections one worker holds at most, whatever the open-files limit: a connection borrows
// a buffer by a 16-bit index (BufferPool), and one loop past ~60k sockets gains nothing over
// two. With LimitNOFILE=1048576 a million devices are 17 workers, not one per core.
inline constexpr uint64_t kMaxConnsPerWorker = 60000;

struct Plan {
  uint32_t workers = 1;
  uint64_t members = 0;            // every role's count
  uint64_t kept_conns = 0;         // connections held at once with every member online
  uint64_t fds_per_worker = 0;     // the most any worker needs when all are online
  uint64_t fd_budget = 0;          // what one worker may use (open-files limit - reserve)
  std::vector<std::string> notes;  // warnings worth logging (slow port search ahead, ...)
  std::string ToString() const;
};

// REQUIRES: `requested_workers` is 0 (decide) or the --workers value.
absl::StatusOr<Plan> MakePlan(const Program& p, const SysLimits& limits,
                              uint32_t requested_workers);

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_PLAN_H_
