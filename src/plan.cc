// Copyright fleetsim authors.

#include "src/plan.h"

#include <arpa/inet.h>

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace fleetsim {

namespace {

// A client-closed connection leaves its 4-tuple in TIME_WAIT this long (Linux: 60 s).
constexpr double kTimeWaitS = 60;

uint64_t CeilDiv(uint64_t a, uint64_t b) { return b == 0 ? 0 : (a + b - 1) / b; }

// The most file descriptors any of `w` workers needs (members are dealt round-robin).
uint64_t FdsPerWorker(const Program& p, uint64_t w, double periodic_headroom) {
  uint64_t fds = 0;
  for (const Role& r : p.roles) {
    uint64_t kept = 0, periodic = 0;
    for (const ConnSpec& c : r.conns) {
      (c.open.kind == OpenPolicy::Kind::kAtStart ? kept : periodic) += 1;
    }
    fds += CeilDiv(r.count, w) * kept;
    if (periodic > 0) {
      fds += static_cast<uint64_t>(static_cast<double>(CeilDiv(r.count, w)) * periodic_headroom);
    }
  }
  return fds;
}

std::string AddrString(in_addr a) {
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &a, buf, sizeof(buf));
  return buf;
}

}  // namespace

std::string Plan::ToString() const {
  return absl::StrFormat(
      "%u workers for %u members (%u connections held when all are online): up to %u "
      "descriptors per worker of %u allowed",
      workers, members, kept_conns, fds_per_worker, fd_budget);
}

absl::StatusOr<Plan> MakePlan(const Program& p, const SysLimits& lim, uint32_t requested) {
  Plan plan;
  plan.members = p.total_members();
  plan.fd_budget = std::min<uint64_t>(lim.nofile > kReservedFds ? lim.nofile - kReservedFds : 0,
                                      kMaxConnsPerWorker);
  // Short-lived connections (open: every) are open a small part of each period; keep 10 %
  // of a worker's descriptors for them rather than planning one per member.
  constexpr double kPeriodicHeadroom = 0.1;
  for (const Role& r : p.roles) {
    for (const ConnSpec& c : r.conns) {
      if (c.open.kind == OpenPolicy::Kind::kAtStart) plan.kept_conns += r.count;
    }
  }
  if (plan.fd_budget == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("the open-files limit is ", lim.nofile,
                     ": too low to run anything; raise it "
                     "(ulimit -n, or LimitNOFILE= in the systemd unit)"));
  }
  if (requested > kMaxWorkers) {
    return absl::InvalidArgumentError(
        absl::StrCat("--workers=", requested, ": at most ", kMaxWorkers));
  }
  if (requested > 0) {
    plan.workers = requested;
  } else {
    plan.workers = std::max<uint32_t>(1, lim.cores);
    while (plan.workers < kMaxWorkers &&
           FdsPerWorker(p, plan.workers, kPeriodicHeadroom) > plan.fd_budget) {
      ++plan.workers;
    }
  }
  plan.fds_per_worker = FdsPerWorker(p, plan.workers, kPeriodicHeadroom);
  if (plan.fds_per_worker > plan.fd_budget) {
    uint32_t need = plan.workers;
    while (need < kMaxWorkers && FdsPerWorker(p, need, kPeriodicHeadroom) > plan.fd_budget) ++need;
    if (requested > 0 && FdsPerWorker(p, need, kPeriodicHeadroom) <= plan.fd_budget) {
      return absl::FailedPreconditionError(
          absl::StrCat("--workers=", requested, " cannot hold ", plan.members,
                       " members: each worker "
                       "would need ",
                       plan.fds_per_worker, " descriptors and the open-files limit allows ",
                       plan.fd_budget, " (", lim.nofile, " - ", kReservedFds,
                       " reserved); use --workers=", need, " or more, or leave --workers unset"));
    }
    return absl::FailedPreconditionError(
        absl::StrCat(plan.members, " members need more than ", kMaxWorkers,
                     " workers under an open-files "
                     "limit of ",
                     lim.nofile, "; raise the limit or lower the counts"));
  }

  // Every (source address, destination ip:port) pair has lim.ports() source ports.
  const uint64_t ports = lim.ports();
  const uint64_t sources = std::max<size_t>(1, p.sources.size());
  std::map<std::pair<uint32_t, uint16_t>, double> per_dest;  // (host, port index) -> conns
  for (const Role& r : p.roles) {
    for (const ConnSpec& c : r.conns) {
      double conns = r.count;
      if (c.open.kind == OpenPolicy::Kind::kEvery) {
        // Closed by us: each leaves TIME_WAIT for a minute, holding its 4-tuple.
        double period = c.open.every.var >= 0 ? absl::ToDoubleSeconds(c.open.every.fallback)
                                              : absl::ToDoubleSeconds(c.open.every.fixed);
        conns = r.count * std::min(1.0, kTimeWaitS / std::max(period, 1e-3));
      }
      for (size_t h = 0; h < p.host_addrs.size(); ++h) {
        per_dest[{static_cast<uint32_t>(h), c.port}] += conns / p.host_addrs.size();
      }
    }
  }
  for (const auto& [dest, conns] : per_dest) {
    const uint64_t per_source = CeilDiv(static_cast<uint64_t>(conns), sources);
    const std::string where =
        absl::StrCat(AddrString(p.host_addrs[dest.first]), ":", p.ports[dest.second].port);
    const uint64_t need_sources = CeilDiv(static_cast<uint64_t>(conns), ports);
    if (per_source > ports) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "%.0f connections to %s need at least %u source addresses (%u ephemeral ports "
          "each, net.ipv4.ip_local_port_range %u-%u); the scenario lists %u: add more to "
          "target.sources, e.g. [\"127.0.0.2-127.0.0.%u\"] on loopback",
          conns, where, need_sources, ports, lim.port_low, lim.port_high, p.sources.size(),
          1 + std::max<uint64_t>(need_sources, 2) * 2));
    }
    if (per_source > ports / 2) {
      plan.notes.push_back(absl::StrFormat(
          "%s: %u connections per source address is past half the ephemeral range, where "
          "the kernel's port search slows down; %u sources would keep connects fast",
          where, per_source, CeilDiv(static_cast<uint64_t>(conns), ports / 2)));
    }
  }
  return plan;
}

}  // namespace fleetsim
