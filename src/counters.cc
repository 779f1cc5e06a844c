// Copyright fleetsim authors.

#include "src/counters.h"

namespace fleetsim {

const char* ErrorClassName(ErrorClass c) {
  switch (c) {
    case ErrorClass::kTimeout:
      return "timeout";
    case ErrorClass::kConnectTimeout:
      return "connect_timeout";
    case ErrorClass::kRefused:
      return "refused";
    case ErrorClass::kReset:
      return "reset";
    case ErrorClass::kClosedByPeer:
      return "closed_by_peer";
    case ErrorClass::kMalformed:
      return "malformed";
    case ErrorClass::kCheckFailed:
      return "check_failed";
    case ErrorClass::kUnexpected:
      return "unexpected";
    case ErrorClass::kAddrUnavailable:
      return "addr_unavailable";
    case ErrorClass::kFdExhausted:
      return "fd_exhausted";
    case ErrorClass::kOther:
      return "other";
    case ErrorClass::kNumClasses:
      break;
  }
  return "?";
}

const char* CounterName(Counter c) {
  switch (c) {
    case Counter::kConnectOk:
      return "connect_ok";
    case Counter::kConnectFailed:
      return "connect_failed";
    case Counter::kReconnects:
      return "reconnects";
    case Counter::kClosed:
      return "closed";
    case Counter::kMsgSent:
      return "sent";
    case Counter::kMsgReceived:
      return "received";
    case Counter::kBytesSent:
      return "bytes_sent";
    case Counter::kBytesReceived:
      return "bytes_received";
    case Counter::kExpected:
      return "expected";
    case Counter::kMissed:
      return "missed";
    case Counter::kBehindSchedule:
      return "behind_schedule";
    case Counter::kBehindSkipped:
      return "behind_skipped";
    case Counter::kPeriodicSkipped:
      return "periodic_skipped";
    case Counter::kGaveUp:
      return "gave_up";
    case Counter::kMembersStarted:
      return "members_started";
    case Counter::kMembersStopped:
      return "members_stopped";
    case Counter::kWorkerRespawns:
      return "worker_respawns";
    case Counter::kMembersLost:
      return "members_lost";
    case Counter::kReloadsOk:
      return "reloads_ok";
    case Counter::kReloadsFailed:
      return "reloads_failed";
    case Counter::kErrorsBase:
    case Counter::kNumCounters:
      break;
  }
  return "?";
}

}  // namespace fleetsim
