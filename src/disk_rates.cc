// Copyright fleetsim authors.

#include "src/disk_rates.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/match.h"

namespace fleetsim {
namespace {

using F = DiskField;

uint64_t D32(const DiskStat& p, const DiskStat& c, F f) {
  return static_cast<uint32_t>(static_cast<uint32_t>(c[f]) - static_cast<uint32_t>(p[f]));
}

// False when a 64-bit counter went backwards or the device changed identity.
bool Comparable(const DiskStat& p, const DiskStat& c) {
  if (p.major != c.major || p.minor != c.minor || p.n_stats != c.n_stats) return false;
  for (int i = 0; i < kNumDiskFields; ++i) {
    const F f = static_cast<F>(i);
    if (!c.Has(f) || DiskFieldIs32Bit(f)) continue;
    if (c[f] < p[f]) return false;
  }
  return true;
}

std::optional<DiskRates> Rates(const DiskStat& p, const DiskStat& c, double dt) {
  if (!Comparable(p, c)) return std::nullopt;
  auto d = [&](F f) { return static_cast<double>(c[f] - p[f]); };
  DiskRates r;
  r.r_s = d(F::kReads) / dt;
  r.w_s = d(F::kWrites) / dt;
  r.rkBps = d(F::kReadSectors) / 2 / dt;  // 512-byte sectors -> kB
  r.wkBps = d(F::kWriteSectors) / 2 / dt;
  if (c.Has(F::kReadsMerged)) {
    r.rrqm_s = d(F::kReadsMerged) / dt;
    r.wrqm_s = d(F::kWritesMerged) / dt;
  }
  if (c.Has(F::kDiscards)) {
    r.d_s = d(F::kDiscards) / dt;
    r.dkBps = d(F::kDiscardSectors) / 2 / dt;
  }
  if (c.Has(F::kFlushes)) r.f_s = d(F::kFlushes) / dt;
  if (!c.Has(F::kIoTicks)) return r;

  const uint64_t io_ticks = D32(p, c, F::kIoTicks);
  // io_ticks advances at most 1 ms per ms; more is a re-created device, not a wrap.
  if (io_ticks > 1000 * dt * 1.05 + 20) return std::nullopt;
  const uint64_t rd = c[F::kReads] - p[F::kReads];
  const uint64_t wr = c[F::kWrites] - p[F::kWrites];
  const uint64_t dc = c.Has(F::kDiscards) ? c[F::kDiscards] - p[F::kDiscards] : 0;
  const uint64_t rt = D32(p, c, F::kReadTicks);
  const uint64_t wt = D32(p, c, F::kWriteTicks);
  const uint64_t dt_ticks = c.Has(F::kDiscardTicks) ? D32(p, c, F::kDiscardTicks) : 0;
  r.r_await_ms = rd > 0 ? static_cast<double>(rt) / rd : 0;
  r.w_await_ms = wr > 0 ? static_cast<double>(wt) / wr : 0;
  r.d_ios = rd + wr + dc;
  r.d_time_ms = rt + wt + dt_ticks;
  r.await_ms = r.d_ios > 0 ? static_cast<double>(r.d_time_ms) / r.d_ios : 0;
  r.aqu_sz = D32(p, c, F::kTimeInQueue) / (1000 * dt);
  r.util_pct = std::min(100.0, 100.0 * io_ticks / (1000 * dt));
  return r;
}

}  // namespace

bool CountsInDiskTotal(const DiskStat& d, bool any_physical) {
  if (d.partition) return false;
  if (any_physical) return !d.is_virtual;
  for (absl::string_view p : {"loop", "ram", "zram"}) {
    if (absl::StartsWith(d.name, p)) return false;
  }
  return true;
}

DiskRatesResult DeriveDiskRates(const std::vector<DiskStat>& prev, const std::vector<DiskStat>& cur,
                                double dt_s) {
  DiskRatesResult out;
  std::map<std::string, const DiskStat*> before;
  for (const DiskStat& d : prev) before[d.name] = &d;
  const bool any_physical = std::any_of(
      cur.begin(), cur.end(), [](const DiskStat& d) { return !d.partition && !d.is_virtual; });
  uint64_t tot_ios = 0, tot_time = 0;
  bool have_times = false;
  for (const DiskStat& c : cur) {
    auto it = before.find(c.name);
    if (it == before.end()) continue;
    std::optional<DiskRates> r = Rates(*it->second, c, dt_s);
    if (!r.has_value()) {
      out.reset.push_back(c.name);
      continue;
    }
    if (CountsInDiskTotal(c, any_physical)) {
      DiskTotals& t = out.total;
      t.devices.push_back(c.name);
      t.r_s += r->r_s;
      t.w_s += r->w_s;
      t.rkBps += r->rkBps;
      t.wkBps += r->wkBps;
      if (r->util_pct.has_value()) {
        have_times = true;
        tot_ios += r->d_ios;
        tot_time += r->d_time_ms;
        t.util_pct = std::max(t.util_pct.value_or(0), *r->util_pct);
      }
    }
    out.devices[c.name] = *r;
  }
  if (have_times) {
    out.total.await_ms = tot_ios > 0 ? static_cast<double>(tot_time) / tot_ios : 0;
  }
  return out;
}

}  // namespace fleetsim
