// Copyright fleetsim authors.

#include "tools/target/service.h"

#include "tools/target/big_endian.h"
#include "tools/target/identity.h"

namespace fleetsim::target {

namespace {

// The size of each response body, fixed by the protocol.
uint8_t ResponseBodyLen(Command cmd) {
  switch (cmd) {
    case Command::kLogin:
      return 7;  // !BIH
    case Command::kHeartbeat:
      return 9;  // !BQ
    case Command::kLogout:
      return 1;  // !B
    case Command::kReport:
      return 5;  // !BI
    case Command::kUserLogin:
      return 5;  // !BI
    case Command::kQuery:
      return 6;  // !BBI
    case Command::kUnknown:
      break;
  }
  return 3;  // ERROR !BH
}

// A response with its status set and the rest of its body zero.
Reply Make(Command cmd, RdpStatus status) {
  Reply r;
  r.cmd = CommandByte(cmd) | kResponseBit;
  r.status = status;
  r.body[0] = static_cast<uint8_t>(status);
  r.body_len = ResponseBodyLen(cmd);
  return r;
}

Reply Error(uint8_t cmd_byte) {
  Reply r;
  r.cmd = kErrorCmd;
  r.status = RdpStatus::kUnknownCommand;
  r.body[0] = static_cast<uint8_t>(RdpStatus::kUnknownCommand);
  StoreBe16(r.body + 1, cmd_byte);  // !BH: status, then the cmd as an unsigned short
  r.body_len = 3;
  return r;
}

}  // namespace

Service::Service(int heartbeat_s, SessionTable devices, SessionTable users, CounterSlot* counters)
    : heartbeat_s_(heartbeat_s), devices_(devices), users_(users), counters_(counters) {}

Reply Service::Handle(Port port, Command cmd, uint8_t cmd_byte, const uint8_t* body,
                      size_t body_len, uint32_t held_sid, int64_t now_ms, int64_t wall_ms) {
  (void)body_len;  // every fixed-size body was checked by BodyWellFormed
  if (cmd == Command::kUnknown) return Error(cmd_byte);
  // A known command on another port is refused like an unknown one: the port is part of
  // the protocol, and a client that mixes ports up should hear about it, not be served.
  if (CommandPort(cmd) != port) {
    counters_->Add(Counter::kWrongPort);
    return Error(cmd_byte);
  }
  switch (cmd) {
    case Command::kLogin:
      return Login(body, held_sid, now_ms);
    case Command::kHeartbeat:
      return Heartbeat(body, held_sid, now_ms, wall_ms);
    case Command::kLogout:
      return Logout(body, held_sid, now_ms);
    case Command::kReport:
      return Report(body, now_ms);
    case Command::kUserLogin:
      return UserLogin(body, held_sid, now_ms);
    case Command::kQuery:
      return Query(body, now_ms);
    case Command::kUnknown:
      break;
  }
  return Error(cmd_byte);
}

Reply Service::Busy() const {
  Reply r = Make(Command::kLogin, RdpStatus::kBusy);
  StoreBe16(r.body + 5, static_cast<uint16_t>(heartbeat_s_));
  return r;
}

bool Service::EndDeviceSession(uint32_t sid, int64_t now_ms, Counter why) {
  switch (devices_.End(sid, now_ms)) {
    case SessionCheck::kValid:
      counters_->Add(why);
      counters_->Add(Counter::kDeviceSessionsEnded);
      return true;
    case SessionCheck::kExpired:
      CountExpired();
      return false;
    case SessionCheck::kUnknown:
      return false;
  }
  return false;
}

void Service::CountExpired() {
  counters_->Add(Counter::kSessionsExpired);
  counters_->Add(Counter::kDeviceSessionsEnded);
}

Reply Service::Login(const uint8_t* body, uint32_t held_sid, int64_t now_ms) {
  // LOGIN_ACK !BIH: status, session id, heartbeat interval.
  uint32_t device;
  if (!CheckDeviceIdentity(body, body + kMacSize, &device)) {
    Reply r = Make(Command::kLogin, RdpStatus::kBadIdentity);
    StoreBe16(r.body + 5, static_cast<uint16_t>(heartbeat_s_));  // told even on refusal
    return r;
  }
  // One session per access connection: a LOGIN on a connection that holds one ends it
  // first (counted as replaced), so no session is left without a connection to end it.
  if (held_sid != 0) {
    EndDeviceSession(held_sid, now_ms, Counter::kSessionsReplaced);
  }
  LoginOutcome out = devices_.Login(device, now_ms);
  if (!out.ok) {
    counters_->Add(Counter::kDeviceTableFull);
    Reply r = Busy();
    if (held_sid != 0) r.held = HeldChange::kCleared;
    return r;
  }
  counters_->Add(Counter::kDeviceSessionsStarted);
  if (out.first_seen) counters_->Add(Counter::kDevicesEver);
  switch (out.prior) {
    case SessionCheck::kValid:
      counters_->Add(Counter::kSessionsReplaced);
      counters_->Add(Counter::kDeviceSessionsEnded);
      break;
    case SessionCheck::kExpired:
      CountExpired();
      break;
    case SessionCheck::kUnknown:
      break;
  }
  Reply r = Make(Command::kLogin, RdpStatus::kOk);
  StoreBe32(r.body + 1, out.sid);
  StoreBe16(r.body + 5, static_cast<uint16_t>(heartbeat_s_));
  r.held = HeldChange::kSet;
  r.held_sid = out.sid;
  r.held_last_ms = now_ms;
  return r;
}

Reply Service::Heartbeat(const uint8_t* body, uint32_t held_sid, int64_t now_ms, int64_t wall_ms) {
  // HEARTBEAT_ACK !BQ: status, server time in ms since the epoch.
  const uint32_t sid = LoadBe32(body);
  Reply r;
  switch (devices_.Touch(sid, now_ms)) {
    case SessionCheck::kValid:
      r = Make(Command::kHeartbeat, RdpStatus::kOk);
      if (sid == held_sid) {
        r.held = HeldChange::kRefreshed;
        r.held_last_ms = now_ms;
      }
      break;
    case SessionCheck::kExpired:
      CountExpired();
      r = Make(Command::kHeartbeat, RdpStatus::kUnknownSession);
      if (sid == held_sid) r.held = HeldChange::kCleared;
      break;
    case SessionCheck::kUnknown:
      r = Make(Command::kHeartbeat, RdpStatus::kUnknownSession);
      if (sid == held_sid && sid != 0) r.held = HeldChange::kCleared;
      break;
  }
  StoreBe64(r.body + 1, static_cast<uint64_t>(wall_ms));
  return r;
}

Reply Service::Logout(const uint8_t* body, uint32_t held_sid, int64_t now_ms) {
  // LOGOUT_ACK !B: status.
  const uint32_t sid = LoadBe32(body);
  Reply r;
  r = Make(Command::kLogout, EndDeviceSession(sid, now_ms, Counter::kSessionsLoggedOut)
                                 ? RdpStatus::kOk
                                 : RdpStatus::kUnknownSession);
  if (sid == held_sid && sid != 0) r.held = HeldChange::kCleared;
  return r;
}

Reply Service::Report(const uint8_t* body, int64_t now_ms) {
  // REPORT !IH + payload; REPORT_ACK !BI: status, reports stored for this device so far.
  const uint32_t sid = LoadBe32(body);
  counters_->Add(Counter::kReportPayloadBytes, LoadBe16(body + 4));
  uint32_t reports = 0;
  Reply r;
  switch (devices_.AddReport(sid, now_ms, &reports)) {
    case SessionCheck::kValid:
      r = Make(Command::kReport, RdpStatus::kOk);
      break;
    case SessionCheck::kExpired:
      CountExpired();
      r = Make(Command::kReport, RdpStatus::kUnknownSession);
      break;
    case SessionCheck::kUnknown:
      r = Make(Command::kReport, RdpStatus::kUnknownSession);
      break;
  }
  StoreBe32(r.body + 1, reports);
  return r;
}

Reply Service::UserLogin(const uint8_t* body, uint32_t held_sid, int64_t now_ms) {
  // USER_LOGIN !I32s; USER_LOGIN_ACK !BI: status, user session id.
  const uint32_t user = LoadBe32(body);
  if (!CheckUserToken(user, body + 4)) return Make(Command::kUserLogin, RdpStatus::kBadIdentity);
  if (held_sid != 0 && users_.End(held_sid, now_ms) == SessionCheck::kValid) {
    counters_->Add(Counter::kUserSessionsEnded);
  }
  LoginOutcome out = users_.Login(user, now_ms);
  if (!out.ok) {
    counters_->Add(Counter::kUserTableFull);
    Reply r = Make(Command::kUserLogin, RdpStatus::kBusy);
    if (held_sid != 0) r.held = HeldChange::kCleared;
    return r;
  }
  counters_->Add(Counter::kUserSessionsStarted);
  if (out.first_seen) counters_->Add(Counter::kUsersEver);
  if (out.prior == SessionCheck::kValid) counters_->Add(Counter::kUserSessionsEnded);
  Reply r = Make(Command::kUserLogin, RdpStatus::kOk);
  StoreBe32(r.body + 1, out.sid);
  r.held = HeldChange::kSet;
  r.held_sid = out.sid;
  r.held_last_ms = now_ms;
  return r;
}

Reply Service::Query(const uint8_t* body, int64_t now_ms) {
  // QUERY !I6s; QUERY_ACK !BBI: status, online (1/0), seconds since the last heartbeat.
  const uint32_t user_sid = LoadBe32(body);
  int64_t user_last;
  if (users_.Check(user_sid, now_ms, &user_last) != SessionCheck::kValid) {
    return Make(Command::kQuery, RdpStatus::kUnknownSession);
  }
  Reply r = Make(Command::kQuery, RdpStatus::kOk);
  uint32_t device;
  if (!DeviceFromMac(body + 4, &device)) return r;  // not a device mac: offline, 0 s
  QueryOutcome q = devices_.Query(device, now_ms);
  if (q.expired) CountExpired();
  r.body[1] = q.online ? 1 : 0;
  const int64_t secs = q.last_ms < 0 ? 0 : (now_ms - q.last_ms) / 1000;
  StoreBe32(r.body + 2, static_cast<uint32_t>(secs < 0 ? 0 : secs));
  return r;
}

void Service::EndHeld(Port port, uint32_t sid, int64_t now_ms) {
  switch (port) {
    case Port::kAccess:
      EndDeviceSession(sid, now_ms, Counter::kSessionsConnClosed);
      break;
    case Port::kUser:
      if (users_.End(sid, now_ms) == SessionCheck::kValid) {
        counters_->Add(Counter::kUserSessionsEnded);
      }
      break;
    case Port::kReport:
      break;
  }
}

SessionCheck Service::SweepDevice(uint32_t sid, int64_t now_ms, int64_t* last_ms) {
  SessionCheck c = devices_.Check(sid, now_ms, last_ms);
  if (c == SessionCheck::kExpired) CountExpired();
  return c;
}

}  // namespace fleetsim::target
