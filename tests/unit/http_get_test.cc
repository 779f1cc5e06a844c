// Copyright fleetsim authors.

#include "src/http_get.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/testlib/net.h"

namespace fleetsim {
namespace {

TEST(ParseHttpResponseTest, ContentLength) {
  int status;
  std::string body, err;
  EXPECT_EQ(ParseHttpResponse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", false, &status,
                              &body, &err),
            HttpParse::kNeedMore);
  EXPECT_EQ(ParseHttpResponse("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello!", false, &status,
                              &body, &err),
            HttpParse::kComplete);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body, "hello");
  EXPECT_EQ(ParseHttpResponse("HTTP/1.0 404 Not Found\r\n\r\nnope", true, &status, &body, &err),
            HttpParse::kComplete);
  EXPECT_EQ(status, 404);
  EXPECT_EQ(body, "nope");
  EXPECT_EQ(ParseHttpResponse("HTTP/1.0 200 OK\r\n\r\nmore", false, &status, &body, &err),
            HttpParse::kNeedMore);  // body to EOF
  EXPECT_EQ(ParseHttpResponse("HTTP/1.1 200", false, &status, &body, &err), HttpParse::kNeedMore);
}

TEST(ParseHttpResponseTest, Chunked) {
  int status;
  std::string body, err;
  const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  EXPECT_EQ(ParseHttpResponse(head + "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n", false, &status,
                              &body, &err),
            HttpParse::kComplete);
  EXPECT_EQ(body, "hello world");
  EXPECT_EQ(ParseHttpResponse(head + "5\r\nhel", false, &status, &body, &err),
            HttpParse::kNeedMore);
  EXPECT_EQ(ParseHttpResponse(head + "zz\r\n", false, &status, &body, &err), HttpParse::kMalformed);
  EXPECT_EQ(ParseHttpResponse(head + "2\r\nabXY", false, &status, &body, &err),
            HttpParse::kMalformed);
}

TEST(ParseHttpResponseTest, Malformed) {
  int status;
  std::string body, err;
  EXPECT_EQ(ParseHttpResponse("SSH-2.0-OpenSSH\r\n\r\n", false, &status, &body, &err),
            HttpParse::kMalformed);
  EXPECT_EQ(ParseHttpResponse("HTTP/1.1 20 OK\r\n\r\n", false, &status, &body, &err),
            HttpParse::kMalformed);
  EXPECT_EQ(ParseHttpResponse("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", false, &status, &body,
                              &err),
            HttpParse::kMalformed);
  EXPECT_EQ(ParseHttpResponse(std::string(70000, 'a'), false, &status, &body, &err),
            HttpParse::kMalformed);
}

// A loopback server for one connection at a time that answers with `response` after
// reading the request headers, optionally after a delay, then closes.
class CannedServer {
 public:
  CannedServer(std::string response, absl::Duration delay = absl::ZeroDuration(),
               bool respond = true)
      : response_(std::move(response)), delay_(delay), respond_(respond) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    socklen_t len = sizeof(a);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    listen(fd_, 16);
    thread_ = std::thread([this] { Serve(); });
  }
  ~CannedServer() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
    for (int c : held_) close(c);
  }
  HttpGetRequest Request() const {
    return HttpGetRequest{*ParseNumericHostPort("127.0.0.1:" + std::to_string(port_)), "127.0.0.1",
                          "/sample"};
  }
  std::string last_request() const { return last_request_; }

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
      last_request_ = req;
      if (respond_) {
        absl::SleepFor(delay_);  // the server under test is slow on purpose
        send(c, response_.data(), response_.size(), MSG_NOSIGNAL);
        close(c);
      } else {
        held_.push_back(c);  // accepted, never answered
      }
    }
  }
  std::string response_;
  absl::Duration delay_;
  bool respond_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::string last_request_;
  std::vector<int> held_;
};

TEST(HttpGetAllTest, FetchesConcurrentlyAndReportsEachOutcome) {
  CannedServer ok("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
  CannedServer chunked(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
  CannedServer forbidden("HTTP/1.1 403 Forbidden\r\nContent-Length: 4\r\n\r\nnope");
  CannedServer garbage("garbage\r\n\r\n");
  CannedServer early_close("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort");
  CannedServer silent("", absl::ZeroDuration(), /*respond=*/false);
  const int refused_port = testing::FreePorts(1)[0];
  std::vector<HttpGetRequest> reqs{
      ok.Request(),
      chunked.Request(),
      forbidden.Request(),
      garbage.Request(),
      early_close.Request(),
      silent.Request(),
      HttpGetRequest{*ParseNumericHostPort("127.0.0.1:" + std::to_string(refused_port)), "x", "/"}};
  const absl::Time start = absl::Now();
  std::vector<HttpGetResult> r = HttpGetAll(reqs, absl::Milliseconds(500), 1 << 20);
  const absl::Duration took = absl::Now() - start;
  ASSERT_EQ(r.size(), reqs.size());
  EXPECT_TRUE(r[0].ok);
  EXPECT_EQ(r[0].status, 200);
  EXPECT_EQ(r[0].body, "{}");
  EXPECT_TRUE(r[1].ok);
  EXPECT_EQ(r[1].body, "abc");
  EXPECT_TRUE(r[2].ok);
  EXPECT_EQ(r[2].status, 403);
  EXPECT_FALSE(r[3].ok);
  EXPECT_NE(r[3].error.find("bad response"), std::string::npos) << r[3].error;
  EXPECT_FALSE(r[4].ok);
  EXPECT_NE(r[4].error.find("closed before"), std::string::npos) << r[4].error;
  EXPECT_FALSE(r[5].ok);
  EXPECT_NE(r[5].error.find("timed out"), std::string::npos) << r[5].error;
  EXPECT_NE(r[5].error.find("receiving"), std::string::npos) << r[5].error;
  EXPECT_FALSE(r[6].ok);
  EXPECT_NE(r[6].error.find("refused"), std::string::npos) << r[6].error;
  // One deadline for all: the silent server costs the timeout once, not per request.
  EXPECT_GE(took, absl::Milliseconds(450));
  EXPECT_LT(took, absl::Milliseconds(1500));
  EXPECT_NE(ok.last_request().find("GET /sample HTTP/1.1\r\n"), std::string::npos);
  EXPECT_NE(ok.last_request().find("Connection: close\r\n"), std::string::npos);
}

TEST(HttpGetAllTest, SlowServerTimesOutOversizeIsRefused) {
  CannedServer slow("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", absl::Milliseconds(800));
  CannedServer big("HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n" + std::string(3000, 'x'));
  std::vector<HttpGetResult> r =
      HttpGetAll({slow.Request(), big.Request()}, absl::Milliseconds(300), 1000);
  EXPECT_FALSE(r[0].ok);
  EXPECT_NE(r[0].error.find("timed out"), std::string::npos);
  EXPECT_FALSE(r[1].ok);
  EXPECT_NE(r[1].error.find("larger than 1000"), std::string::npos) << r[1].error;
  EXPECT_TRUE(HttpGetAll({}, absl::Milliseconds(10), 10).empty());
}

}  // namespace
}  // namespace fleetsim
