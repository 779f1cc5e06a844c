// Copyright fleetsim authors.
//
// End to end: the real fleetsim-agent on this machine, polled by a Collector, sees load
// we make: a spinning process (CPU), a 200 MB write + fsync (disk), 500 loopback
// connections (sockets), and a watched server that restarts.

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>

#include "glog/logging.h"
#include "gtest/gtest.h"
#include "src/collector.h"
#include "tests/testlib/agent_runner.h"
#include "tests/testlib/files.h"
#include "tests/testlib/netns.h"
#include "tests/testlib/subprocess.h"
#include "tests/testlib/wait.h"

namespace fleetsim {
namespace {

using json = nlohmann::json;
using testing::AgentRunner;
using testing::WaitUntil;

double Num(const json& j, const char* pointer, double otherwise = -1) {
  const json::json_pointer p(pointer);
  return j.contains(p) && j[p].is_number() ? j[p].get<double>() : otherwise;
}

TEST(AgentE2ETest, BusyLoopShowsAsServerCpuAndWatchedProcessCpu) {
  testing::TempDir dir;
  testing::Subprocess spinner =
      testing::Subprocess::Start({"/bin/sh", "-c", "while :; do :; done"}, dir.File("spinner.log"));
  std::unique_ptr<AgentRunner> agent =
      AgentRunner::Start({"--watch_pid=" + std::to_string(spinner.pid())});
  ASSERT_NE(agent, nullptr);
  Collector c({agent->address()}, absl::Seconds(2));
  c.Poll();
  json j;
  // One spinning process is one core: >= 50 % of this 2-core machine, >= 40 % anywhere
  // with up to 2.5 cores. Polled every 0.5 s until seen, 15 s at most.
  const bool seen = WaitUntil(
      [&] {
        c.Poll();
        j = c.ServersJson()[agent->address()];
        return Num(j, "/cpu/busy_pct") >= 40 && Num(j, "/process/cpu_pct") >= 30;
      },
      absl::Seconds(15), absl::Milliseconds(500));
  EXPECT_TRUE(seen) << j.dump();
  // A single thread cannot use more than a core; 2 ticks of slack over >= 0.5 s.
  EXPECT_LE(Num(j, "/process/cpu_pct"), 105);
  EXPECT_GE(Num(j, "/interval_s"), 0.45);
  EXPECT_EQ(j["process"]["pid"], spinner.pid());
  EXPECT_EQ(j["process"]["threads"], 1);
  EXPECT_GT(Num(j, "/process/rss_bytes"), 0);
  EXPECT_GE(Num(j, "/process/fds"), 3);
  EXPECT_EQ(j["stale"], false);
  LOG(INFO) << "busy " << j["cpu"].dump() << " process " << j["process"].dump();

  spinner.Stop(absl::Seconds(2));
  c.Poll();
  j = c.ServersJson()[agent->address()];
  EXPECT_EQ(j["process"]["error"], "pid " + std::to_string(spinner.pid()) + " not found");
}

TEST(AgentE2ETest, Writing200MBAndSyncingShowsDiskWriteThroughput) {
  // On the repository's own disk (out/), not /tmp, which may be a tmpfs elsewhere.
  const char* src = getenv("FLEETSIM_SRC_DIR");
  std::string base = std::string(src != nullptr ? src : ".") + "/out";
  std::filesystem::create_directories(base);
  std::string tmpl = base + "/agent-e2e-disk-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  const std::string file = tmpl + "/200mb";

  std::unique_ptr<AgentRunner> agent = AgentRunner::Start({});
  ASSERT_NE(agent, nullptr);
  CollectorOptions o;
  o.agents = {agent->address()};
  o.timeout = absl::Seconds(2);
  o.min_rate_interval = absl::ZeroDuration();  // a fast disk may take < 200 ms
  Collector c(o);
  c.Poll();
  constexpr size_t kMiB = 1 << 20, kTotal = 200 * kMiB;
  std::string buf(kMiB, '\0');
  for (size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<char>(i * 7919 % 251);
  const int fd = open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0) << strerror(errno);
  for (size_t done = 0; done < kTotal; done += kMiB) {
    ASSERT_EQ(write(fd, buf.data(), kMiB), static_cast<ssize_t>(kMiB));
  }
  ASSERT_EQ(fsync(fd), 0);
  close(fd);
  c.Poll();
  json j = c.ServersJson()[agent->address()];
  std::filesystem::remove_all(tmpl);
  const double interval = Num(j, "/interval_s");
  const double kbps = Num(j, "/disk/write_kBps");
  const double written_kb = kbps * interval;
  LOG(INFO) << "disk " << j["disk"].dump() << " over " << interval << " s";
  ASSERT_GT(interval, 0) << j.dump();
  // The 200 MiB reached the disk between the polls (fsync); others' I/O may add some. 90 %:
  // the figure is a rate times a rounded interval, and a busy machine showed 94.8 % once.
  EXPECT_GE(written_kb, 0.90 * kTotal / 1024) << j["disk"].dump();
  EXPECT_LE(written_kb, 20.0 * kTotal / 1024) << j["disk"].dump();
  EXPECT_LT(kbps, 20e6) << "over 20 GB/s is not a real disk";
  EXPECT_GT(Num(j, "/disk/w_s"), 0);
  EXPECT_GE(Num(j, "/disk/util_pct"), 0);
  EXPECT_LE(Num(j, "/disk/util_pct"), 100);
  EXPECT_FALSE(j["disk"]["counted"].empty());
}

struct Sockets {
  int listener = -1;
  std::vector<int> clients, accepted;
  ~Sockets() {
    for (int fd : clients) close(fd);
    for (int fd : accepted) close(fd);
    if (listener >= 0) close(listener);
  }
};

// Opens `n` connections to a new listener on 127.0.0.1 and accepts them all.
bool OpenConnections(int n, Sockets* s) {
  s->listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  if (bind(s->listener, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      listen(s->listener, 1024) != 0 ||
      getsockname(s->listener, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    return false;
  }
  for (int i = 0; i < n; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    s->clients.push_back(fd);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 && errno != EINPROGRESS) {
      return false;
    }
    // Accept as we go so the backlog never overflows.
    pollfd p{s->listener, POLLIN, 0};
    while (poll(&p, 1, 0) > 0)
      s->accepted.push_back(accept4(s->listener, nullptr, nullptr, SOCK_CLOEXEC));
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (static_cast<int>(s->accepted.size()) < n && absl::Now() < deadline) {
    pollfd p{s->listener, POLLIN, 0};
    if (poll(&p, 1, 100) > 0) {
      s->accepted.push_back(accept4(s->listener, nullptr, nullptr, SOCK_CLOEXEC));
    }
  }
  return static_cast<int>(s->accepted.size()) == n;
}

TEST(AgentE2ETest, TcpInuseRisesByTheConnectionsOpened) {
  constexpr int kConns = 500;
  testing::ScopedNetns ns;
  if (!ns.ok()) {
    LOG(WARNING) << "no private network namespace (" << ns.error()
                 << "): measuring in the shared one, where other processes add noise";
  }
  std::unique_ptr<AgentRunner> agent = AgentRunner::Start({});
  ASSERT_NE(agent, nullptr);
  Collector c({agent->address()}, absl::Seconds(2));
  auto tcp = [&](const char* key) {
    c.Poll();
    return Num(c.ServersJson()[agent->address()], (std::string("/tcp/") + key).c_str());
  };
  c.Poll();
  const double inuse0 = tcp("inuse"), estab0 = tcp("estab"), tw0 = tcp("tw");
  {
    Sockets s;
    ASSERT_TRUE(OpenConnections(kConns, &s));
    // Each connection is two sockets here (client + accepted), plus the listener.
    const double inuse1 = tcp("inuse"), estab1 = tcp("estab");
    LOG(INFO) << "inuse " << inuse0 << " -> " << inuse1 << ", estab " << estab0 << " -> " << estab1;
    if (ns.ok()) {
      EXPECT_EQ(inuse1 - inuse0, 2 * kConns + 1);
      EXPECT_EQ(estab1 - estab0, 2 * kConns);
    } else {
      EXPECT_GE(inuse1 - inuse0, 2 * kConns * 0.9);
    }
    // Clients close first, so they (the active closers) end in TIME_WAIT.
    for (int fd : s.clients) close(fd);
    s.clients.clear();
    for (int fd : s.accepted) close(fd);
    s.accepted.clear();
    double tw = 0;
    EXPECT_TRUE(WaitUntil([&] { return (tw = tcp("tw")) - tw0 >= kConns; }, absl::Seconds(10)))
        << "tw " << tw0 << " -> " << tw;
  }
  if (ns.ok()) {
    double inuse = 0;
    EXPECT_TRUE(WaitUntil([&] { return (inuse = tcp("inuse")) == inuse0; }, absl::Seconds(10)))
        << inuse0 << " -> " << inuse;
  }
}

TEST(AgentE2ETest, WatchByNameFollowsARestart) {
  testing::TempDir dir;
  // A uniquely named server: a copy of sleep(1). Its comm is the first 15 characters.
  const std::string name = "fleetsim-e2e-srv";
  const std::string bin = dir.File(name);
  std::filesystem::copy_file("/bin/sleep", bin);
  std::filesystem::permissions(bin, std::filesystem::perms::owner_all);
  auto first = std::make_unique<testing::Subprocess>(
      testing::Subprocess::Start({bin, "60"}, dir.File("srv1.log")));
  std::unique_ptr<AgentRunner> agent = AgentRunner::Start({"--watch_name=" + name});
  ASSERT_NE(agent, nullptr);
  Collector c({agent->address()}, absl::Seconds(2));
  json p;
  auto pid_is = [&](pid_t pid) {
    return WaitUntil(
        [&] {
          c.Poll();
          p = c.ServersJson()[agent->address()]["process"];
          return p.value("pid", 0) == pid;
        },
        absl::Seconds(10), absl::Milliseconds(100));
  };
  ASSERT_TRUE(pid_is(first->pid())) << p.dump();
  EXPECT_EQ(p["name"], name.substr(0, 15));
  EXPECT_EQ(p["restarts"], 0);
  first->Stop(absl::Seconds(2));
  testing::Subprocess second = testing::Subprocess::Start({bin, "60"}, dir.File("srv2.log"));
  ASSERT_TRUE(pid_is(second.pid())) << p.dump();
  EXPECT_EQ(p["restarts"], 1);
  second.Stop(absl::Seconds(2));
}

}  // namespace
}  // namespace fleetsim
