// Copyright fleetsim authors.
//
// command: the RDP/1 vocabulary as closed enums: the three ports, the request commands,
// the status codes, and which command belongs on which port with which body size.
// Pure, immutable tables.

#ifndef FLEETSIM_TOOLS_TARGET_COMMAND_H_
#define FLEETSIM_TOOLS_TARGET_COMMAND_H_

#include <cstddef>
#include <cstdint>

namespace fleetsim::target {

// The three listening ports, in --ports order.
enum class Port : uint8_t {
  kAccess,  // Devices: LOGIN, HEARTBEAT, LOGOUT.
  kReport,  // Devices: REPORT.
  kUser,    // App users: USER_LOGIN, QUERY.
};
inline constexpr int kNumPorts = 3;
const char* PortName(Port p);  // "access", "report", "user"

// Request commands. kUnknown is every other cmd byte (including response cmds a client
// sends back); it is answered with ERROR status 9.
enum class Command : uint8_t {
  kLogin,      // 0x01, body !6s16sH
  kHeartbeat,  // 0x02, body !I
  kLogout,     // 0x03, body !I
  kReport,     // 0x10, body !IH + payload
  kUserLogin,  // 0x20, body !I32s
  kQuery,      // 0x21, body !I6s
  kUnknown,    // anything else
};
inline constexpr int kNumCommands = 7;

// The name the counters file uses: "LOGIN", ..., "UNKNOWN".
const char* CommandName(Command c);
// The request's cmd byte. REQUIRES: c != kUnknown.
uint8_t CommandByte(Command c);
// The command a request cmd byte names (kUnknown for any other byte).
Command CommandFromByte(uint8_t cmd);
// The port a command belongs on. REQUIRES: c != kUnknown.
Port CommandPort(Command c);
// True iff `body` is a well-formed body for `c` (its exact size; for REPORT, also that the
// payload length field matches the bytes that follow). Always true for kUnknown.
bool BodyWellFormed(Command c, const uint8_t* body, size_t len);

// Response cmd = request cmd | kResponseBit. ERROR has its own cmd.
inline constexpr uint8_t kResponseBit = 0x80;
inline constexpr uint8_t kErrorCmd = 0xFF;

// Status byte of every response.
enum class RdpStatus : uint8_t {
  kOk = 0,
  kBadIdentity = 1,     // sn does not match mac, or bad token
  kBusy = 2,            // server busy (--busy_ratio, or the session table is full)
  kUnknownSession = 3,  // unknown or expired session
  kUnknownCommand = 9,  // ERROR: unknown command, or a command on the wrong port
};

// Largest response frame the target sends: HEARTBEAT_ACK, 10 + 9 bytes.
inline constexpr size_t kMaxResponseFrame = 19;

}  // namespace fleetsim::target

#endif  // FLEETSIM_TOOLS_TARGET_COMMAND_H_
