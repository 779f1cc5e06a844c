// Copyright fleetsim authors.

#include "src/collector.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "src/sample_wire.h"
#include "tests/testlib/files.h"
#include "tests/testlib/net.h"
#include "tests/testlib/testdata.h"

namespace fleetsim {
namespace {

using json = nlohmann::json;

// A stand-in agent on loopback: answers each request with what `next` returns, or holds
// the connection unanswered while silent.
class FakeAgent {
 public:
  FakeAgent() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    socklen_t len = sizeof(a);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    name_ = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
    listen(fd_, 16);
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeAgent() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
    for (int c : held_) close(c);
  }
  const std::string& name() const { return name_; }
  void Respond(int status, std::string body) {
    std::lock_guard<std::mutex> l(mu_);
    status_ = status;
    body_ = std::move(body);
    silent_ = false;
  }
  void Silent() {
    std::lock_guard<std::mutex> l(mu_);
    silent_ = true;
  }

 private:
  void Serve() {
    while (!stop_) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string req;
      char buf[4096];
      while (req.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = recv(c, buf, sizeof(buf), 0);
        if (n <= 0) break;
        req.append(buf, n);
      }
      std::lock_guard<std::mutex> l(mu_);
      if (silent_) {
        held_.push_back(c);
        continue;
      }
      const std::string resp = "HTTP/1.1 " + std::to_string(status_) +
                               " X\r\nContent-Length: " + std::to_string(body_.size()) +
                               "\r\nConnection: close\r\n\r\n" + body_;
      send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
      close(c);
    }
  }
  int fd_ = -1;
  std::string name_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  // std::mutex, not absl::Mutex: Debian's libabsl is not built for TSan.
  std::mutex mu_;
  int status_ = 200;
  std::string body_;
  bool silent_ = false;
  std::vector<int> held_;
};

// The edge fixture as the agent would serve it, at agent time `mono_s`.
std::string EdgeBody(const char* t, int64_t mono_s, uint64_t starttime = 5000) {
  HostSampler sampler(testing::FixtureRoots(std::string("proc_edge/") + t), WatchSpec{0, "srv"}, 0);
  HostSample s = sampler.Sample();
  s.mono_ns = mono_s * 1'000'000'000;
  if (s.process.has_value()) s.process->starttime = starttime;
  Inventory inv = ReadInventory(testing::FixtureRoots(std::string("proc_edge/") + t));
  return SampleToJson(s, &inv).dump();
}

CollectorOptions Options(std::vector<std::string> agents, absl::Duration timeout) {
  CollectorOptions o;
  o.agents = std::move(agents);
  o.timeout = timeout;
  return o;
}

TEST(CollectorTest, RatesFromTwoPollsThroughTheWire) {
  FakeAgent agent;
  Collector c({agent.name()}, absl::Seconds(2));
  EXPECT_TRUE(c.ServersJson()[agent.name()]["stale"].get<bool>());  // not polled yet
  agent.Respond(200, EdgeBody("t0", 1));
  c.Poll();
  json first = c.ServersJson()[agent.name()];
  EXPECT_FALSE(first["stale"].get<bool>());
  EXPECT_FALSE(first["cpu"].contains("busy_pct"));  // rates need two samples
  EXPECT_EQ(first["tcp"]["inuse"], 21);             // gauges are there at once
  EXPECT_EQ(c.live_agents(), 1);

  agent.Respond(200, EdgeBody("t1", 5));
  c.Poll();
  json j = c.ServersJson()[agent.name()];
  EXPECT_EQ(j["stale"], false);
  EXPECT_EQ(j["interval_s"], 4.0);
  EXPECT_EQ(j["cpu"]["busy_pct"], 75.0);
  EXPECT_EQ(j["cpu"]["user_pct"], 50.0);
  EXPECT_EQ(j["cpu"]["iowait_pct"], 0.0);
  EXPECT_EQ(j["load1"], 2.5);
  EXPECT_EQ(j["mem"]["used_bytes"], 400000ull * 1024);
  EXPECT_EQ(j["mem"]["available_bytes"], 600000ull * 1024);
  EXPECT_EQ(j["disk"]["read_kBps"], 2200.0);
  EXPECT_EQ(j["disk"]["write_kBps"], 1600.0);
  EXPECT_EQ(j["disk"]["util_pct"], 80.0);
  EXPECT_EQ(j["net"]["rx_Bps"], 110000.0);
  EXPECT_EQ(j["net"]["tx_Bps"], 60000.0);
  EXPECT_EQ(j["tcp"]["inuse"], 1025);
  EXPECT_EQ(j["tcp"]["tw"], 30);
  EXPECT_EQ(j["tcp"]["listen_overflows"], 5);
  EXPECT_EQ(j["process"]["cpu_pct"], 75.0);
  EXPECT_EQ(j["process"]["rss_bytes"], 20480ull * 1024);
  EXPECT_EQ(j["process"]["fds"], 5);
  EXPECT_EQ(j["process"]["restarts"], 0);

  json inv = c.InventoryJson();
  EXPECT_EQ(inv["servers"][agent.name()]["hostname"], "edgehost");
  EXPECT_TRUE(inv["generator"].contains("logical_cpus"));
  EXPECT_TRUE(absl::StrContains(c.InventorySummary(),
                                "server " + agent.name() + ": edgehost kernel 9.9.9-test"))
      << c.InventorySummary();
  const std::string line = c.HumanSummary();
  EXPECT_TRUE(
      absl::StrContains(line, "srv " + agent.name() + " cpu 75.0% mem 0.4/1.0GiB disk 80.0%"))
      << line;
  EXPECT_TRUE(absl::StrContains(line, "| gen cpu ")) << line;
}

TEST(CollectorTest, NoRatesOverIntervalsShorterThanTheMinimum) {
  FakeAgent agent;
  Collector c({agent.name()}, absl::Seconds(2));  // min_rate_interval 200 ms
  agent.Respond(200, EdgeBody("t0", 1));
  c.Poll();
  // 100 ms of agent time later: gauges only, and t0 stays the base.
  HostSampler sampler(testing::FixtureRoots("proc_edge/t1"), WatchSpec{0, "srv"}, 0);
  HostSample soon = sampler.Sample();
  soon.mono_ns = 1'100'000'000;
  agent.Respond(200, SampleToJson(soon, nullptr).dump());
  c.Poll();
  json j = c.ServersJson()[agent.name()];
  EXPECT_FALSE(j.contains("interval_s"));
  EXPECT_FALSE(j["cpu"].contains("busy_pct"));
  EXPECT_EQ(j["tcp"]["inuse"], 1025);
  // At 5 s the rates span the 4 s since t0, as if the early sample had not come.
  agent.Respond(200, EdgeBody("t1", 5));
  c.Poll();
  j = c.ServersJson()[agent.name()];
  EXPECT_EQ(j["interval_s"], 4.0);
  EXPECT_EQ(j["cpu"]["busy_pct"], 75.0);
  // An agent host that rebooted (its clock went back) becomes the new base at once.
  agent.Respond(200, EdgeBody("t0", 2));
  c.Poll();
  agent.Respond(200, EdgeBody("t1", 6));
  c.Poll();
  EXPECT_EQ(c.ServersJson()[agent.name()]["interval_s"], 4.0);
}

TEST(CollectorTest, CountsRestartsByStartTime) {
  FakeAgent agent;
  Collector c({agent.name()}, absl::Seconds(2));
  agent.Respond(200, EdgeBody("t0", 1));
  c.Poll();
  agent.Respond(200, EdgeBody("t1", 5, /*starttime=*/9000));  // a new process
  c.Poll();
  json p = c.ServersJson()[agent.name()]["process"];
  EXPECT_EQ(p["restarts"], 1);
  EXPECT_FALSE(p.contains("cpu_pct"));  // no rate across a restart
  // Gone for a poll, then back again with another start time: still noticed.
  HostSample gone;
  gone.mono_ns = 6'000'000'000;
  gone.process_watched = true;
  gone.process_error = "no process named 'srv'";
  agent.Respond(200, SampleToJson(gone, nullptr).dump());
  c.Poll();
  EXPECT_EQ(c.ServersJson()[agent.name()]["process"]["error"], "no process named 'srv'");
  agent.Respond(200, EdgeBody("t1", 7, /*starttime=*/9500));
  c.Poll();
  EXPECT_EQ(c.ServersJson()[agent.name()]["process"]["restarts"], 2);
}

TEST(CollectorTest, SilentAgentIsStaleWithinTheTimeoutAndComesBack) {
  FakeAgent agent, good;
  Collector c({agent.name(), good.name()}, absl::Milliseconds(400));
  agent.Respond(200, EdgeBody("t0", 1));
  good.Respond(200, EdgeBody("t0", 1));
  c.Poll();
  agent.Silent();
  const absl::Time start = absl::Now();
  c.Poll();
  const absl::Duration took = absl::Now() - start;
  EXPECT_LT(took, absl::Milliseconds(400 + 300)) << "a silent agent delayed the poll";
  json j = c.ServersJson();
  EXPECT_EQ(j[agent.name()]["stale"], true);
  EXPECT_TRUE(absl::StrContains(j[agent.name()]["error"].get<std::string>(), "timed out"));
  EXPECT_EQ(j[agent.name()]["consecutive_failures"], 1);
  EXPECT_TRUE(j[agent.name()].contains("last_ok_age_s"));
  EXPECT_EQ(j[good.name()]["stale"], false);
  EXPECT_EQ(c.live_agents(), 1);
  EXPECT_TRUE(absl::StrContains(c.HumanSummary(), "srv " + agent.name() + " STALE"));
  // Back: rates span the gap since the last good sample (t0 at 1 s -> t1 at 5 s).
  agent.Respond(200, EdgeBody("t1", 5));
  c.Poll();
  j = c.ServersJson()[agent.name()];
  EXPECT_EQ(j["stale"], false);
  EXPECT_EQ(j["interval_s"], 4.0);
  EXPECT_EQ(j["cpu"]["busy_pct"], 75.0);
}

TEST(CollectorTest, DeadBadAndUnresolvableAgents) {
  FakeAgent forbidden, garbage, wrong_format;
  forbidden.Respond(403, "forbidden: client address not in --allow\n");
  garbage.Respond(200, "{not json");
  wrong_format.Respond(200, R"({"format":"something-else/1","mono_ns":1,"user_hz":100})");
  const std::string dead = "127.0.0.1:" + std::to_string(testing::FreePorts(1)[0]);
  Collector c(
      {forbidden.name(), garbage.name(), wrong_format.name(), dead, "no-such-host.invalid:9310"},
      absl::Seconds(2));
  const absl::Time start = absl::Now();
  EXPECT_NO_THROW(c.Poll());
  EXPECT_LT(absl::Now() - start, absl::Seconds(1)) << "refusals should not wait for the timeout";
  json j = c.ServersJson();
  auto error = [&](const std::string& name) { return j[name]["error"].get<std::string>(); };
  EXPECT_TRUE(absl::StrContains(error(forbidden.name()), "HTTP 403: forbidden")) << j.dump();
  EXPECT_TRUE(absl::StrContains(error(garbage.name()), "not JSON")) << j.dump();
  EXPECT_TRUE(absl::StrContains(error(wrong_format.name()), "format")) << j.dump();
  EXPECT_TRUE(absl::StrContains(error(dead), "refused")) << j.dump();
  EXPECT_FALSE(error("no-such-host.invalid:9310").empty());
  for (const auto& [name, v] : j.items()) EXPECT_EQ(v["stale"], true) << name;
  EXPECT_EQ(c.live_agents(), 0);
  EXPECT_TRUE(c.InventoryJson()["servers"][dead].is_null());
  EXPECT_NO_THROW(c.ServersJson().dump());
}

TEST(CollectorTest, GeneratorIsSampledLocallyAndFlagsItsOwnSaturation) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.File("proc"));
  auto stat = [&](int user, int idle) {
    testing::WriteFile(dir.File("proc/stat"), "cpu  0 0 0 0 0 0 0 0 0 0\ncpu0 " +
                                                  std::to_string(user) + " 0 0 " +
                                                  std::to_string(idle) + " 0 0 0 0 0 0\nbtime 1\n");
  };
  CollectorOptions o = Options({}, absl::Seconds(1));
  o.local_roots = SysRoots{dir.File("proc"), dir.File("sys")};
  o.bottleneck_busy_pct = 90;
  o.min_rate_interval = absl::ZeroDuration();  // the polls below are microseconds apart
  Collector c(o);
  stat(0, 0);
  c.Poll();
  EXPECT_EQ(c.GeneratorJson()["bottleneck"], false);  // no rate yet
  stat(95, 5);
  c.Poll();
  json g = c.GeneratorJson();
  EXPECT_EQ(g["cpu"]["busy_pct"], 95.0);
  EXPECT_EQ(g["bottleneck"], true);
  EXPECT_EQ(g["stale"], false);
  EXPECT_TRUE(absl::StrContains(c.HumanSummary(), "gen cpu 95.0% BOTTLENECK")) << c.HumanSummary();
  stat(145, 55);  // 50 busy, 50 idle
  c.Poll();
  EXPECT_EQ(c.GeneratorJson()["bottleneck"], false);
  EXPECT_EQ(c.ServersJson(), json::object());
}

TEST(CollectorTest, OddInventoryNeverThrows) {
  FakeAgent agent;
  json body = json::parse(EdgeBody("t1", 5));
  body["inventory"]["sockets"] = "two";
  body["inventory"]["disks"] = json::array({json{{"rotational", "yes"}}});
  agent.Respond(200, body.dump());
  Collector c({agent.name()}, absl::Seconds(2));
  c.Poll();
  std::string summary;
  EXPECT_NO_THROW(summary = c.InventorySummary());
  EXPECT_TRUE(absl::StrContains(summary, "unexpected format")) << summary;
  EXPECT_EQ(c.InventoryJson()["servers"][agent.name()]["sockets"], "two");
}

TEST(CollectorTest, ParseAgentList) {
  absl::StatusOr<std::vector<std::string>> l =
      Collector::ParseAgentList("127.0.0.1:9310, server-b:9310,[::1]:9310,");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(*l, (std::vector<std::string>{"127.0.0.1:9310", "server-b:9310", "[::1]:9310"}));
  EXPECT_TRUE(Collector::ParseAgentList("")->empty());
  EXPECT_FALSE(Collector::ParseAgentList("127.0.0.1").ok());
  EXPECT_FALSE(Collector::ParseAgentList("a:1,b:x").ok());
}

TEST(CollectorTest, ReadersRunConcurrentlyWithPoll) {
  FakeAgent agent;
  agent.Respond(200, EdgeBody("t1", 5));
  Collector c({agent.name()}, absl::Seconds(2));
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done) {
      c.ServersJson().dump();
      c.HumanSummary();
    }
  });
  for (int i = 0; i < 20; ++i) c.Poll();
  done = true;
  reader.join();
  EXPECT_EQ(c.live_agents(), 1);
}

}  // namespace
}  // namespace fleetsim
