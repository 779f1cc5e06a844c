// Copyright fleetsim authors.
//
// rdp: RDP/1 frames and identities for tests, written from ../shared/protocol.md and kept
// independent of tools/target (a test must not share the server's bugs): a frame builder,
// big-endian field packing, the identity rules, and a blocking client on TestConn.

#ifndef FLEETSIM_TESTS_TESTLIB_RDP_H_
#define FLEETSIM_TESTS_TESTLIB_RDP_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "tests/testlib/net.h"

namespace fleetsim::testing {

// RDP/1 request cmd bytes.
inline constexpr uint8_t kRdpLogin = 0x01;
inline constexpr uint8_t kRdpHeartbeat = 0x02;
inline constexpr uint8_t kRdpLogout = 0x03;
inline constexpr uint8_t kRdpReport = 0x10;
inline constexpr uint8_t kRdpUserLogin = 0x20;
inline constexpr uint8_t kRdpQuery = 0x21;
inline constexpr uint8_t kRdpError = 0xFF;

// Big-endian field packing and unpacking ("!B", "!H", "!I", "!Q").
std::string Be8(uint8_t v);
std::string Be16(uint16_t v);
std::string Be32(uint32_t v);
std::string Be64(uint64_t v);
// REQUIRES: s holds the bytes at [off, off + size).
uint16_t GetBe16(const std::string& s, size_t off);
uint32_t GetBe32(const std::string& s, size_t off);
uint64_t GetBe64(const std::string& s, size_t off);

// A whole frame: the `!HBBIH` header (magic 0x4653, version 1) and the body. `magic`,
// `version` and `body_len` can be overridden to build bad frames.
std::string RdpFrame(uint8_t cmd, uint32_t seq, const std::string& body);
std::string RdpFrameRaw(uint16_t magic, uint8_t version, uint8_t cmd, uint32_t seq,
                        uint16_t body_len, const std::string& body);

// Identities (protocol.md "Identities").
std::string DeviceMac(uint32_t i);  // 02:00 + i, 6 bytes
std::string DeviceSn(uint32_t i);   // "FS" + 14 digits, 16 bytes
std::string UserToken(uint32_t u);  // "tok-" + 28 hex digits, 32 bytes
// Request bodies.
std::string LoginBody(const std::string& mac, const std::string& sn, uint16_t firmware = 1);
std::string LoginBody(uint32_t device);
std::string ReportBody(uint32_t sid, const std::string& payload);
std::string UserLoginBody(uint32_t user, const std::string& token);
std::string QueryBody(uint32_t user_sid, const std::string& mac);

// One decoded frame as received.
struct RdpMessage {
  uint16_t magic = 0;
  uint8_t version = 0;
  uint8_t cmd = 0;
  uint32_t seq = 0;
  std::string body;
  uint8_t status() const { return body.empty() ? 0xff : static_cast<uint8_t>(body[0]); }
};

// Reads one frame (header, then body_len bytes). False on timeout, EOF or error.
bool ReadRdp(TestConn& conn, RdpMessage* msg, absl::Duration timeout = absl::Seconds(5));

// A blocking RDP/1 client: numbers its requests and reads the response to each.
class RdpClient {
 public:
  // Connects to 127.0.0.1:port. ok() tells whether it worked.
  explicit RdpClient(int port);
  bool ok() const { return ok_; }
  TestConn& conn() { return conn_; }

  // Sends a request with the next seq; returns that seq.
  uint32_t Send(uint8_t cmd, const std::string& body);
  // Send + ReadRdp. The response is in *msg. False if none arrived in `timeout`.
  bool Call(uint8_t cmd, const std::string& body, RdpMessage* msg,
            absl::Duration timeout = absl::Seconds(5));

  // Convenience calls; each returns the response's status, or -1 if none arrived.
  // *sid gets the session id from a LOGIN_ACK / USER_LOGIN_ACK.
  int Login(uint32_t device, uint32_t* sid);
  int Heartbeat(uint32_t sid);
  int Logout(uint32_t sid);
  int Report(uint32_t sid, const std::string& payload, uint32_t* stored = nullptr);
  int UserLogin(uint32_t user, uint32_t* user_sid);
  // *online and *secs from the QUERY_ACK.
  int Query(uint32_t user_sid, uint32_t device, int* online = nullptr, uint32_t* secs = nullptr);

 private:
  TestConn conn_;
  bool ok_ = false;
  uint32_t next_seq_ = 1;
};

}  // namespace fleetsim::testing

#endif  // FLEETSIM_TESTS_TESTLIB_RDP_H_
