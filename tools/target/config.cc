// Copyright fleetsim authors.

#include "tools/target/config.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tools/target/session_table.h"

namespace fleetsim::target {

namespace {

absl::Status Invalid(absl::string_view flag, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", why));
}

absl::Status CheckRatio(absl::string_view flag, double v) {
  if (!std::isfinite(v) || v < 0 || v > 1) {
    return Invalid(flag, absl::StrCat(v, " is not a ratio in [0, 1]"));
  }
  return absl::OkStatus();
}

absl::Status CheckRange(absl::string_view flag, int64_t v, int64_t lo, int64_t hi) {
  if (v < lo || v > hi) return Invalid(flag, absl::StrCat(v, " is outside [", lo, ", ", hi, "]"));
  return absl::OkStatus();
}

absl::Status CheckSeconds(absl::string_view flag, double v) {
  if (!std::isfinite(v) || v < 0 || v > 1e6) {
    return Invalid(flag, absl::StrCat(v, " is not a number of seconds in [0, 1e6]"));
  }
  return absl::OkStatus();
}

absl::Status CheckDir(absl::string_view flag, const std::string& path) {
  if (path.empty()) return absl::OkStatus();
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  if (access(dir.c_str(), W_OK | X_OK) != 0) {
    return Invalid(flag, absl::StrCat("directory '", dir, "' of '", path,
                                      "' does not exist or is not writable"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::array<int, kNumPorts>> ParsePorts(absl::string_view text) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, ',');
  if (parts.size() != kNumPorts) {
    return Invalid("ports", absl::StrCat("'", text, "' must be three ports: access,report,user"));
  }
  std::array<int, kNumPorts> ports{};
  for (int i = 0; i < kNumPorts; ++i) {
    int p;
    if (!absl::SimpleAtoi(parts[i], &p) || p < 1 || p > 65535) {
      return Invalid("ports", absl::StrCat("'", parts[i], "' is not a port in 1..65535"));
    }
    for (int j = 0; j < i; ++j) {
      if (ports[j] == p) return Invalid("ports", absl::StrCat("port ", p, " appears twice"));
    }
    ports[i] = p;
  }
  return ports;
}

absl::Status ValidateConfig(const TargetConfig& c) {
  in_addr addr;
  if (inet_pton(AF_INET, c.host.c_str(), &addr) != 1) {
    return Invalid("host", absl::StrCat("'", c.host, "' is not an IPv4 address"));
  }
  for (int p : c.ports) {
    if (p < 1 || p > 65535) return Invalid("ports", absl::StrCat(p, " is not a port"));
  }
  if (auto s = CheckRange("procs", c.procs, 0, kMaxProcs); !s.ok()) return s;
  if (auto s = CheckRange("max_connections", c.max_connections, 1, int64_t{100000000}); !s.ok()) {
    return s;
  }
  if (auto s = CheckRange("heartbeat_s", c.heartbeat_s, 1, 65535); !s.ok()) return s;
  if (auto s = CheckRange("max_devices", c.max_devices, 1, SessionTable::kMaxEntriesLimit);
      !s.ok()) {
    return s;
  }
  if (auto s = CheckRange("max_users", c.max_users, 1, SessionTable::kMaxEntriesLimit); !s.ok()) {
    return s;
  }
  const FaultConfig& f = c.faults;
  if (auto s = CheckRange("delay_ms", f.delay_ms, 0, 3600000); !s.ok()) return s;
  if (auto s = CheckRange("delay_jitter_ms", f.delay_jitter_ms, 0, 3600000); !s.ok()) return s;
  if (auto s = CheckRatio("drop_ratio", f.drop_ratio); !s.ok()) return s;
  if (auto s = CheckRatio("garbage_ratio", f.garbage_ratio); !s.ok()) return s;
  if (auto s = CheckRatio("close_ratio", f.close_ratio); !s.ok()) return s;
  if (auto s = CheckRatio("busy_ratio", f.busy_ratio); !s.ok()) return s;
  const double response_faults = f.drop_ratio + f.garbage_ratio + f.close_ratio;
  if (response_faults > 1 + 1e-9) {
    return Invalid("drop_ratio",
                   absl::StrCat("drop_ratio + garbage_ratio + close_ratio = ", response_faults,
                                " is over 1 (they are exclusive outcomes)"));
  }
  if (auto s = CheckSeconds("stall_at_s", f.stall_at_s); !s.ok()) return s;
  if (auto s = CheckSeconds("stall_for_s", f.stall_for_s); !s.ok()) return s;
  return absl::OkStatus();
}

absl::Status CheckOutputPaths(const TargetConfig& c) {
  if (auto s = CheckDir("counters_file", c.counters_file); !s.ok()) return s;
  return CheckDir("ready_file", c.ready_file);
}

absl::StatusOr<ProcPlan> PlanProcs(const TargetConfig& c, int cores, uint64_t fd_limit) {
  ProcPlan plan;
  if (fd_limit < kFdHeadroom + 16) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the open-files limit (RLIMIT_NOFILE) is ", fd_limit, "; fleetsim-target needs at least ",
        kFdHeadroom + 16, " per process (raise it with ulimit -n)"));
  }
  plan.conns_per_proc = static_cast<int64_t>(fd_limit) - kFdHeadroom;
  if (c.procs > 0) {
    plan.procs = c.procs;
  } else {
    const int64_t needed = (c.max_connections + plan.conns_per_proc - 1) / plan.conns_per_proc;
    if (needed > kMaxProcs) {
      return absl::FailedPreconditionError(
          absl::StrCat("--max_connections=", c.max_connections, " needs ", needed, " processes of ",
                       plan.conns_per_proc, " connections (open-files limit ", fd_limit, " - ",
                       kFdHeadroom, "); the most is ", kMaxProcs));
    }
    plan.procs = static_cast<int>(std::max<int64_t>(needed, cores));
  }
  plan.short_of_max = plan.procs * plan.conns_per_proc < c.max_connections;
  return plan;
}

}  // namespace fleetsim::target
