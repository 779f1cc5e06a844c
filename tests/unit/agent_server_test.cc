// Copyright fleetsim authors.

#include "src/agent_server.h"

#include <poll.h>
#include <sys/socket.h>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "src/http_get.h"
#include "src/net_address.h"
#include "src/sample_wire.h"
#include "tests/testlib/net.h"
#include "tests/testlib/prom_check.h"
#include "tests/testlib/testdata.h"

namespace fleetsim {
namespace {

std::unique_ptr<AgentServer> StartOnFixture(const std::string& allow = "127.0.0.0/8",
                                            absl::Duration client_timeout = absl::Seconds(10)) {
  AgentConfig c;
  c.listen = "127.0.0.1:0";
  c.allow = *AllowList::Parse(allow);
  c.roots = testing::FixtureRoots("proc_edge/t1");
  c.watch.name = "srv";
  c.max_clients = 64;
  c.max_request_bytes = 4096;
  c.client_timeout = client_timeout;
  absl::StatusOr<std::unique_ptr<AgentServer>> s = AgentServer::Start(std::move(c));
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? std::move(*s) : nullptr;
}

int PortOf(const AgentServer& s) {
  std::string host;
  int port = 0;
  EXPECT_TRUE(SplitHostPort(s.address(), &host, &port).ok());
  return port;
}

// Sends raw bytes and returns everything the server sends back until it closes or
// 3 s pass.
std::string Exchange(int port, const std::string& request) {
  testing::TestConn conn;
  if (!conn.Connect("127.0.0.1", port)) return "connect failed";
  conn.Send(request);
  std::string out;
  const absl::Time deadline = absl::Now() + absl::Seconds(3);
  char buf[65536];
  while (absl::Now() < deadline) {
    pollfd p{conn.fd(), POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) {
      if (absl::StrContains(out, "\r\n\r\n") && !absl::StrContains(out, "Content-Length")) continue;
      int st;
      std::string body, err;
      if (!out.empty() && ParseHttpResponse(out, false, &st, &body, &err) == HttpParse::kComplete) {
        break;  // a keep-alive response is complete
      }
      continue;
    }
    ssize_t n = recv(conn.fd(), buf, sizeof(buf), 0);
    if (n <= 0) break;
    out.append(buf, n);
  }
  return out;
}

HttpGetResult Get(int port, const std::string& path) {
  return HttpGetAll({HttpGetRequest{*ParseNumericHostPort("127.0.0.1:" + std::to_string(port)),
                                    "127.0.0.1", path}},
                    absl::Seconds(3), 16 << 20)[0];
}

TEST(AgentServerTest, ServesMetricsAndSample) {
  std::unique_ptr<AgentServer> s = StartOnFixture();
  ASSERT_NE(s, nullptr);
  const int port = PortOf(*s);
  HttpGetResult m = Get(port, "/metrics");
  ASSERT_TRUE(m.ok) << m.error;
  EXPECT_EQ(m.status, 200);
  std::vector<std::string> problems = testing::PromFormatProblems(m.body);
  EXPECT_TRUE(problems.empty()) << problems[0];
  EXPECT_TRUE(absl::StrContains(m.body, "\nnode_sockstat_TCP_inuse 1020\n"));
  EXPECT_TRUE(absl::StrContains(m.body, "fleetsim_agent_http_requests_total{code=\"200\"} 1\n"));
  EXPECT_TRUE(absl::StrContains(m.body, "\nprocess_resident_memory_bytes "));

  HttpGetResult j = Get(port, "/sample");
  ASSERT_TRUE(j.ok) << j.error;
  EXPECT_EQ(j.status, 200);
  HostSample sample;
  nlohmann::json inv;
  ASSERT_TRUE(SampleFromJson(nlohmann::json::parse(j.body), &sample, &inv).ok());
  EXPECT_EQ(inv["hostname"], "edgehost");
  EXPECT_EQ(sample.process->pid, 4242);
  EXPECT_GT(sample.mono_ns, 0);

  const std::string head = Exchange(port, "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(absl::StartsWith(head, "HTTP/1.1 200")) << head;
  EXPECT_TRUE(absl::StrContains(m.body, "# TYPE"));
  EXPECT_FALSE(absl::StrContains(head, "# TYPE")) << "HEAD must not carry a body";
}

TEST(AgentServerTest, RefusesEverythingElseAndStaysUp) {
  std::unique_ptr<AgentServer> s = StartOnFixture();
  ASSERT_NE(s, nullptr);
  const int port = PortOf(*s);
  EXPECT_EQ(Get(port, "/").status, 404);
  EXPECT_EQ(Get(port, "/metrics/x").status, 404);
  EXPECT_EQ(Get(port, "/../etc/passwd").status, 404);

  std::string r = Exchange(port, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  EXPECT_TRUE(absl::StartsWith(r, "HTTP/1.1 405")) << r;
  EXPECT_TRUE(absl::StrContains(r, "Allow: GET, HEAD")) << r;
  r = Exchange(port, "DELETE /sample HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(absl::StartsWith(r, "HTTP/1.1 405")) << r;
  r = Exchange(port, "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_TRUE(absl::StartsWith(r, "HTTP/1.1 413")) << r;
  // Headers past --max_request_bytes: libmicrohttpd answers 431 (or 414 for the URI).
  r = Exchange(
      port, "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
  EXPECT_TRUE(absl::StartsWith(r, "HTTP/1.1 431")) << r.substr(0, 100);
  r = Exchange(port, "GET /" + std::string(20000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(absl::StartsWith(r, "HTTP/1.1 414") || absl::StartsWith(r, "HTTP/1.1 431"))
      << r.substr(0, 100);
  r = Exchange(port, "GET /metrics HTTP/1.1\r\n\r\n");  // HTTP/1.1 without Host
  EXPECT_TRUE(absl::StartsWith(r, "HTTP/1.1 400")) << r;
  r = Exchange(port, "GET /metrics\r\n\r\n");  // no version
  EXPECT_TRUE(absl::StartsWith(r, "HTTP/1.1 400")) << r;
  r = Exchange(port, "GET /metrics HTTP/1.1\r\nBad Header Line\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(absl::StartsWith(r, "HTTP/1.1 400")) << r;
  r = Exchange(port, "GET /metrics HTTP/9.9\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(absl::StartsWith(r, "HTTP/1.1 505")) << r;
  // A request line with no URI is a "serious error" to libmicrohttpd 0.9.75: it closes
  // the connection without a status line.
  testing::TestConn garbage;
  ASSERT_TRUE(garbage.Connect("127.0.0.1", port));
  ASSERT_TRUE(garbage.Send("GARBAGE\r\n\r\n"));
  EXPECT_TRUE(garbage.WaitClosed(absl::Seconds(3)));

  HttpGetResult still = Get(port, "/metrics");
  ASSERT_TRUE(still.ok) << still.error;
  EXPECT_EQ(still.status, 200);
  EXPECT_TRUE(
      absl::StrContains(still.body, "fleetsim_agent_http_requests_total{code=\"404\"} 3\n"));
  EXPECT_TRUE(
      absl::StrContains(still.body, "fleetsim_agent_http_requests_total{code=\"405\"} 2\n"));
  EXPECT_TRUE(
      absl::StrContains(still.body, "fleetsim_agent_http_requests_total{code=\"413\"} 1\n"));
}

TEST(AgentServerTest, JunkThatNeverFormsARequestIsDroppedByTheIdleTimeout) {
  std::unique_ptr<AgentServer> s = StartOnFixture("127.0.0.0/8", absl::Seconds(1));
  ASSERT_NE(s, nullptr);
  // A NUL-led line reads as an empty line, which HTTP lets a server skip; the connection
  // then idles until --client_timeout closes it, like a connection that sends nothing.
  testing::TestConn junk, idle;
  ASSERT_TRUE(junk.Connect("127.0.0.1", PortOf(*s)));
  ASSERT_TRUE(idle.Connect("127.0.0.1", PortOf(*s)));
  ASSERT_TRUE(junk.Send(std::string("\0\1\2\xff\r\n\r\n", 8)));
  EXPECT_TRUE(junk.WaitClosed(absl::Seconds(4)));
  EXPECT_TRUE(idle.WaitClosed(absl::Seconds(4)));
  EXPECT_EQ(Get(PortOf(*s), "/metrics").status, 200);
}

TEST(AgentServerTest, ClientsOutsideTheAllowListGet403) {
  std::unique_ptr<AgentServer> s = StartOnFixture("10.0.0.0/8,::1/128");
  ASSERT_NE(s, nullptr);
  HttpGetResult r = Get(PortOf(*s), "/sample");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 403);
  EXPECT_TRUE(absl::StrContains(r.body, "not in --allow"));
  EXPECT_EQ(s->counts().forbidden.load(), 1u);
  EXPECT_EQ(s->counts().ok.load(), 0u);
}

TEST(AgentServerTest, StartErrorsAreStatuses) {
  AgentConfig c;
  c.listen = "not-an-address";
  EXPECT_FALSE(AgentServer::Start(c).ok());
  c.listen = "127.0.0.1:0";
  c.max_clients = 0;
  EXPECT_FALSE(AgentServer::Start(c).ok());
  // Port in use.
  std::unique_ptr<AgentServer> first = StartOnFixture();
  ASSERT_NE(first, nullptr);
  c.max_clients = 10;
  c.listen = first->address();
  absl::StatusOr<std::unique_ptr<AgentServer>> second = AgentServer::Start(c);
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(absl::StrContains(second.status().message(), "Address already in use"))
      << second.status();
}

}  // namespace
}  // namespace fleetsim
