// Copyright fleetsim authors.

#include "src/net_address.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace fleetsim {

absl::Status SplitHostPort(absl::string_view text, std::string* host, int* port,
                           bool allow_port_zero) {
  size_t colon;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == absl::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return absl::InvalidArgumentError(absl::StrCat("'", text, "': want [v6addr]:port"));
    }
    *host = std::string(text.substr(1, close - 1));
    colon = close + 1;
  } else {
    colon = text.rfind(':');
    if (colon == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("'", text, "': want host:port"));
    }
    *host = std::string(text.substr(0, colon));
    if (host->find(':') != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("'", text, "': bracket IPv6: [addr]:port"));
    }
  }
  if (!absl::SimpleAtoi(text.substr(colon + 1), port) || *port < (allow_port_zero ? 0 : 1) ||
      *port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("'", text, "': bad port"));
  }
  if (host->empty()) {
    return absl::InvalidArgumentError(absl::StrCat("'", text, "': missing host"));
  }
  return absl::OkStatus();
}

absl::StatusOr<SockAddr> ParseNumericHostPort(absl::string_view text, bool allow_port_zero) {
  std::string host;
  int port;
  if (absl::Status s = SplitHostPort(text, &host, &port, allow_port_zero); !s.ok()) return s;
  SockAddr a;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.ss);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    a.len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    a.len = sizeof(sockaddr_in6);
  } else {
    return absl::InvalidArgumentError(absl::StrCat("'", text, "': not a numeric address"));
  }
  return a;
}

absl::StatusOr<SockAddr> ResolveHostPort(absl::string_view text) {
  absl::StatusOr<SockAddr> numeric = ParseNumericHostPort(text);
  if (numeric.ok()) return numeric;
  std::string host;
  int port;
  if (absl::Status s = SplitHostPort(text, &host, &port); !s.ok()) return s;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res);
  if (rc != 0 || res == nullptr) {
    return absl::NotFoundError(absl::StrCat("'", text, "': ", gai_strerror(rc)));
  }
  const addrinfo* pick = res;
  for (const addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family == AF_INET) {
      pick = ai;
      break;
    }
  }
  SockAddr a;
  memcpy(&a.ss, pick->ai_addr, pick->ai_addrlen);
  a.len = pick->ai_addrlen;
  freeaddrinfo(res);
  return a;
}

std::string FormatSockAddr(const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = "?";
  if (sa->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(sa);
    inet_ntop(AF_INET, &v4->sin_addr, buf, sizeof(buf));
    return absl::StrCat(buf, ":", ntohs(v4->sin_port));
  }
  if (sa->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(sa);
    if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
      inet_ntop(AF_INET, &v6->sin6_addr.s6_addr[12], buf, sizeof(buf));
      return absl::StrCat(buf, ":", ntohs(v6->sin6_port));
    }
    inet_ntop(AF_INET6, &v6->sin6_addr, buf, sizeof(buf));
    return absl::StrCat("[", buf, "]:", ntohs(v6->sin6_port));
  }
  return "?";
}

}  // namespace fleetsim
