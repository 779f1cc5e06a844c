// Copyright fleetsim authors.
//
// fleetsim as a service, end to end: systemd notifications, reload on SIGHUP (counts up and
// down without dropping anyone, broken configurations refused), a killed worker replaced,
// a graceful stop. No systemd needed: a fake NOTIFY_SOCKET stands in for it.

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/e2e/target_e2e.h"
#include "tests/testlib/fleetsim_runner.h"
#include "tests/testlib/wait.h"

namespace fleetsim::testing {
namespace {

// A unix datagram socket playing systemd's notification socket.
class FakeNotifySocket {
 public:
  explicit FakeNotifySocket(const std::string& path) : path_(path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    strncpy(a.sun_path, path.c_str(), sizeof(a.sun_path) - 1);
    ok_ = fd_ >= 0 && bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  }
  ~FakeNotifySocket() {
    if (fd_ >= 0) close(fd_);
    unlink(path_.c_str());
  }
  bool ok() const { return ok_; }
  // Every datagram received so far, in order, one line each (STATUS= lines dropped).
  const std::vector<std::string>& Messages() {
    char buf[4096];
    for (ssize_t n; (n = recv(fd_, buf, sizeof(buf), 0)) > 0;) {
      for (absl::string_view line : absl::StrSplit(std::string(buf, n), '\n')) {
        if (!line.empty() && !absl::StartsWith(line, "STATUS=")) msgs_.emplace_back(line);
      }
    }
    return msgs_;
  }
  bool Seen(const std::string& m, size_t from = 0) {
    const std::vector<std::string>& all = Messages();
    for (size_t i = from; i < all.size(); ++i) {
      if (all[i] == m) return true;
    }
    return false;
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool ok_ = false;
  std::vector<std::string> msgs_;
};

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    target_ = StartTarget({"--heartbeat_s=2", "--procs=2"});
    ASSERT_NE(target_, nullptr);
    flags_ = dir_.File("fleetsim.flags");
    WriteFlags(2000);
  }
  void WriteFlags(int devices, const std::string& scenario = "") {
    WriteFile(flags_,
              absl::StrCat(
                  "# written by service_test\n--scenario=",
                  scenario.empty() ? SrcDir() + "/conf/scenarios/rdp.yaml" : scenario, "\n",
                  RdpPortsSet(target_->access_port(), target_->report_port(), target_->user_port()),
                  "\n--set=device.count=", devices, ",user.count=0\n",
                  "--set=vars.report_every=1h\n--grace=5s\n"));
  }
  int64_t Online() { return Get(target_->Counters(), "devices", "online"); }
  bool WaitOnline(int64_t n) {
    return WaitUntil([&] { return Online() == n; }, absl::Seconds(20), absl::Milliseconds(200));
  }

  TempDir dir_;
  std::unique_ptr<TargetServer> target_;
  std::string flags_;
};

TEST_F(ServiceTest, NotifiesReadyAndReloadingAndReloadsCountsLive) {
  FakeNotifySocket notify(dir_.File("notify"));
  ASSERT_TRUE(notify.ok());
  auto run = FleetsimRun::Start({"--flagfile=" + flags_}, {"NOTIFY_SOCKET=" + dir_.File("notify")});
  ASSERT_TRUE(WaitUntil([&] { return notify.Seen("READY=1"); }, absl::Seconds(10))) << run->Log();
  ASSERT_TRUE(WaitOnline(2000)) << run->Log();

  // Up: 2,000 -> 3,000. The new members log in; none of the first 2,000 reconnects.
  size_t mark = notify.Messages().size();
  WriteFlags(3000);
  run->process().Signal(SIGHUP);
  ASSERT_TRUE(WaitOnline(3000)) << run->Log();
  Json t = target_->Counters();
  EXPECT_EQ(Cmd(t, "LOGIN", "received"), 3000u);
  EXPECT_EQ(t["sessions"].value("replaced", -1), 0);
  EXPECT_EQ(t["sessions"].value("conn_closed", -1), 0);
  // Only short-lived report connections closed (a device may have reported meanwhile).
  EXPECT_EQ(t["connections"].value("closed", -1), Cmd(t, "REPORT", "received")) << t;
  // RELOADING=1, then READY=1 once the workers applied it.
  ASSERT_TRUE(WaitUntil([&] { return notify.Seen("READY=1", mark + 1); }, absl::Seconds(10)));
  const std::vector<std::string>& msgs = notify.Messages();
  ASSERT_GT(msgs.size(), mark);
  EXPECT_EQ(msgs[mark], "RELOADING=1");
  EXPECT_NE(run->Log().find("configuration generation 2"), std::string::npos);
  EXPECT_NE(run->Log().find("device.count 2000 -> 3000 (live)"), std::string::npos);

  // Down: 3,000 -> 1,000. The highest-numbered devices log out; exactly 1,000 stay.
  WriteFlags(1000);
  run->process().Signal(SIGHUP);
  ASSERT_TRUE(WaitOnline(1000)) << run->Log();
  t = target_->Counters();
  EXPECT_EQ(Cmd(t, "LOGOUT", "received"), 2000u);
  EXPECT_EQ(Cmd(t, "LOGIN", "received"), 3000u);  // nobody logged in again
  // It stays there (nothing drifts back up).
  EXPECT_TRUE(WaitUntil(
      [&] {
        return run->WaitLine(
            [](const Json& l) {
              return l.value("config_generation", 0) == 3 &&
                     l["devices"].value("online", 0) == 1000 &&
                     l["devices"].value("target", 0) == 1000;
            },
            absl::Seconds(1));
      },
      absl::Seconds(10)));
  EXPECT_EQ(Online(), 1000);

  mark = notify.Messages().size();
  run->process().Signal(SIGTERM);
  EXPECT_EQ(run->Wait(absl::Seconds(10)), 0) << run->Log();
  EXPECT_TRUE(notify.Seen("STOPPING=1", mark));
  const Json fin = run->FinalLine();
  ASSERT_TRUE(fin.is_object());
  EXPECT_EQ(fin["totals"]["reloads"].value("ok", 0), 2);
}

struct BrokenConfig {
  const char* name;
  std::string flags;     // the flagfile, or "" to keep it and break the scenario instead
  std::string scenario;  // the scenario text when it is what is broken
  std::string want;      // in the ERROR line
};

TEST_F(ServiceTest, BrokenConfigsAreRefusedAndTheLoadGoesOn) {
  const std::string good = ReadFile(SrcDir() + "/conf/scenarios/rdp.yaml");
  const std::string scenario = dir_.File("scenario.yaml");
  WriteFile(scenario, good);
  WriteFlags(1000, scenario);
  auto run = FleetsimRun::Start({"--flagfile=" + flags_});
  ASSERT_TRUE(WaitOnline(1000)) << run->Log();
  const std::string good_flags = ReadFile(flags_);
  auto edit = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    EXPECT_NE(s.find(from), std::string::npos) << from;
    return absl::StrReplaceAll(s, {{from, to}});
  };
  const std::vector<BrokenConfig> cases = {
      {"bad YAML", "", edit("scenario: rdp", "scenario: [rdp"), "YAML syntax error"},
      {"unknown key", "", edit("seed: 1", "sede: 1"), "scenario.yaml:13: sede: unknown key"},
      {"bad format string", "",
       edit("format: \"!HBBIH I\"\n    values: [0x4653, 1, 0x02",
            "format: \"!HBBIH Y\"\n    values: [0x4653, 1, 0x02"),
       "messages.heartbeat.format: bad char 'Y'"},
      {"unknown variable", "",
       edit("$len, $session]\n  heartbeat_ack", "$len, $sesion]\n  heartbeat_ack"),
       "unknown variable '$sesion'"},
      {"missing scenario file",
       absl::StrReplaceAll(good_flags, {{scenario, dir_.File("missing.yaml")}}), "",
       "missing.yaml: cannot read scenario"},
      {"unknown flag", good_flags + "--stats_intervall=2s\n", "", "unknown flag --stats_intervall"},
      {"unknown --set key", absl::StrCat(good_flags, "--set=device.cont=5\n"), "",
       "fleetsim.flags:7: --set device.cont=5"},
  };
  int refused = 0;
  for (const BrokenConfig& c : cases) {
    if (!c.flags.empty()) WriteFile(flags_, c.flags);
    if (!c.scenario.empty()) WriteFile(scenario, c.scenario);
    const size_t before = run->Log().size();
    run->process().Signal(SIGHUP);
    ASSERT_TRUE(
        WaitUntil([&] { return run->Log().find("reload refused", before) != std::string::npos; },
                  absl::Seconds(10)))
        << c.name << "\n"
        << run->Log().substr(before);
    const std::string after = run->Log().substr(before);
    EXPECT_NE(after.find(c.want), std::string::npos) << c.name << ": '" << c.want << "' not in\n"
                                                     << after;
    ++refused;
    // The running load did not move.
    EXPECT_EQ(Online(), 1000) << c.name;
    WriteFile(flags_, good_flags);
    WriteFile(scenario, good);
  }
  Json t = target_->Counters();
  EXPECT_EQ(Cmd(t, "LOGIN", "received"), 1000u);
  EXPECT_EQ(t["connections"].value("closed", -1), Cmd(t, "REPORT", "received")) << t;
  // The failures are counted in the stats.
  EXPECT_TRUE(run->WaitLine(
      [&](const Json& l) {
        return l["totals"]["reloads"].value("failed", 0) == refused &&
               l.value("config_generation", 0) == 1;
      },
      absl::Seconds(5)));
  run->process().Signal(SIGTERM);
  EXPECT_EQ(run->Wait(absl::Seconds(10)), 0) << run->Log();
}

TEST_F(ServiceTest, AKilledWorkerIsReplacedAndItsMembersReconnect) {
  auto run = FleetsimRun::Start({"--flagfile=" + flags_});
  ASSERT_TRUE(WaitOnline(2000)) << run->Log();
  // What a worker counted after its last publish dies with it; wait until both published
  // every login, so the counts below are exact.
  ASSERT_TRUE(run->WaitLine(
      [](const Json& l) { return l["totals"]["steps"]["login"].value("received", 0) == 2000; },
      absl::Seconds(10)));
  // The master's children are its workers.
  std::vector<pid_t> workers;
  for (absl::string_view l :
       absl::StrSplit(ReadFile(absl::StrCat("/proc/", run->process().pid(), "/task/",
                                            run->process().pid(), "/children")),
                      ' ', absl::SkipEmpty())) {
    workers.push_back(std::stoi(std::string(l)));
  }
  ASSERT_EQ(workers.size(), 2u);
  kill(workers[0], SIGKILL);
  // Its members reconnect through the replacement; the online count returns to its target.
  ASSERT_TRUE(run->WaitLine(
      [](const Json& l) {
        return l["totals"].value("worker_respawns", 0) == 1 &&
               l["devices"].value("online", 0) == 2000;
      },
      absl::Seconds(20)))
      << run->Log();
  EXPECT_TRUE(WaitOnline(2000));
  const std::string log = run->Log();
  EXPECT_NE(log.find("killed by signal 9"), std::string::npos) << log;
  EXPECT_NE(log.find("respawned as pid"), std::string::npos);
  run->process().Signal(SIGTERM);
  EXPECT_EQ(run->Wait(absl::Seconds(10)), 0) << run->Log();
  const Json fin = run->FinalLine();
  ASSERT_TRUE(fin.is_object());
  // The stats stayed continuous: the dead worker's counts kept, its members counted lost.
  EXPECT_EQ(fin["totals"]["members"].value("lost", 0), 1000);
  EXPECT_EQ(fin["totals"]["steps"]["login"].value("sent", 0), 3000);
  const Json t = target_->Counters();
  EXPECT_EQ(Cmd(t, "LOGIN", "received"), 3000u);
  // What the killed worker sent after its last publish (at most --publish_interval, 200 ms, of
  // its 1,000 devices' heartbeats every 2 s) died with it; nothing else may differ.
  const uint64_t sent = fin["totals"]["steps"]["heartbeat"].value("sent", 0u);
  EXPECT_LE(sent, Cmd(t, "HEARTBEAT", "received"));
  EXPECT_GE(sent + 150, Cmd(t, "HEARTBEAT", "received"));
}

TEST_F(ServiceTest, SigtermStopsWithinTheGraceWithAFinalLine) {
  auto run = FleetsimRun::Start({"--flagfile=" + flags_});
  ASSERT_TRUE(WaitOnline(2000)) << run->Log();
  const absl::Time sent = absl::Now();
  run->process().Signal(SIGTERM);
  EXPECT_EQ(run->Wait(absl::Seconds(15)), 0) << run->Log();
  EXPECT_LT(absl::Now() - sent, absl::Seconds(5));  // --grace=5s
  const Json fin = run->FinalLine();
  ASSERT_TRUE(fin.is_object());
  EXPECT_EQ(fin["totals"]["members"].value("stopped", 0), 2000);
  EXPECT_NE(run->Log().find("fleetsim summary"), std::string::npos);
  const Json t = target_->Counters();
  EXPECT_EQ(Cmd(t, "LOGOUT", "received"), 2000u);  // their closing steps ran
  EXPECT_EQ(Get(t, "devices", "online"), 0);
}

}  // namespace
}  // namespace fleetsim::testing
