// Copyright fleetsim authors.

#include "tools/target/command.h"

#include "tools/target/big_endian.h"

namespace fleetsim::target {

const char* PortName(Port p) {
  switch (p) {
    case Port::kAccess:
      return "access";
    case Port::kReport:
      return "report";
    case Port::kUser:
      return "user";
  }
  return "?";
}

const char* CommandName(Command c) {
  switch (c) {
    case Command::kLogin:
      return "LOGIN";
    case Command::kHeartbeat:
      return "HEARTBEAT";
    case Command::kLogout:
      return "LOGOUT";
    case Command::kReport:
      return "REPORT";
    case Command::kUserLogin:
      return "USER_LOGIN";
    case Command::kQuery:
      return "QUERY";
    case Command::kUnknown:
      return "UNKNOWN";
  }
  return "?";
}

uint8_t CommandByte(Command c) {
  switch (c) {
    case Command::kLogin:
      return 0x01;
    case Command::kHeartbeat:
      return 0x02;
    case Command::kLogout:
      return 0x03;
    case Command::kReport:
      return 0x10;
    case Command::kUserLogin:
      return 0x20;
    case Command::kQuery:
      return 0x21;
    case Command::kUnknown:
      break;
  }
  return 0;
}

Command CommandFromByte(uint8_t cmd) {
  switch (cmd) {
    case 0x01:
      return Command::kLogin;
    case 0x02:
      return Command::kHeartbeat;
    case 0x03:
      return Command::kLogout;
    case 0x10:
      return Command::kReport;
    case 0x20:
      return Command::kUserLogin;
    case 0x21:
      return Command::kQuery;
    default:  // a byte, not a closed enum: every other value is unknown
      return Command::kUnknown;
  }
}

Port CommandPort(Command c) {
  switch (c) {
    case Command::kLogin:
    case Command::kHeartbeat:
    case Command::kLogout:
      return Port::kAccess;
    case Command::kReport:
      return Port::kReport;
    case Command::kUserLogin:
    case Command::kQuery:
    case Command::kUnknown:
      break;
  }
  return Port::kUser;
}

bool BodyWellFormed(Command c, const uint8_t* body, size_t len) {
  switch (c) {
    case Command::kLogin:
      return len == 6 + 16 + 2;
    case Command::kHeartbeat:
    case Command::kLogout:
      return len == 4;
    case Command::kReport:
      return len >= 6 && LoadBe16(body + 4) == len - 6;
    case Command::kUserLogin:
      return len == 4 + 32;
    case Command::kQuery:
      return len == 4 + 6;
    case Command::kUnknown:
      return true;
  }
  return false;
}

}  // namespace fleetsim::target
