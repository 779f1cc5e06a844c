// Copyright fleetsim authors.

#include "src/cidr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace fleetsim {

absl::StatusOr<Cidr> Cidr::Parse(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  const size_t slash = text.find('/');
  const std::string ip(text.substr(0, slash));
  Cidr c;
  int max_len;
  if (inet_pton(AF_INET, ip.c_str(), c.addr_.data()) == 1) {
    c.family_ = AF_INET;
    max_len = 32;
  } else if (inet_pton(AF_INET6, ip.c_str(), c.addr_.data()) == 1) {
    c.family_ = AF_INET6;
    max_len = 128;
  } else {
    return absl::InvalidArgumentError(absl::StrCat("--allow: '", text, "' is not an address"));
  }
  c.prefix_len_ = max_len;
  if (slash != absl::string_view::npos &&
      (!absl::SimpleAtoi(text.substr(slash + 1), &c.prefix_len_) || c.prefix_len_ < 0 ||
       c.prefix_len_ > max_len)) {
    return absl::InvalidArgumentError(absl::StrCat("--allow: '", text, "' has a bad prefix"));
  }
  for (int bit = c.prefix_len_; bit < max_len; ++bit) {
    if (c.addr_[bit / 8] & (0x80 >> (bit % 8))) {
      return absl::InvalidArgumentError(
          absl::StrCat("--allow: '", text, "' has host bits set beyond /", c.prefix_len_));
    }
  }
  return c;
}

bool Cidr::Contains(const sockaddr* sa) const {
  const uint8_t* a = nullptr;
  int family = sa->sa_family;
  if (family == AF_INET) {
    a = reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in*>(sa)->sin_addr);
  } else if (family == AF_INET6) {
    const in6_addr& v6 = reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr;
    a = v6.s6_addr;
    if (IN6_IS_ADDR_V4MAPPED(&v6)) {
      family = AF_INET;
      a += 12;
    }
  } else {
    return false;
  }
  if (family != family_) return false;
  const int full = prefix_len_ / 8, rest = prefix_len_ % 8;
  if (memcmp(a, addr_.data(), full) != 0) return false;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a[full] & mask) == (addr_[full] & mask);
}

std::string Cidr::ToString() const {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(family_, addr_.data(), buf, sizeof(buf));
  return absl::StrCat(buf, "/", prefix_len_);
}

absl::StatusOr<AllowList> AllowList::Parse(absl::string_view csv) {
  AllowList l;
  for (absl::string_view item : absl::StrSplit(csv, ',', absl::SkipWhitespace())) {
    absl::StatusOr<Cidr> c = Cidr::Parse(item);
    if (!c.ok()) return c.status();
    l.cidrs_.push_back(*c);
  }
  if (l.cidrs_.empty()) return absl::InvalidArgumentError("--allow: no network given");
  return l;
}

AllowList AllowList::Loopback() { return *Parse("127.0.0.0/8,::1/128"); }

bool AllowList::Allows(const sockaddr* sa) const {
  for (const Cidr& c : cidrs_) {
    if (c.Contains(sa)) return true;
  }
  return false;
}

std::string AllowList::ToString() const {
  return absl::StrJoin(cidrs_, ",",
                       [](std::string* out, const Cidr& c) { out->append(c.ToString()); });
}

}  // namespace fleetsim
