// Copyright fleetsim authors.
//
// target_e2e: small helpers shared by the fleetsim-target end-to-end tests (header-only:
// each tests/e2e/*_test.cc is its own binary).

#ifndef FLEETSIM_TESTS_E2E_TARGET_E2E_H_
#define FLEETSIM_TESTS_E2E_TARGET_E2E_H_

#include <poll.h>
#include <sys/socket.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testlib/rdp.h"
#include "tests/testlib/target_server.h"

namespace fleetsim::testing {

using Json = nlohmann::json;

// Starts a target or fails the test (with the target's log).
inline std::unique_ptr<TargetServer> StartTarget(const std::vector<std::string>& flags) {
  std::string error;
  std::unique_ptr<TargetServer> t = TargetServer::Start(flags, &error);
  EXPECT_NE(t, nullptr) << error;
  return t;
}

// counters["commands"][cmd][key], 0 if absent.
inline uint64_t Cmd(const Json& j, const char* cmd, const char* key) {
  if (!j.is_object() || !j.contains("commands")) return 0;
  return j["commands"].value(cmd, Json::object()).value(key, uint64_t{0});
}

// counters[a][b] as a signed number (gauges may be negative mid-flight), 0 if absent.
inline int64_t Get(const Json& j, const char* a, const char* b) {
  if (!j.is_object() || !j.contains(a)) return 0;
  return j[a].value(b, int64_t{0});
}

// Nothing arrives on `conn` within `window` (a bounded negative check; the caller has
// already waited, on the counters, for the moment a response would have been sent).
inline bool NothingArrives(TestConn& conn, absl::Duration window) {
  pollfd p{conn.fd(), POLLIN, 0};
  return poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(window))) == 0;
}

// Reads until `n` bytes arrived (or timeout), recording the size of each recv().
inline std::vector<size_t> ReadPieces(TestConn& conn, size_t n, std::string* out,
                                      absl::Duration timeout = absl::Seconds(5)) {
  std::vector<size_t> pieces;
  out->clear();
  const absl::Time deadline = absl::Now() + timeout;
  while (out->size() < n && absl::Now() < deadline) {
    pollfd p{conn.fd(), POLLIN, 0};
    if (poll(&p, 1, 50) != 1) continue;
    char buf[64];
    const ssize_t r = recv(conn.fd(), buf, sizeof(buf), 0);
    if (r <= 0) break;
    out->append(buf, r);
    pieces.push_back(static_cast<size_t>(r));
  }
  return pieces;
}

}  // namespace fleetsim::testing

#endif  // FLEETSIM_TESTS_E2E_TARGET_E2E_H_
