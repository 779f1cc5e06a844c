// Copyright fleetsim authors.

#include <sys/wait.h>
#include <unistd.h>

#include <set>

#include "gtest/gtest.h"
#include "tools/target/session_table.h"
#include "tools/target/shared_region.h"

namespace fleetsim::target {
namespace {

constexpr int64_t kTtl = 3000;

class SessionTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = SharedRegion::Create(2, /*max_devices=*/1000, /*max_users=*/10);
    ASSERT_TRUE(r.ok()) << r.status();
    region_ = std::move(*r);
    table_ = region_.devices(kTtl);
  }
  SharedRegion region_;
  SessionTable table_;
};

TEST_F(SessionTableTest, LoginTouchEnd) {
  LoginOutcome a = table_.Login(42, 1000);
  ASSERT_TRUE(a.ok);
  EXPECT_TRUE(a.first_seen);
  EXPECT_NE(a.sid, 0u);
  EXPECT_EQ(a.prior, SessionCheck::kUnknown);
  EXPECT_EQ(table_.Touch(a.sid, 2000), SessionCheck::kValid);
  EXPECT_EQ(table_.Touch(a.sid + 1, 2000), SessionCheck::kUnknown);
  EXPECT_EQ(table_.Touch(0, 2000), SessionCheck::kUnknown);
  EXPECT_EQ(table_.End(a.sid, 2500), SessionCheck::kValid);
  EXPECT_EQ(table_.End(a.sid, 2500), SessionCheck::kUnknown);
  EXPECT_EQ(table_.Touch(a.sid, 2600), SessionCheck::kUnknown);
  LoginOutcome b = table_.Login(42, 3000);
  EXPECT_FALSE(b.first_seen);
  EXPECT_NE(b.sid, a.sid);
  EXPECT_EQ(table_.used(), 1u);
}

TEST_F(SessionTableTest, SecondLoginReplaces) {
  LoginOutcome a = table_.Login(7, 0);
  LoginOutcome b = table_.Login(7, 10);
  EXPECT_EQ(b.prior, SessionCheck::kValid);
  EXPECT_EQ(table_.Touch(a.sid, 20), SessionCheck::kUnknown);
  EXPECT_EQ(table_.Touch(b.sid, 20), SessionCheck::kValid);
}

TEST_F(SessionTableTest, ExpiresAfterTtlOfSilenceExactlyOnce) {
  LoginOutcome a = table_.Login(9, 0);
  EXPECT_EQ(table_.Touch(a.sid, kTtl), SessionCheck::kValid);  // silent for exactly ttl: ok
  int64_t last = 0;
  EXPECT_EQ(table_.Check(a.sid, 2 * kTtl, &last), SessionCheck::kValid);
  EXPECT_EQ(last, kTtl);
  EXPECT_EQ(table_.Check(a.sid, 2 * kTtl + 1, &last), SessionCheck::kExpired);
  EXPECT_EQ(table_.Check(a.sid, 2 * kTtl + 2, &last), SessionCheck::kUnknown);
  QueryOutcome q = table_.Query(9, 2 * kTtl + 2);
  EXPECT_FALSE(q.online);
  EXPECT_FALSE(q.expired);
  EXPECT_EQ(q.last_ms, kTtl);
  // A LOGIN that finds the old session expired says so (its caller counts the expiry).
  LoginOutcome b = table_.Login(10, 0);
  LoginOutcome c = table_.Login(10, kTtl + 1);
  EXPECT_EQ(c.prior, SessionCheck::kExpired);
  EXPECT_EQ(table_.Touch(b.sid, kTtl + 1), SessionCheck::kUnknown);
}

TEST_F(SessionTableTest, QueryLooksUpWithoutCreating) {
  QueryOutcome q = table_.Query(5, 0);
  EXPECT_FALSE(q.online);
  EXPECT_EQ(q.last_ms, -1);
  EXPECT_EQ(table_.used(), 0u);
  table_.Login(5, 100);
  q = table_.Query(5, 1100);
  EXPECT_TRUE(q.online);
  EXPECT_EQ(q.last_ms, 100);
  q = table_.Query(5, 100 + kTtl + 1);
  EXPECT_FALSE(q.online);
  EXPECT_TRUE(q.expired);
}

TEST_F(SessionTableTest, ReportsAccumulatePerDeviceAcrossSessions) {
  uint32_t n = 0;
  LoginOutcome a = table_.Login(1, 0);
  EXPECT_EQ(table_.AddReport(a.sid, 1, &n), SessionCheck::kValid);
  EXPECT_EQ(table_.AddReport(a.sid, 2, &n), SessionCheck::kValid);
  EXPECT_EQ(n, 2u);
  LoginOutcome b = table_.Login(1, 3);
  EXPECT_EQ(table_.AddReport(a.sid, 4, &n), SessionCheck::kUnknown);
  EXPECT_EQ(table_.AddReport(b.sid, 4, &n), SessionCheck::kValid);
  EXPECT_EQ(n, 3u);
  // Reports do not count as heartbeats.
  EXPECT_EQ(table_.AddReport(b.sid, 3 + kTtl + 1, &n), SessionCheck::kExpired);
}

TEST_F(SessionTableTest, FullTableRefusesNewIdsButServesKnownOnes) {
  SessionTable users = region_.users(0);
  std::set<uint32_t> sids;
  for (uint32_t u = 0; u < 10; ++u) {
    LoginOutcome o = users.Login(u * 1000003, 0);
    ASSERT_TRUE(o.ok) << u;
    sids.insert(o.sid);
  }
  EXPECT_EQ(sids.size(), 10u);
  EXPECT_FALSE(users.Login(77, 0).ok);
  EXPECT_TRUE(users.Login(3 * 1000003, 1).ok);
  EXPECT_EQ(users.used(), 10u);
  int64_t last;
  // ttl 0: user sessions never expire.
  EXPECT_EQ(users.Check(*sids.begin(), int64_t{1} << 50, &last), SessionCheck::kValid);
}

TEST_F(SessionTableTest, SessionIdsSurviveManyRelogins) {
  std::set<uint32_t> sids;
  for (int i = 0; i < 1000; ++i) sids.insert(table_.Login(123, i).sid);
  EXPECT_EQ(sids.size(), 1000u);
  EXPECT_EQ(sids.count(0), 0u);
}

TEST_F(SessionTableTest, SharedAcrossFork) {
  LoginOutcome a = table_.Login(1, 0);
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {  // another process: sees the parent's session, adds its own
    SessionTable t = region_.devices(kTtl);
    uint32_t n = 0;
    bool ok = t.AddReport(a.sid, 1, &n) == SessionCheck::kValid && n == 1;
    LoginOutcome b = t.Login(2, 1);
    ok = ok && b.ok && b.first_seen;
    uint32_t sid = b.sid;
    ok = ok && write(pipefd[1], &sid, sizeof(sid)) == sizeof(sid);
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  uint32_t child_sid = 0;
  ASSERT_EQ(read(pipefd[0], &child_sid, sizeof(child_sid)),
            static_cast<ssize_t>(sizeof(child_sid)));
  close(pipefd[0]);
  close(pipefd[1]);
  EXPECT_EQ(table_.Touch(child_sid, 2), SessionCheck::kValid);
  EXPECT_TRUE(table_.Query(2, 2).online);
  uint32_t n = 0;
  EXPECT_EQ(table_.AddReport(a.sid, 3, &n), SessionCheck::kValid);
  EXPECT_EQ(n, 2u);
}

TEST_F(SessionTableTest, ConcurrentLoginsFromTwoProcessesCountEachIdOnce) {
  // Both processes log in the same 500 ids; each id must be "first seen" exactly once.
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  auto run = [&] {
    SessionTable t = region_.devices(kTtl);
    uint32_t first = 0;
    for (uint32_t id = 0; id < 500; ++id) first += t.Login(id, 0).first_seen ? 1 : 0;
    return first;
  };
  if (pid == 0) {
    uint32_t first = run();
    _exit(write(pipefd[1], &first, sizeof(first)) == sizeof(first) ? 0 : 1);
  }
  const uint32_t mine = run();
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  uint32_t theirs = 0;
  ASSERT_EQ(read(pipefd[0], &theirs, sizeof(theirs)), static_cast<ssize_t>(sizeof(theirs)));
  close(pipefd[0]);
  close(pipefd[1]);
  EXPECT_EQ(mine + theirs, 500u);
  EXPECT_EQ(table_.used(), 500u);
}

}  // namespace
}  // namespace fleetsim::target
