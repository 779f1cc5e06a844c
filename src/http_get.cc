// Copyright fleetsim authors.

#include "src/http_get.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "src/unique_fd.h"

namespace fleetsim {
namespace {

// Decodes a chunked body. Returns kNeedMore until the terminating 0-size chunk.
HttpParse DecodeChunked(absl::string_view in, std::string* body, std::string* error) {
  body->clear();
  for (;;) {
    const size_t eol = in.find("\r\n");
    if (eol == absl::string_view::npos) return HttpParse::kNeedMore;
    absl::string_view size_text = in.substr(0, eol);
    size_text = size_text.substr(0, size_text.find(';'));  // chunk extensions
    uint64_t size;
    if (!absl::SimpleHexAtoi(absl::StripAsciiWhitespace(size_text), &size) || size > (64u << 20)) {
      *error = "bad chunk size";
      return HttpParse::kMalformed;
    }
    in.remove_prefix(eol + 2);
    if (size == 0) return HttpParse::kComplete;  // trailers, if any, are not needed
    if (in.size() < size + 2) return HttpParse::kNeedMore;
    body->append(in.data(), size);
    if (in.substr(size, 2) != "\r\n") {
      *error = "bad chunk terminator";
      return HttpParse::kMalformed;
    }
    in.remove_prefix(size + 2);
  }
}

enum class Phase { kConnecting, kSending, kReceiving, kDone };

const char* PhaseName(Phase p) {
  switch (p) {
    case Phase::kConnecting:
      return "connecting";
    case Phase::kSending:
      return "sending";
    case Phase::kReceiving:
      return "receiving";
    case Phase::kDone:
      return "done";
  }
  return "?";
}

struct Conn {
  UniqueFd fd;
  Phase phase = Phase::kConnecting;
  std::string out;  // request bytes
  size_t sent = 0;
  std::string in;  // response bytes
};

void Fail(Conn* c, HttpGetResult* r, std::string error) {
  r->ok = false;
  r->error = std::move(error);
  c->phase = Phase::kDone;
  c->fd.Reset();
}

// Parses what arrived; finishes the connection when the response is complete or bad.
void TryFinish(Conn* c, HttpGetResult* r, bool eof) {
  std::string error;
  switch (ParseHttpResponse(c->in, eof, &r->status, &r->body, &error)) {
    case HttpParse::kComplete:
      r->ok = true;
      c->phase = Phase::kDone;
      c->fd.Reset();
      return;
    case HttpParse::kMalformed:
      Fail(c, r, "bad response: " + error);
      return;
    case HttpParse::kNeedMore:
      if (eof) Fail(c, r, "connection closed before the response was complete");
      return;
  }
}

void OnReady(Conn* c, HttpGetResult* r, short revents, size_t max_bytes) {
  if (c->phase == Phase::kConnecting) {
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(c->fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return Fail(c, r, absl::StrCat("connect: ", strerror(err)));
    if ((revents & POLLOUT) == 0) return;
    c->phase = Phase::kSending;
  }
  if (c->phase == Phase::kSending) {
    ssize_t n = send(c->fd.get(), c->out.data() + c->sent, c->out.size() - c->sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      return Fail(c, r, absl::StrCat("send: ", strerror(errno)));
    }
    if (n > 0) c->sent += static_cast<size_t>(n);
    if (c->sent == c->out.size()) c->phase = Phase::kReceiving;
    return;
  }
  if (c->phase != Phase::kReceiving) return;
  char buf[16384];
  for (;;) {
    ssize_t n = recv(c->fd.get(), buf, sizeof(buf), 0);
    if (n > 0) {
      c->in.append(buf, static_cast<size_t>(n));
      if (c->in.size() > max_bytes) {
        return Fail(c, r, absl::StrCat("response larger than ", max_bytes, " bytes"));
      }
      continue;
    }
    if (n == 0) return TryFinish(c, r, true);
    if (errno == EINTR) continue;
    if (errno == EAGAIN) return TryFinish(c, r, false);
    return Fail(c, r, absl::StrCat("recv: ", strerror(errno)));
  }
}

}  // namespace

HttpParse ParseHttpResponse(absl::string_view raw, bool eof, int* status, std::string* body,
                            std::string* error) {
  const size_t hdr_end = raw.find("\r\n\r\n");
  if (hdr_end == absl::string_view::npos) {
    if (raw.size() > 65536) {
      *error = "headers larger than 64 KiB";
      return HttpParse::kMalformed;
    }
    return HttpParse::kNeedMore;
  }
  std::vector<absl::string_view> lines = absl::StrSplit(raw.substr(0, hdr_end), "\r\n");
  // "HTTP/1.1 200 OK"
  std::vector<absl::string_view> sl = absl::StrSplit(lines[0], absl::MaxSplits(' ', 2));
  if (sl.size() < 2 || !absl::StartsWith(sl[0], "HTTP/1.") || sl[1].size() != 3 ||
      !absl::SimpleAtoi(sl[1], status) || *status < 100) {
    *error = absl::StrCat("bad status line '", lines[0].substr(0, 80), "'");
    return HttpParse::kMalformed;
  }
  std::optional<uint64_t> content_length;
  bool chunked = false;
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t colon = lines[i].find(':');
    if (colon == absl::string_view::npos) continue;
    const absl::string_view name = absl::StripAsciiWhitespace(lines[i].substr(0, colon));
    const absl::string_view value = absl::StripAsciiWhitespace(lines[i].substr(colon + 1));
    if (absl::EqualsIgnoreCase(name, "content-length")) {
      uint64_t n;
      if (!absl::SimpleAtoi(value, &n)) {
        *error = "bad Content-Length";
        return HttpParse::kMalformed;
      }
      content_length = n;
    } else if (absl::EqualsIgnoreCase(name, "transfer-encoding") &&
               absl::StrContains(absl::AsciiStrToLower(value), "chunked")) {
      chunked = true;
    }
  }
  const absl::string_view rest = raw.substr(hdr_end + 4);
  if (chunked) return DecodeChunked(rest, body, error);
  if (content_length.has_value()) {
    if (rest.size() < *content_length) return HttpParse::kNeedMore;
    *body = std::string(rest.substr(0, *content_length));
    return HttpParse::kComplete;
  }
  if (!eof) return HttpParse::kNeedMore;
  *body = std::string(rest);
  return HttpParse::kComplete;
}

std::vector<HttpGetResult> HttpGetAll(const std::vector<HttpGetRequest>& requests,
                                      absl::Duration timeout, size_t max_response_bytes) {
  const absl::Time deadline = absl::Now() + timeout;
  std::vector<HttpGetResult> results(requests.size());
  std::vector<Conn> conns(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    const HttpGetRequest& q = requests[i];
    Conn& c = conns[i];
    c.out = absl::StrCat("GET ", q.path, " HTTP/1.1\r\nHost: ", q.host,
                         "\r\nUser-Agent: fleetsim-collector\r\nAccept: */*\r\n"
                         "Connection: close\r\n\r\n");
    c.fd.Reset(socket(q.addr.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!c.fd.valid()) {
      Fail(&c, &results[i], absl::StrCat("socket: ", strerror(errno)));
      continue;
    }
    if (connect(c.fd.get(), q.addr.get(), q.addr.len) != 0 && errno != EINPROGRESS) {
      Fail(&c, &results[i], absl::StrCat("connect: ", strerror(errno)));
    }
  }
  std::vector<pollfd> fds;
  std::vector<size_t> which;
  for (;;) {
    fds.clear();
    which.clear();
    for (size_t i = 0; i < conns.size(); ++i) {
      const Conn& c = conns[i];
      if (c.phase == Phase::kDone) continue;
      const short ev = c.phase == Phase::kReceiving ? POLLIN : POLLOUT;
      fds.push_back(pollfd{c.fd.get(), ev, 0});
      which.push_back(i);
    }
    if (fds.empty()) break;
    const int64_t ms = absl::ToInt64Milliseconds(deadline - absl::Now());
    if (ms <= 0) break;
    const int n = poll(fds.data(), fds.size(), static_cast<int>(ms));
    if (n < 0 && errno != EINTR) break;
    for (size_t k = 0; n > 0 && k < fds.size(); ++k) {
      if (fds[k].revents != 0) {
        OnReady(&conns[which[k]], &results[which[k]], fds[k].revents, max_response_bytes);
      }
    }
  }
  for (size_t i = 0; i < conns.size(); ++i) {
    if (conns[i].phase != Phase::kDone) {
      Fail(&conns[i], &results[i],
           absl::StrCat("timed out after ", absl::FormatDuration(timeout), " while ",
                        PhaseName(conns[i].phase)));
    }
  }
  return results;
}

}  // namespace fleetsim
