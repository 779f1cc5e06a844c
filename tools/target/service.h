// Copyright fleetsim authors.
//
// service: what each RDP/1 request means. Executes one well-formed request against the
// shared session tables and returns the response to send, counting session events
// (started, ended and why, devices and users ever) in the process's CounterSlot. No I/O,
// no clock of its own (the caller passes the time), no faults (the worker applies those).
// Thread-compatible: one Service per worker process.

#ifndef FLEETSIM_TOOLS_TARGET_SERVICE_H_
#define FLEETSIM_TOOLS_TARGET_SERVICE_H_

#include <cstddef>
#include <cstdint>

#include "tools/target/command.h"
#include "tools/target/counters.h"
#include "tools/target/session_table.h"

namespace fleetsim::target {

// What a request did to the session its connection holds (an access connection holds the
// device session it logged in; a user connection the user session it logged in).
enum class HeldChange : uint8_t {
  kNone,       // Unchanged.
  kSet,        // The connection now holds Reply::held_sid (a new LOGIN or USER_LOGIN).
  kRefreshed,  // Its session got a HEARTBEAT at Reply::held_last_ms.
  kCleared,    // Its session ended (LOGOUT, expiry, or found replaced elsewhere).
};

// One response frame's content. The worker adds the header (seq from the request).
struct Reply {
  uint8_t cmd = 0;  // Response cmd byte (request | 0x80, or 0xFF).
  RdpStatus status = RdpStatus::kOk;
  uint8_t body[9] = {};
  uint8_t body_len = 0;
  HeldChange held = HeldChange::kNone;
  uint32_t held_sid = 0;     // kSet: the session the connection now holds.
  int64_t held_last_ms = 0;  // kSet, kRefreshed: when the session was last heard from.
};

class Service {
 public:
  // `devices` sessions expire after heartbeat_s x 3; `users` sessions never expire.
  // REQUIRES: counters outlives the Service.
  Service(int heartbeat_s, SessionTable devices, SessionTable users, CounterSlot* counters);

  // Executes a request that arrived on `port` from a connection holding session
  // `held_sid` (0: none). A known command on another port, or an unknown command, gets
  // ERROR status 9 (and, if known, counts as wrong_port). now_ms is CLOCK_MONOTONIC (valid
  // across processes), wall_ms the epoch time HEARTBEAT_ACK reports.
  // REQUIRES: on its own port, BodyWellFormed(cmd, body, body_len).
  Reply Handle(Port port, Command cmd, uint8_t cmd_byte, const uint8_t* body, size_t body_len,
               uint32_t held_sid, int64_t now_ms, int64_t wall_ms);

  // The LOGIN_ACK of a LOGIN refused by --busy_ratio (status 2; nothing is executed).
  Reply Busy() const;

  // Ends the session a closing connection on `port` held, if it is still current.
  void EndHeld(Port port, uint32_t sid, int64_t now_ms);

  // For the owner's expiry sweep of a device session: kValid (sets *last_ms), kUnknown
  // (ended or replaced elsewhere), or kExpired (ended now, and counted).
  SessionCheck SweepDevice(uint32_t sid, int64_t now_ms, int64_t* last_ms);

  int64_t device_ttl_ms() const { return devices_.ttl_ms(); }

 private:
  Reply Login(const uint8_t* body, uint32_t held_sid, int64_t now_ms);
  Reply Heartbeat(const uint8_t* body, uint32_t held_sid, int64_t now_ms, int64_t wall_ms);
  Reply Logout(const uint8_t* body, uint32_t held_sid, int64_t now_ms);
  Reply Report(const uint8_t* body, int64_t now_ms);
  Reply UserLogin(const uint8_t* body, uint32_t held_sid, int64_t now_ms);
  Reply Query(const uint8_t* body, int64_t now_ms);
  // Counts a device session this process found expired.
  void CountExpired();
  // Ends device session `sid`, counting `why` (replaced, logged out, connection closed) if
  // it was valid. Returns true iff it was.
  bool EndDeviceSession(uint32_t sid, int64_t now_ms, Counter why);

  int heartbeat_s_;
  SessionTable devices_;
  SessionTable users_;
  CounterSlot* counters_;
};

}  // namespace fleetsim::target

#endif  // FLEETSIM_TOOLS_TARGET_SERVICE_H_
