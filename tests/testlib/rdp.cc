// Copyright fleetsim authors.

#include "tests/testlib/rdp.h"

#include <cstdio>

namespace fleetsim::testing {

std::string Be8(uint8_t v) { return std::string(1, static_cast<char>(v)); }
std::string Be16(uint16_t v) { return Be8(v >> 8) + Be8(v & 0xff); }
std::string Be32(uint32_t v) { return Be16(v >> 16) + Be16(v & 0xffff); }
std::string Be64(uint64_t v) { return Be32(v >> 32) + Be32(v & 0xffffffffu); }

uint16_t GetBe16(const std::string& s, size_t off) {
  return static_cast<uint16_t>((static_cast<uint8_t>(s[off]) << 8) |
                               static_cast<uint8_t>(s[off + 1]));
}
uint32_t GetBe32(const std::string& s, size_t off) {
  return (uint32_t{GetBe16(s, off)} << 16) | GetBe16(s, off + 2);
}
uint64_t GetBe64(const std::string& s, size_t off) {
  return (uint64_t{GetBe32(s, off)} << 32) | GetBe32(s, off + 4);
}

std::string RdpFrameRaw(uint16_t magic, uint8_t version, uint8_t cmd, uint32_t seq,
                        uint16_t body_len, const std::string& body) {
  return Be16(magic) + Be8(version) + Be8(cmd) + Be32(seq) + Be16(body_len) + body;
}

std::string RdpFrame(uint8_t cmd, uint32_t seq, const std::string& body) {
  return RdpFrameRaw(0x4653, 1, cmd, seq, static_cast<uint16_t>(body.size()), body);
}

std::string DeviceMac(uint32_t i) { return std::string("\x02\x00", 2) + Be32(i); }

std::string DeviceSn(uint32_t i) {
  char buf[32];
  snprintf(buf, sizeof(buf), "FS%014u", i);
  return buf;
}

std::string UserToken(uint32_t u) {
  char buf[40];
  snprintf(buf, sizeof(buf), "tok-%028x", u);
  return buf;
}

std::string LoginBody(const std::string& mac, const std::string& sn, uint16_t firmware) {
  std::string sn16 = sn;
  sn16.resize(16, '\0');  // "16s": NUL-padded
  return mac + sn16 + Be16(firmware);
}
std::string LoginBody(uint32_t device) { return LoginBody(DeviceMac(device), DeviceSn(device)); }

std::string ReportBody(uint32_t sid, const std::string& payload) {
  return Be32(sid) + Be16(static_cast<uint16_t>(payload.size())) + payload;
}

std::string UserLoginBody(uint32_t user, const std::string& token) {
  std::string t = token;
  t.resize(32, '\0');
  return Be32(user) + t;
}

std::string QueryBody(uint32_t user_sid, const std::string& mac) { return Be32(user_sid) + mac; }

bool ReadRdp(TestConn& conn, RdpMessage* msg, absl::Duration timeout) {
  std::string h;
  if (!conn.ReadExact(10, &h, timeout)) return false;
  msg->magic = GetBe16(h, 0);
  msg->version = static_cast<uint8_t>(h[2]);
  msg->cmd = static_cast<uint8_t>(h[3]);
  msg->seq = GetBe32(h, 4);
  const uint16_t len = GetBe16(h, 8);
  msg->body.clear();
  return len == 0 || conn.ReadExact(len, &msg->body, timeout);
}

RdpClient::RdpClient(int port) { ok_ = conn_.Connect("127.0.0.1", port); }

uint32_t RdpClient::Send(uint8_t cmd, const std::string& body) {
  const uint32_t seq = next_seq_++;
  conn_.Send(RdpFrame(cmd, seq, body));
  return seq;
}

bool RdpClient::Call(uint8_t cmd, const std::string& body, RdpMessage* msg,
                     absl::Duration timeout) {
  Send(cmd, body);
  return ReadRdp(conn_, msg, timeout);
}

int RdpClient::Login(uint32_t device, uint32_t* sid) {
  RdpMessage m;
  if (!Call(kRdpLogin, LoginBody(device), &m) || m.body.size() != 7) return -1;
  if (sid != nullptr) *sid = GetBe32(m.body, 1);
  return m.status();
}

int RdpClient::Heartbeat(uint32_t sid) {
  RdpMessage m;
  if (!Call(kRdpHeartbeat, Be32(sid), &m) || m.body.size() != 9) return -1;
  return m.status();
}

int RdpClient::Logout(uint32_t sid) {
  RdpMessage m;
  if (!Call(kRdpLogout, Be32(sid), &m) || m.body.size() != 1) return -1;
  return m.status();
}

int RdpClient::Report(uint32_t sid, const std::string& payload, uint32_t* stored) {
  RdpMessage m;
  if (!Call(kRdpReport, ReportBody(sid, payload), &m) || m.body.size() != 5) return -1;
  if (stored != nullptr) *stored = GetBe32(m.body, 1);
  return m.status();
}

int RdpClient::UserLogin(uint32_t user, uint32_t* user_sid) {
  RdpMessage m;
  if (!Call(kRdpUserLogin, UserLoginBody(user, UserToken(user)), &m) || m.body.size() != 5) {
    return -1;
  }
  if (user_sid != nullptr) *user_sid = GetBe32(m.body, 1);
  return m.status();
}

int RdpClient::Query(uint32_t user_sid, uint32_t device, int* online, uint32_t* secs) {
  RdpMessage m;
  if (!Call(kRdpQuery, QueryBody(user_sid, DeviceMac(device)), &m) || m.body.size() != 6) {
    return -1;
  }
  if (online != nullptr) *online = static_cast<uint8_t>(m.body[1]);
  if (secs != nullptr) *secs = GetBe32(m.body, 2);
  return m.status();
}

}  // namespace fleetsim::testing
