// Copyright fleetsim authors.
//
// config: fleetsim-target's configuration, each field named after the flag that sets it;
// its validation (clear messages naming the flag and the value), and the process plan
// (how many processes, how many connections each may hold). Flags are read once, in
// target_main.cc, into a TargetConfig; nothing else reads FLAGS_*.

#ifndef FLEETSIM_TOOLS_TARGET_CONFIG_H_
#define FLEETSIM_TOOLS_TARGET_CONFIG_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tools/target/command.h"
#include "tools/target/fault_plan.h"

namespace fleetsim::target {

// File descriptors each process keeps for itself besides connections (3 listeners, the
// control and ready pipes, epoll, stdio, log files) with room to spare.
inline constexpr int kFdHeadroom = 64;
// More processes than this is a mistake, not a plan.
inline constexpr int kMaxProcs = 256;

struct TargetConfig {
  std::string host = "127.0.0.1";                         // --host (IPv4)
  std::array<int, kNumPorts> ports = {7101, 7102, 7103};  // --ports: access, report, user
  int procs = 0;                                          // --procs; 0: auto (PlanProcs)
  int64_t max_connections = 200000;  // --max_connections: what auto --procs plans for
  int heartbeat_s = 30;              // --heartbeat_s: told in LOGIN_ACK; expiry at 3x
  std::string counters_file;         // --counters_file: "" = log only
  std::string ready_file;            // --ready_file: "" = none
  uint64_t seed = 1;                 // --seed: fault PRNG seed (plus process index)
  uint32_t max_devices = 1u << 20;   // --max_devices: distinct devices the table admits
  uint32_t max_users = 1u << 18;     // --max_users: distinct users the table admits
  FaultConfig faults;                // --delay_ms ... --stall_for_s

  // Sessions end after 3 heartbeat intervals without a HEARTBEAT.
  int64_t session_ttl_ms() const { return 3000LL * heartbeat_s; }
};

// Parses --ports: exactly three distinct ports in 1..65535, "access,report,user".
absl::StatusOr<std::array<int, kNumPorts>> ParsePorts(absl::string_view text);

// Checks every field's range; the message names the flag and the value seen.
absl::Status ValidateConfig(const TargetConfig& config);

// Checks that the directories of --counters_file and --ready_file exist and are writable.
absl::Status CheckOutputPaths(const TargetConfig& config);

struct ProcPlan {
  int procs = 0;               // worker processes to fork
  int64_t conns_per_proc = 0;  // connections each may hold (its open-files cap - headroom)
  bool short_of_max = false;   // explicit --procs cannot hold --max_connections
};

// Plans the processes: each holds up to fd_limit - kFdHeadroom connections; auto (procs 0)
// forks enough for max_connections and at least one per core.
// REQUIRES: ValidateConfig(config).ok(). cores >= 1.
absl::StatusOr<ProcPlan> PlanProcs(const TargetConfig& config, int cores, uint64_t fd_limit);

}  // namespace fleetsim::target

#endif  // FLEETSIM_TOOLS_TARGET_CONFIG_H_
