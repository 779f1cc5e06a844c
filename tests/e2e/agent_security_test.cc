// Copyright fleetsim authors.
//
// End to end: fleetsim-agent is safe to leave on a server. Clients outside --allow are
// refused; oversized and malformed requests get an error while the agent stays up;
// 5,000 idle connections do not stop it answering a scrape; the client limit holds and
// idle clients are reclaimed.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "glog/logging.h"
#include "gtest/gtest.h"
#include "src/http_get.h"
#include "src/proc_file.h"
#include "src/proc_pid.h"
#include "tests/testlib/agent_runner.h"
#include "tests/testlib/net.h"
#include "tests/testlib/wait.h"

namespace fleetsim {
namespace {

using testing::AgentRunner;

// Sends `request` from source address `src` ("" = any) and returns the status line's
// code, 0 if the connection closed without one, -1 if it could not connect.
int StatusOf(int port, const std::string& request, const std::string& src = "") {
  testing::TestConn c;
  if (!c.Connect("127.0.0.1", port, absl::Seconds(5), src)) return -1;
  c.Send(request);
  std::string out;
  char buf[16384];
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (absl::Now() < deadline && out.find("\r\n") == std::string::npos) {
    pollfd p{c.fd(), POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    ssize_t n = recv(c.fd(), buf, sizeof(buf), 0);
    if (n <= 0) break;
    out.append(buf, n);
  }
  int code = 0;
  if (out.rfind("HTTP/1.", 0) == 0 && out.size() >= 12) code = std::stoi(out.substr(9, 3));
  return code;
}

const std::string kGet = "GET /sample HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";

TEST(AgentSecurityTest, RefusesClientsOutsideTheAllowList) {
  // Bound on 127.0.0.1, allowing only 127.0.0.1: a client from 127.0.0.5 is refused.
  std::unique_ptr<AgentRunner> agent = AgentRunner::Start({"--allow=127.0.0.1/32"});
  ASSERT_NE(agent, nullptr);
  EXPECT_EQ(StatusOf(agent->port(), kGet, "127.0.0.5"), 403);
  EXPECT_EQ(StatusOf(agent->port(), kGet, "127.0.0.1"), 200);
  // Allowing only 127.0.0.2 refuses 127.0.0.1, the address every other test uses
  // (started by hand: AgentRunner's readiness probe comes from 127.0.0.1).
  testing::TempDir dir;
  const int port = testing::FreePorts(1)[0];
  testing::Subprocess p = testing::Subprocess::Start(
      {testing::BinPath("fleetsim-agent"), "--listen=127.0.0.1:" + std::to_string(port),
       "--allow=127.0.0.2/32"},
      dir.File("agent.log"));
  ASSERT_TRUE(testing::WaitUntil([&] { return StatusOf(port, kGet, "127.0.0.2") == 200; },
                                 absl::Seconds(10)))
      << p.Log();
  EXPECT_EQ(StatusOf(port, kGet, "127.0.0.1"), 403);
  EXPECT_EQ(StatusOf(port, "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n", "127.0.0.1"), 403);
  EXPECT_TRUE(absl::StrContains(p.Log(), "not in --allow")) << p.Log();
  // A bad --allow is a startup error, not a silently open agent.
  testing::Subprocess bad = testing::Subprocess::Start(
      {testing::BinPath("fleetsim-agent"), "--listen=127.0.0.1:0", "--allow=10.0.0.1/8"},
      dir.File("bad.log"));
  std::optional<int> st = bad.Wait(absl::Seconds(10));
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(testing::ExitCode(*st), 2) << bad.Log();
}

TEST(AgentSecurityTest, OversizedAndMalformedRequestsGetErrorsAndTheAgentStaysUp) {
  std::unique_ptr<AgentRunner> agent = AgentRunner::Start({"--max_request_bytes=8192"});
  ASSERT_NE(agent, nullptr);
  const int port = agent->port();
  EXPECT_EQ(StatusOf(port, "GET /sample HTTP/1.1\r\nHost: a\r\nX-Pad: " +
                               std::string(64 << 10, 'p') + "\r\n\r\n"),
            431);
  EXPECT_EQ(
      StatusOf(port, "GET /" + std::string(64 << 10, 'u') + " HTTP/1.1\r\nHost: a\r\n\r\n") / 10,
      41);  // 414 or 413-class: too long
  EXPECT_EQ(StatusOf(port, "POST /sample HTTP/1.1\r\nHost: a\r\nContent-Length: 1048576\r\n\r\n" +
                               std::string(1 << 20, 'b')),
            405);
  EXPECT_EQ(StatusOf(port, "GET /sample HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nbody"),
            413);
  EXPECT_EQ(StatusOf(port,
                     "GET /sample HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "4\r\nbody\r\n0\r\n\r\n"),
            413);
  EXPECT_EQ(StatusOf(port, "GET /metrics HTTP/1.1\r\n\r\n"), 400);  // no Host
  EXPECT_EQ(StatusOf(port, "GET /metrics HTTP/1.1\r\nno colon here\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(StatusOf(port, "GET /metrics HTTP/7.0\r\nHost: a\r\n\r\n"), 505);
  EXPECT_EQ(StatusOf(port, "BREW /coffee HTCPCP/1.0\r\n\r\n") / 100, 4);
  EXPECT_EQ(StatusOf(port, "GET /etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n"), 404);
  EXPECT_EQ(StatusOf(port, "GET /sample?cmd=rm HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"),
            200);  // query strings are ignored: nothing is executed
  EXPECT_EQ(StatusOf(port, "GARBAGE\r\n\r\n"), 0);  // closed without a status line
  EXPECT_TRUE(agent->process().running());
  EXPECT_EQ(agent->Get("/metrics").status, 200);
}

// Opens `n` TCP connections to 127.0.0.1:port and waits until all are established.
std::vector<int> OpenIdle(int port, int n) {
  std::vector<int> fds;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int i = 0; i < n; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) break;
    fds.push_back(fd);
    connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  }
  // Wait for every handshake (a full accept queue makes the kernel retry the SYN).
  std::vector<pollfd> pending;
  for (int fd : fds) pending.push_back(pollfd{fd, POLLOUT, 0});
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (!pending.empty() && absl::Now() < deadline) {
    poll(pending.data(), pending.size(), 200);
    std::vector<pollfd> still;
    for (const pollfd& p : pending) {
      if (p.revents == 0) still.push_back(pollfd{p.fd, POLLOUT, 0});
    }
    pending.swap(still);
  }
  EXPECT_TRUE(pending.empty()) << pending.size() << " connections never completed";
  return fds;
}

int64_t RssKb(pid_t pid) {
  absl::StatusOr<std::string> s = ReadProcFile("/proc/" + std::to_string(pid) + "/status");
  PidStatus st = ParsePidStatus(s.value_or(""));
  return st.vm_rss_bytes.has_value() ? static_cast<int64_t>(*st.vm_rss_bytes / 1024) : -1;
}

TEST(AgentSecurityTest, FiveThousandIdleConnectionsDoNotStopAScrape) {
  // Defaults, except a long idle timeout so the connections stay for the whole test.
  std::unique_ptr<AgentRunner> agent = AgentRunner::Start({"--client_timeout=60s"});
  ASSERT_NE(agent, nullptr);
  const int64_t rss_before = RssKb(agent->process().pid());
  std::vector<int> idle = OpenIdle(agent->port(), 5000);
  ASSERT_EQ(idle.size(), 5000u);
  // The agent has accepted them all (each is an open fd in it) before we scrape.
  const std::string fd_dir = "/proc/" + std::to_string(agent->process().pid()) + "/fd";
  EXPECT_TRUE(testing::WaitUntil([&] { return CountDirEntries(fd_dir).value_or(0) >= 5000; },
                                 absl::Seconds(20)));
  const absl::Time t0 = absl::Now();
  HttpGetResult m = agent->Get("/metrics", absl::Seconds(5));
  const absl::Duration took = absl::Now() - t0;
  EXPECT_EQ(m.status, 200) << m.error;
  EXPECT_LT(took, absl::Seconds(2));
  HttpGetResult s = agent->Get("/sample", absl::Seconds(5));
  EXPECT_EQ(s.status, 200) << s.error;
  // They are still open: none was dropped to make room.
  int closed = 0;
  for (int fd : idle) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR))) ++closed;
  }
  EXPECT_EQ(closed, 0);
  const int64_t rss_during = RssKb(agent->process().pid());
  LOG(INFO) << "5000 idle connections: scrape answered in " << absl::FormatDuration(took)
            << "; agent RSS " << rss_before << " kB before, " << rss_during << " kB with them";
  for (int fd : idle) close(fd);
  EXPECT_TRUE(agent->process().running());
}

TEST(AgentSecurityTest, ClientLimitHoldsAndIdleClientsAreReclaimed) {
  std::unique_ptr<AgentRunner> agent =
      AgentRunner::Start({"--max_clients=20", "--client_timeout=1s"});
  ASSERT_NE(agent, nullptr);
  std::vector<int> idle = OpenIdle(agent->port(), 20);
  // At the limit a new client waits in the backlog; the idle ones are closed after 1 s,
  // and then it is served.
  const absl::Time t0 = absl::Now();
  HttpGetResult m = agent->Get("/metrics", absl::Seconds(10));
  const absl::Duration took = absl::Now() - t0;
  EXPECT_EQ(m.status, 200) << m.error;
  EXPECT_GE(took, absl::Milliseconds(500)) << "the 21st client should have waited";
  EXPECT_LT(took, absl::Seconds(5));
  int closed = 0;
  for (int fd : idle) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 2000) > 0) ++closed;
    close(fd);
  }
  EXPECT_EQ(closed, 20) << "idle clients should have been disconnected";
}

}  // namespace
}  // namespace fleetsim
