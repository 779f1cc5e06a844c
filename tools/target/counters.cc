// Copyright fleetsim authors.

#include "tools/target/counters.h"

#include <iterator>

namespace fleetsim::target {

namespace {
constexpr const char* kCmdCounterNames[] = {"received", "responded", "rejected", "faulted",
                                            "unanswered"};
static_assert(std::size(kCmdCounterNames) == kNumCmdCounters);

constexpr const char* kCounterNames[] = {
    "protocol_errors",       "wrong_port",
    "conn_accepted",         "conn_closed",
    "conn_refused",          "device_sessions_started",
    "device_sessions_ended", "devices_ever",
    "sessions_logged_out",   "sessions_conn_closed",
    "sessions_expired",      "sessions_replaced",
    "device_table_full",     "user_sessions_started",
    "user_sessions_ended",   "users_ever",
    "user_table_full",       "report_payload_bytes",
    "fault_delayed",         "fault_dropped",
    "fault_garbage",         "fault_closed",
    "fault_fragmented",      "fault_busy",
    "fault_stalled",
};
static_assert(std::size(kCounterNames) == kNumCounters);
static_assert(static_cast<int>(Counter::kFaultStalled) == kNumCounters - 1);
}  // namespace

const char* CmdCounterName(CmdCounter c) { return kCmdCounterNames[static_cast<int>(c)]; }
const char* CounterName(Counter c) { return kCounterNames[static_cast<int>(c)]; }

void CounterValues::AddFrom(const CounterSlot& slot) {
  for (int c = 0; c < kNumCommands; ++c) {
    for (int k = 0; k < kNumCmdCounters; ++k) {
      cmd[c][k] += slot.cmd[c][k].load(std::memory_order_relaxed);
    }
  }
  for (int i = 0; i < kNumCounters; ++i) {
    scalar[i] += slot.scalar[i].load(std::memory_order_relaxed);
  }
}

void CounterValues::Add(const CounterValues& other) {
  for (int c = 0; c < kNumCommands; ++c) {
    for (int k = 0; k < kNumCmdCounters; ++k) cmd[c][k] += other.cmd[c][k];
  }
  for (int i = 0; i < kNumCounters; ++i) scalar[i] += other.scalar[i];
}

}  // namespace fleetsim::target
