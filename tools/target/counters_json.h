// Copyright fleetsim authors.
//
// counters_json: renders the merged counters as the one JSON object fleetsim-target
// writes to --counters_file (and logs). Tests and tools read this shape; keys may be
// added, never renamed:
//   {"commands": {"LOGIN": {"received", "responded", "rejected", "faulted", "unanswered"},
//                 "HEARTBEAT": {...}, "LOGOUT", "REPORT", "USER_LOGIN", "QUERY", "UNKNOWN"},
//    "protocol_errors": n,
//    "connections": {"accepted", "open", "closed", "refused"},
//    "devices": {"online", "ever", "table_full"},
//    "users": {"ever", "online", "table_full"},
//    "faults": {"delayed", "dropped", "garbage", "closed", "fragmented", "busy", "stalled"},
//    "sessions": {"started", "ended", "logged_out", "conn_closed", "expired", "replaced"},
//    "wrong_port": n, "report_payload_bytes": n,
//    "snapshot": n, "final": bool, "procs": n, "pid": n, "uptime_s": x,
//    "per_proc": [{"index", "pid", "connections": {"accepted", "open"}, "received"}]}
// Pure.

#ifndef FLEETSIM_TOOLS_TARGET_COUNTERS_JSON_H_
#define FLEETSIM_TOOLS_TARGET_COUNTERS_JSON_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tools/target/counters.h"

namespace fleetsim::target {

struct ProcCounters {
  int index = 0;
  int64_t pid = 0;
  CounterValues values;
};

struct CountersReport {
  uint64_t snapshot = 0;  // increments with every write, so a reader can wait for a new one
  bool final = false;     // written at exit
  int64_t pid = 0;        // the master's
  double uptime_s = 0;
  CounterValues totals;  // the sum over per_proc
  std::vector<ProcCounters> per_proc;
};

// One line of JSON, no trailing newline.
std::string CountersJson(const CountersReport& report);

}  // namespace fleetsim::target

#endif  // FLEETSIM_TOOLS_TARGET_COUNTERS_JSON_H_
