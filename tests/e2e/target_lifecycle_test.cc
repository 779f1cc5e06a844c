// Copyright fleetsim authors.
//
// fleetsim-target end to end: processes and shared state (QUERY and REPORT across
// processes), session expiry, the counters file, signals, and flag validation.

#include <signal.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/e2e/target_e2e.h"
#include "tests/testlib/files.h"
#include "tests/testlib/net.h"
#include "tests/testlib/rdp.h"
#include "tests/testlib/subprocess.h"
#include "tests/testlib/wait.h"

namespace fleetsim::testing {
namespace {

// The index of the one process whose accepted count grew between two snapshots, or -1.
int ProcThatAccepted(const Json& before, const Json& after) {
  int found = -1;
  for (size_t i = 0; i < after["per_proc"].size(); ++i) {
    const int64_t a = after["per_proc"][i]["connections"]["accepted"];
    const int64_t b = before["per_proc"][i]["connections"]["accepted"];
    if (a == b + 1) {
      if (found >= 0) return -1;
      found = static_cast<int>(i);
    } else if (a != b) {
      return -1;
    }
  }
  return found;
}

// Connects to `port` until the connection lands on a process other than `not_proc`.
// Returns the connection's process index (or -1 after 60 tries).
int ConnectElsewhere(TargetServer& t, int port, int not_proc, std::unique_ptr<RdpClient>* out) {
  Json before = t.Counters();
  for (int tries = 0; tries < 60; ++tries) {
    auto c = std::make_unique<RdpClient>(port);
    if (!c->ok()) return -1;
    Json after;
    // accept() runs asynchronously: wait until the connection is counted somewhere.
    if (!t.WaitCounters(
            [&](const Json& j) {
              return Get(j, "connections", "accepted") ==
                     Get(before, "connections", "accepted") + 1;
            },
            absl::Seconds(5), &after)) {
      return -1;
    }
    const int proc = ProcThatAccepted(before, after);
    before = after;
    if (proc >= 0 && proc != not_proc) {
      *out = std::move(c);
      return proc;
    }
  }
  return -1;
}

TEST(TargetProcsTest, QueryAndReportAcrossProcesses) {
  auto t = StartTarget({"--procs=2"});
  ASSERT_NE(t, nullptr);
  std::unique_ptr<RdpClient> dev;
  const int dev_proc = ConnectElsewhere(*t, t->access_port(), -1, &dev);
  ASSERT_GE(dev_proc, 0);
  uint32_t sid = 0;
  ASSERT_EQ(dev->Login(77, &sid), 0);

  std::unique_ptr<RdpClient> user;
  const int user_proc = ConnectElsewhere(*t, t->user_port(), dev_proc, &user);
  ASSERT_GE(user_proc, 0);
  ASSERT_NE(user_proc, dev_proc);
  uint32_t usid = 0;
  ASSERT_EQ(user->UserLogin(1, &usid), 0);
  int online = -1;
  EXPECT_EQ(user->Query(usid, 77, &online), 0);
  EXPECT_EQ(online, 1);  // logged in on the other process

  // A REPORT landing on the other process accepts the session id too.
  std::unique_ptr<RdpClient> rep;
  ASSERT_EQ(ConnectElsewhere(*t, t->report_port(), dev_proc, &rep), user_proc);
  uint32_t stored = 0;
  EXPECT_EQ(rep->Report(sid, "cross", &stored), 0);
  EXPECT_EQ(stored, 1u);

  // A user session is valid on any process: ask from the device's process.
  std::unique_ptr<RdpClient> user2;
  ASSERT_EQ(ConnectElsewhere(*t, t->user_port(), user_proc, &user2), dev_proc);
  EXPECT_EQ(user2->Query(usid, 77, &online), 0);
  EXPECT_EQ(online, 1);

  // Logging out on the device's process is seen on the user's.
  ASSERT_EQ(dev->Logout(sid), 0);
  EXPECT_EQ(user->Query(usid, 77, &online), 0);
  EXPECT_EQ(online, 0);

  Json j = t->Counters();
  EXPECT_EQ(j["procs"], 2);
  EXPECT_EQ(j["per_proc"][dev_proc]["received"], 3);   // LOGIN, QUERY (user2), LOGOUT
  EXPECT_EQ(j["per_proc"][user_proc]["received"], 4);  // USER_LOGIN, QUERY x2, REPORT
  EXPECT_EQ(Cmd(j, "QUERY", "received"), 3u);
  EXPECT_EQ(Get(j, "devices", "online"), 0);
}

TEST(TargetExpiryTest, SessionsEndAfterThreeSilentHeartbeatIntervals) {
  auto t = StartTarget({"--procs=2", "--heartbeat_s=1"});
  ASSERT_NE(t, nullptr);
  RdpClient silent(t->access_port());
  RdpClient alive(t->access_port());
  uint32_t silent_sid = 0, alive_sid = 0;
  ASSERT_EQ(silent.Login(1, &silent_sid), 0);
  const absl::Time login_at = absl::Now();
  ASSERT_EQ(alive.Login(2, &alive_sid), 0);
  // The expiry is driven by the server's own timer: no request touches the silent session.
  Json j;
  ASSERT_TRUE(t->WaitCounters(
      [&](const Json& c) {
        EXPECT_EQ(alive.Heartbeat(alive_sid), 0);  // keeps the other one alive meanwhile
        return Get(c, "sessions", "expired") == 1;
      },
      absl::Seconds(8), &j))
      << j.dump();
  const absl::Duration took = absl::Now() - login_at;
  EXPECT_GE(took, absl::Seconds(3));
  EXPECT_LT(took, absl::Seconds(6));
  EXPECT_EQ(Get(j, "devices", "online"), 1);
  EXPECT_EQ(silent.Heartbeat(silent_sid), 3);
  EXPECT_EQ(alive.Heartbeat(alive_sid), 0);
  j = t->Counters();
  EXPECT_EQ(Get(j, "sessions", "expired"), 1);  // counted once, by whoever met it first
  EXPECT_EQ(Get(j, "devices", "ever"), 2);
}

TEST(TargetLifecycleTest, CountersFileShapeAndSigusr1) {
  auto t = StartTarget({"--procs=2"});
  ASSERT_NE(t, nullptr);
  Json first = t->ReadCounters();
  ASSERT_TRUE(first.is_object()) << "a first snapshot is written when ready";
  RdpClient c(t->access_port());
  uint32_t sid = 0;
  ASSERT_EQ(c.Login(5, &sid), 0);
  Json j = t->Counters();
  ASSERT_TRUE(j.is_object());
  EXPECT_GT(j["snapshot"].get<int64_t>(), first["snapshot"].get<int64_t>());
  for (const char* cmd :
       {"LOGIN", "HEARTBEAT", "LOGOUT", "REPORT", "USER_LOGIN", "QUERY", "UNKNOWN"}) {
    for (const char* k : {"received", "responded", "rejected", "faulted"}) {
      EXPECT_TRUE(j["commands"][cmd][k].is_number_integer()) << cmd << "." << k;
    }
  }
  EXPECT_TRUE(j["protocol_errors"].is_number_integer());
  for (const char* k : {"accepted", "open"}) EXPECT_TRUE(j["connections"][k].is_number());
  for (const char* k : {"online", "ever"}) EXPECT_TRUE(j["devices"][k].is_number());
  EXPECT_TRUE(j["users"]["ever"].is_number());
  EXPECT_EQ(j["procs"], 2);
  EXPECT_EQ(j["final"], false);
  EXPECT_EQ(Cmd(j, "LOGIN", "responded"), 1u);
  EXPECT_EQ(Get(j, "connections", "open"), 1);
  // The file is replaced whole: never a partial JSON object (atomic rename).
  for (int i = 0; i < 20; ++i) {
    t->process().Signal(SIGUSR1);
    EXPECT_TRUE(t->ReadCounters().is_object());
  }
  EXPECT_GT(t->Counters()["snapshot"].get<int64_t>(), j["snapshot"].get<int64_t>());
}

TEST(TargetLifecycleTest, SigtermStopsAcceptingWritesFinalCountersAndExits0) {
  auto t = StartTarget({"--procs=2", "--delay_ms=60000"});
  ASSERT_NE(t, nullptr);
  RdpClient c(t->access_port());
  c.Send(kRdpLogin, LoginBody(1));  // its response is held for a minute
  ASSERT_TRUE(t->WaitCounters([](const Json& j) { return Cmd(j, "LOGIN", "received") == 1; },
                              absl::Seconds(5)));
  EXPECT_EQ(t->Stop(), 0);
  Json j = t->ReadCounters();
  EXPECT_EQ(j["final"], true);
  EXPECT_EQ(Get(j, "connections", "open"), 0);
  EXPECT_EQ(Cmd(j, "LOGIN", "received"), 1u);
  EXPECT_EQ(Cmd(j, "LOGIN", "unanswered"), 1u);  // held when the target stopped
  EXPECT_EQ(Get(j, "devices", "online"), 0);
  EXPECT_TRUE(c.conn().WaitClosed());
  TestConn again;
  EXPECT_FALSE(again.Connect("127.0.0.1", t->access_port(), absl::Seconds(1)));
  const std::string log = t->Log();
  EXPECT_NE(log.find("stopping"), std::string::npos) << log;
}

TEST(TargetLifecycleTest, AWorkerThatDiesTakesTheTargetDownWithExit1) {
  auto t = StartTarget({"--procs=2"});
  ASSERT_NE(t, nullptr);
  Json j = t->Counters();
  const pid_t worker = j["per_proc"][1]["pid"].get<pid_t>();
  ASSERT_GT(worker, 0);
  ASSERT_EQ(kill(worker, SIGKILL), 0);
  auto st = t->process().Wait(absl::Seconds(10));
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(ExitCode(*st), 1);
  EXPECT_EQ(t->ReadCounters()["final"], true);
}

// Runs the target with `flags` expecting it to refuse them.
void ExpectRefused(const std::vector<std::string>& flags, const std::string& message) {
  TempDir dir;
  std::vector<std::string> argv = {BinPath("fleetsim-target")};
  argv.insert(argv.end(), flags.begin(), flags.end());
  Subprocess p = Subprocess::Start(argv, dir.File("log"));
  auto st = p.Wait(absl::Seconds(10));
  ASSERT_TRUE(st.has_value()) << "still running with " << argv.back();
  EXPECT_EQ(ExitCode(*st), 1) << argv.back();
  EXPECT_NE(p.Log().find(message), std::string::npos) << p.Log();
}

TEST(TargetLifecycleTest, BadFlagsExit1WithAClearMessage) {
  const std::vector<int> ports = FreePorts(3);
  const std::string ok_ports = absl::StrCat("--ports=", ports[0], ",", ports[1], ",", ports[2]);
  ExpectRefused({"--ports=7101,7102"}, "--ports");
  ExpectRefused({ok_ports, "--drop_ratio=1.5"}, "--drop_ratio");
  ExpectRefused({ok_ports, "--drop_ratio=0.5", "--close_ratio=0.6"}, "over 1");
  ExpectRefused({ok_ports, "--heartbeat_s=0"}, "--heartbeat_s");
  ExpectRefused({ok_ports, "--delay_ms=-5"}, "--delay_ms");
  ExpectRefused({ok_ports, "--host=example.com"}, "--host");
  ExpectRefused({ok_ports, "--counters_file=/nonexistent/dir/c.json"}, "--counters_file");
  ExpectRefused({ok_ports, "--no_such_flag"}, "no_such_flag");
  ExpectRefused({ok_ports, "stray"}, "unexpected argument");
}

TEST(TargetLifecycleTest, APortInUseIsAClearError) {
  auto t = StartTarget({"--procs=1"});
  ASSERT_NE(t, nullptr);
  ExpectRefused(
      {absl::StrCat("--ports=", t->access_port(), ",", FreePorts(1)[0], ",", FreePorts(1)[0] + 1)},
      "cannot listen");
  EXPECT_TRUE(t->process().running());
}

}  // namespace
}  // namespace fleetsim::testing
