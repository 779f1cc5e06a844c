// Copyright fleetsim authors.
//
// cidr: the agent's client allow list (--allow=CIDR,...). IPv4 and IPv6 prefixes; an
// IPv4-mapped IPv6 peer (a dual-stack listener's IPv4 client) is matched as IPv4. Pure.

#ifndef FLEETSIM_SRC_CIDR_H_
#define FLEETSIM_SRC_CIDR_H_

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fleetsim {

class Cidr {
 public:
  // "127.0.0.0/8", "10.1.2.3" (= /32), "::1/128", "fd00::/8". Host bits must be zero
  // ("10.1.2.3/8" is refused: it is almost always a typo for a different prefix).
  static absl::StatusOr<Cidr> Parse(absl::string_view text);
  // True iff `sa` (AF_INET or AF_INET6) lies in the prefix.
  bool Contains(const sockaddr* sa) const;
  std::string ToString() const;

 private:
  int family_ = AF_INET;
  std::array<uint8_t, 16> addr_{};
  int prefix_len_ = 0;
};

class AllowList {
 public:
  // Comma-separated CIDRs; empty items are ignored; at least one is required.
  static absl::StatusOr<AllowList> Parse(absl::string_view csv);
  // 127.0.0.0/8 and ::1/128: the default, loopback only.
  static AllowList Loopback();
  bool Allows(const sockaddr* sa) const;
  std::string ToString() const;

 private:
  std::vector<Cidr> cidrs_;
};

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_CIDR_H_
