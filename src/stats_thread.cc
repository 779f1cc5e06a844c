// Copyright fleetsim authors.

#include "src/stats_thread.h"

#include <systemd/sd-daemon.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "glog/logging.h"
#include "src/collector.h"
#include "src/json_writer.h"
#include "src/mono_clock.h"

namespace fleetsim {

namespace {

using Json = nlohmann::ordered_json;

double Round(double v, int decimals) {
  double m = std::pow(10.0, decimals);
  return std::round(v * m) / m;
}

// {count, mean, p50, p90, p99, p999, max} of `h` in units of `unit_ns`; for latencies
// also how many samples took longer than a few thresholds ("over": {"500ms": n}), which
// percentiles cannot say.
Json Percentiles(const Histogram& h, double unit_ns, bool over = false) {
  Json j;
  j["count"] = h.count();
  j["mean"] = Round(h.Mean() / unit_ns, 3);
  j["p50"] = Round(h.ValueAtPercentile(50) / unit_ns, 3);
  j["p90"] = Round(h.ValueAtPercentile(90) / unit_ns, 3);
  j["p99"] = Round(h.ValueAtPercentile(99) / unit_ns, 3);
  j["p999"] = Round(h.ValueAtPercentile(99.9) / unit_ns, 3);
  j["max"] = Round(static_cast<double>(h.max()) / unit_ns, 3);
  if (over) {
    Json o;
    for (const auto& [name, ns] : {std::pair<const char*, int64_t>{"1ms", 1000000},
                                   {"10ms", 10000000},
                                   {"100ms", 100000000},
                                   {"500ms", 500000000},
                                   {"1s", 1000000000}}) {
      o[name] = h.CountAbove(ns);
    }
    j["over"] = o;
  }
  return j;
}

double PerS(uint64_t n, double s) { return s > 0 ? Round(static_cast<double>(n) / s, 1) : 0; }

const RoleGauge kGauges[] = {RoleGauge::kTarget, RoleGauge::kPending, RoleGauge::kConnecting,
                             RoleGauge::kOnline, RoleGauge::kBackoff, RoleGauge::kStopped,
                             RoleGauge::kGaveUp};
const char* GaugeName(RoleGauge g) {
  switch (g) {
    case RoleGauge::kTarget:
      return "target";
    case RoleGauge::kPending:
      return "pending";
    case RoleGauge::kConnecting:
      return "connecting";
    case RoleGauge::kOnline:
      return "online";
    case RoleGauge::kBackoff:
      return "backoff";
    case RoleGauge::kStopped:
      return "stopped";
    case RoleGauge::kGaveUp:
      return "gave_up";
    case RoleGauge::kNum:
      break;
  }
  return "?";
}

// Interval view: counters as deltas (gauges as they are now), histograms as deltas. A null
// `prev` stands for zeros (the whole run).
struct Delta {
  const CounterLayout& layout;
  const StatsState& now;
  const StatsState* prev;
  uint64_t operator()(uint32_t i) const {
    return now.counters[i] - (prev != nullptr ? prev->counters[i] : 0);
  }
  uint64_t C(Counter c) const { return (*this)(static_cast<uint32_t>(c)); }
  uint64_t Err(ErrorClass e) const {
    return (*this)(static_cast<uint32_t>(Counter::kErrorsBase) + static_cast<uint32_t>(e));
  }
  uint64_t X(uint32_t x, ExchangeCounter c) const {
    return (*this)(layout.ExchangeBase(x) + static_cast<uint32_t>(c));
  }
  Histogram H(uint32_t h) const {
    Histogram d = now.hists[h];
    if (prev != nullptr) d.Subtract(prev->hists[h]);
    return d;
  }
};

}  // namespace

StatsThread::StatsThread(StatsSegment* segment, const Program& program, const Config& config,
                         Collector* collector)
    : segment_(segment), config_(config), interval_(config.stats_interval), collector_(collector) {
  layout_.exchanges = kExchangeSlots;
  layout_.roles = static_cast<uint32_t>(program.roles.size());
  for (const Exchange& x : program.exchanges) exchange_names_.push_back(x.name);
  for (const Role& r : program.roles) role_names_.push_back(r.name);
  std::lock_guard<std::mutex> l(mu_);
  slots_.resize(segment_->num_slots());
  for (StatsState& s : slots_) s.Resize(layout_);
  slot_resets_.assign(segment_->num_slots(), 0);
  retired_.Resize(layout_);
  prev_.Resize(layout_);
  now_.Resize(layout_);
  scratch_.Resize(layout_);
  master_counts_.assign(layout_.num_counters(), 0);
}

StatsThread::~StatsThread() {
  Stop();
  if (file_ != nullptr) fclose(file_);
}

void StatsThread::Start() {
  if (!config_.stats_file.empty()) {
    file_ = fopen(config_.stats_file.c_str(), "a");
    if (file_ == nullptr) {
      LOG(ERROR) << "--stats_file " << config_.stats_file << ": " << strerror(errno)
                 << "; stats go to the log only";
    }
  }
  start_ns_ = MonoNanos();
  {
    std::lock_guard<std::mutex> l(mu_);
    prev_ns_ = start_ns_;
  }
  thread_ = std::thread([this] { Run(); });
}

void StatsThread::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopped_) return;
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> l(mu_);
  Emit(/*final=*/true);
  stopped_ = true;
}

void StatsThread::AddMasterCount(Counter c, uint64_t n) {
  std::lock_guard<std::mutex> l(mu_);
  master_counts_[static_cast<uint32_t>(c)] += n;
}

void StatsThread::RetireSlot(uint32_t slot) {
  std::lock_guard<std::mutex> l(mu_);
  // A dead writer cannot be mid-publish for long: if its last publish was torn, the
  // previous good snapshot stands in for it.
  if (segment_->Snapshot(slot, scratch_.counters.data(), scratch_.hists.data())) {
    std::swap(slots_[slot], scratch_);
  }
  const StatsState& last = slots_[slot];
  const uint64_t started = last.counters[static_cast<uint32_t>(Counter::kMembersStarted)];
  const uint64_t stopped = last.counters[static_cast<uint32_t>(Counter::kMembersStopped)];
  master_counts_[static_cast<uint32_t>(Counter::kMembersLost)] +=
      started > stopped ? started - stopped : 0;
  for (size_t i = 0; i < last.counters.size(); ++i) {
    if (!layout_.IsGauge(static_cast<uint32_t>(i))) retired_.counters[i] += last.counters[i];
  }
  for (size_t h = 0; h < last.hists.size(); ++h) retired_.hists[h].Merge(last.hists[h]);
  segment_->ResetSlot(slot);
  slots_[slot].Clear();
}

void StatsThread::SetWorkersRunning(uint32_t n) {
  std::lock_guard<std::mutex> l(mu_);
  workers_running_ = n;
}

void StatsThread::SetWorkerPids(std::vector<pid_t> pids) {
  std::lock_guard<std::mutex> l(mu_);
  worker_pids_ = std::move(pids);
}

void StatsThread::SelfCheck() {
  // A worker is one thread: at ~100 % of a core its loop cannot keep up, and latencies and
  // rates then measure fleetsim, not the server.
  constexpr double kSaturatedPct = 90;
  std::vector<pid_t> pids = worker_pids_;
  pids.push_back(getpid());
  const std::vector<double> cpu = process_cpu_.Sample(pids);
  double max_worker = -1, total = 0;
  int busiest = -1;
  nlohmann::ordered_json workers = nlohmann::ordered_json::array();
  for (size_t i = 0; i + 1 < cpu.size(); ++i) {
    workers.push_back(cpu[i] < 0 ? nlohmann::ordered_json()
                                 : nlohmann::ordered_json(Round(cpu[i], 1)));
    if (cpu[i] > max_worker) {
      max_worker = cpu[i];
      busiest = static_cast<int>(i);
    }
    total += std::max(0.0, cpu[i]);
  }
  total += std::max(0.0, cpu.back());
  self_ = {{"cpu_pct", Round(total, 1)},
           {"master_cpu_pct", cpu.back() < 0 ? 0.0 : Round(cpu.back(), 1)},
           {"workers_cpu_pct", workers}};
  const bool saturated = max_worker >= kSaturatedPct;
  bottleneck_ = saturated;
  if (saturated) {
    self_["bottleneck"] = absl::StrFormat("worker %d at %.0f%% of a core", busiest, max_worker);
    LOG_EVERY_T(WARNING, 30) << "fleetsim is the bottleneck: worker " << busiest << " at "
                             << static_cast<int>(max_worker) << "% of a core; add --workers "
                             << "or generator hosts before trusting the figures";
  }
}

void StatsThread::Run() {
  Collector* collector;
  int64_t interval;
  {
    std::lock_guard<std::mutex> l(mu_);
    collector = collector_;
    interval = absl::ToInt64Nanoseconds(interval_);
  }
  int64_t next = start_ns_ + interval;
  if (collector != nullptr) {
    collector->Poll();  // the base sample, so the first line already has rates
    LOG(INFO) << "hosts:\n" << collector->InventorySummary();
  }
  for (;;) {
    {
      // Lines are due at start + k * interval: a slow line does not shift the ones after it.
      std::unique_lock<std::mutex> l(mu_);
      const auto wait = std::chrono::nanoseconds(std::max<int64_t>(0, next - MonoNanos()));
      if (stop_cv_.wait_for(l, wait, [this] { return stop_; })) return;
      collector = collector_;
      retired_collectors_.clear();  // collectors reloads replaced: no longer polled
    }
    // Agents are polled without the lock: a slow one delays this line by at most its
    // timeout, and never the master, which takes the lock to retire a dead worker's slot.
    // (Reconfigure keeps a replaced collector alive until this loop comes round again.)
    if (collector != nullptr) collector->Poll();
    {
      std::lock_guard<std::mutex> l(mu_);
      Emit(/*final=*/false);
      interval = absl::ToInt64Nanoseconds(interval_);
    }
    next += interval;
    const int64_t now = MonoNanos();
    if (next <= now) next = now + interval;  // we were starved: skip, do not burst
  }
}

void StatsThread::Reconfigure(const Program& program, uint64_t generation, absl::Duration interval,
                              std::unique_ptr<Collector> collector) {
  std::lock_guard<std::mutex> l(mu_);
  exchange_names_.clear();
  for (const Exchange& x : program.exchanges) exchange_names_.push_back(x.name);
  generation_ = generation;
  interval_ = interval;
  if (collector != nullptr) {
    if (owned_collector_ != nullptr) retired_collectors_.push_back(std::move(owned_collector_));
    owned_collector_ = std::move(collector);
    collector_ = owned_collector_.get();
  }
}

void StatsThread::ReopenFile() {
  std::lock_guard<std::mutex> l(mu_);
  if (config_.stats_file.empty()) return;
  FILE* f = fopen(config_.stats_file.c_str(), "a");
  if (f == nullptr) {
    LOG(ERROR) << "--stats_file " << config_.stats_file << ": cannot reopen: " << strerror(errno)
               << "; still writing to the old file";
    return;
  }
  if (file_ != nullptr) fclose(file_);
  file_ = f;
}

void StatsThread::SnapshotAll(StatsState* total) {
  total->Clear();
  for (uint32_t s = 0; s < slots_.size(); ++s) {
    StatsSlotInfo info;
    // scratch_ holds some slot's older snapshot (or a failed copy): a valid Snapshot() target.
    if (segment_->Snapshot(s, scratch_.counters.data(), scratch_.hists.data(), &info)) {
      std::swap(slots_[s], scratch_);
      slot_resets_[s] = info.reset_count;
    }
    // Otherwise keep the previous snapshot: a torn copy is never used.
    for (size_t i = 0; i < total->counters.size(); ++i) total->counters[i] += slots_[s].counters[i];
    for (size_t h = 0; h < total->hists.size(); ++h) total->hists[h].Merge(slots_[s].hists[h]);
  }
  for (size_t i = 0; i < total->counters.size(); ++i) {
    if (layout_.IsGauge(static_cast<uint32_t>(i))) continue;
    total->counters[i] += retired_.counters[i] + master_counts_[i];
  }
  for (size_t h = 0; h < total->hists.size(); ++h) total->hists[h].Merge(retired_.hists[h]);
}

void StatsThread::Emit(bool final) {
  SelfCheck();
  SnapshotAll(&now_);
  const int64_t t = MonoNanos();
  const double interval_s = static_cast<double>(t - prev_ns_) / 1e9;
  if (!final || interval_s > 0.05) {
    const std::string human = HumanLine(now_, prev_, interval_s);
    LOG(INFO) << human;
    // What `systemctl status fleetsim` shows (a no-op outside systemd).
    sd_notify(0, ("STATUS=" + human).c_str());
  }
  if (file_ != nullptr) {
    std::string line = Line(now_, prev_, interval_s, final).dump();
    first_line_ = false;
    line.push_back('\n');
    fwrite(line.data(), 1, line.size(), file_);
    fflush(file_);
  }
  if (final) LOG(INFO) << Summary(now_);
  std::swap(prev_, now_);  // now_ is overwritten by the next SnapshotAll()
  prev_ns_ = t;
}

nlohmann::ordered_json StatsThread::Line(const StatsState& now, const StatsState& prev,
                                         double interval_s, bool final) const {
  const Delta d{layout_, now, &prev};
  const Delta total{layout_, now, nullptr};
  Json j;
  j["ts"] = Rfc3339Millis(WallNanos());
  j["elapsed_s"] = Round(static_cast<double>(MonoNanos() - start_ns_) / 1e9, 3);
  j["interval_s"] = Round(interval_s, 3);
  j["final"] = final;
  j["workers"] = {{"planned", segment_->num_slots()}, {"running", workers_running_}};
  j["config_generation"] = generation_;
  if (collector_ != nullptr) {
    nlohmann::json gen = collector_->GeneratorJson();
    j["generator"] = nlohmann::ordered_json::parse(gen.dump());
    // The host's CPU saturated, or one of our worker loops: either way, the tool's limit.
    const bool host = gen.is_object() && gen.value("bottleneck", false);
    j["generator"]["fleetsim"] = self_;
    j["generator"]["bottleneck"] = host || bottleneck_;
    j["servers"] = collector_->ServersJson();
    if (first_line_ || final) j["inventory"] = collector_->InventoryJson();
  }

  auto gauges = [&](int role) {
    Json g;
    for (RoleGauge k : kGauges) {
      uint64_t v = 0;
      for (uint32_t r = 0; r < layout_.roles; ++r) {
        if (role >= 0 && static_cast<uint32_t>(role) != r) continue;
        v += now.counters[layout_.RoleBase(r) + static_cast<uint32_t>(k)];
      }
      g[GaugeName(k)] = v;
    }
    return g;
  };
  j["devices"] = gauges(-1);
  Json roles = Json::object();
  for (uint32_t r = 0; r < layout_.roles; ++r) roles[role_names_[r]] = gauges(static_cast<int>(r));
  j["roles"] = roles;

  const Histogram connect = d.H(static_cast<uint32_t>(GlobalHistogram::kConnect));
  j["connects"] = {{"ok", d.C(Counter::kConnectOk)},
                   {"failed", d.C(Counter::kConnectFailed)},
                   {"per_s", PerS(d.C(Counter::kConnectOk), interval_s)},
                   {"reconnects", d.C(Counter::kReconnects)},
                   {"latency_ms", Percentiles(connect, 1e6)}};
  j["messages"] = {{"sent", d.C(Counter::kMsgSent)},
                   {"received", d.C(Counter::kMsgReceived)},
                   {"per_s", PerS(d.C(Counter::kMsgSent) + d.C(Counter::kMsgReceived), interval_s)},
                   {"sent_per_s", PerS(d.C(Counter::kMsgSent), interval_s)},
                   {"received_per_s", PerS(d.C(Counter::kMsgReceived), interval_s)},
                   {"bytes_sent", d.C(Counter::kBytesSent)},
                   {"bytes_received", d.C(Counter::kBytesReceived)}};
  j["send_time_us"] = Percentiles(d.H(static_cast<uint32_t>(GlobalHistogram::kSendTime)), 1e3);
  Histogram lat, unc;
  for (uint32_t x = 0; x < exchange_names_.size(); ++x) {
    lat.Merge(d.H(layout_.LatencyHist(x)));
    unc.Merge(d.H(layout_.UncorrectedHist(x)));
  }
  j["latency_ms"] = Percentiles(lat, 1e6, true);
  j["latency_uncorrected_ms"] = Percentiles(unc, 1e6, true);
  const uint64_t received = d.C(Counter::kMsgReceived);
  j["recv_bytes_mean"] =
      received ? Round(static_cast<double>(d.C(Counter::kBytesReceived)) / received, 1) : 0.0;
  const uint64_t expected = d.C(Counter::kExpected);
  j["recv_error_rate"] =
      expected ? Round(static_cast<double>(d.C(Counter::kMissed)) / expected, 6) : 0.0;

  auto errors = [&](const Delta& v) {
    Json e;
    for (uint32_t c = 0; c < static_cast<uint32_t>(ErrorClass::kNumClasses); ++c) {
      e[ErrorClassName(static_cast<ErrorClass>(c))] = v.Err(static_cast<ErrorClass>(c));
    }
    return e;
  };
  j["errors"] = errors(d);
  auto steps = [&](const Delta& v, bool with_latency) {
    Json s = Json::object();
    for (uint32_t x = 0; x < exchange_names_.size(); ++x) {
      Json one = {{"sent", v.X(x, ExchangeCounter::kSent)},
                  {"received", v.X(x, ExchangeCounter::kReceived)},
                  {"errors", v.X(x, ExchangeCounter::kErrors)},
                  {"timeouts", v.X(x, ExchangeCounter::kTimeouts)},
                  {"check_failed", v.X(x, ExchangeCounter::kCheckFailed)}};
      if (with_latency) {
        one["latency_ms"] = Percentiles(v.H(layout_.LatencyHist(x)), 1e6, true);
        one["latency_uncorrected_ms"] = Percentiles(v.H(layout_.UncorrectedHist(x)), 1e6, true);
      }
      s[exchange_names_[x]] = one;
    }
    return s;
  };
  j["steps"] = steps(d, true);
  auto behind = [&](const Delta& v) {
    const Histogram late = v.H(static_cast<uint32_t>(GlobalHistogram::kLateness));
    return Json{{"count", v.C(Counter::kBehindSchedule)},
                {"skipped", v.C(Counter::kBehindSkipped)},
                {"p99_ms", Round(late.ValueAtPercentile(99) / 1e6, 3)},
                {"max_ms", Round(static_cast<double>(late.max()) / 1e6, 3)}};
  };
  j["behind_schedule"] = behind(d);

  Json t;
  t["connects"] = {{"ok", total.C(Counter::kConnectOk)},
                   {"failed", total.C(Counter::kConnectFailed)},
                   {"reconnects", total.C(Counter::kReconnects)},
                   {"closed", total.C(Counter::kClosed)}};
  t["messages"] = {{"sent", total.C(Counter::kMsgSent)},
                   {"received", total.C(Counter::kMsgReceived)},
                   {"bytes_sent", total.C(Counter::kBytesSent)},
                   {"bytes_received", total.C(Counter::kBytesReceived)}};
  const uint64_t t_expected = total.C(Counter::kExpected);
  t["responses"] = {
      {"expected", t_expected},
      {"missed", total.C(Counter::kMissed)},
      {"recv_error_rate",
       t_expected ? Round(static_cast<double>(total.C(Counter::kMissed)) / t_expected, 6) : 0.0}};
  t["errors"] = errors(total);
  // The final line alone accounts for the whole run, latencies included.
  t["steps"] = steps(total, final);
  if (final) {
    Histogram all_lat, all_unc;
    for (uint32_t x = 0; x < exchange_names_.size(); ++x) {
      all_lat.Merge(now.hists[layout_.LatencyHist(x)]);
      all_unc.Merge(now.hists[layout_.UncorrectedHist(x)]);
    }
    t["latency_ms"] = Percentiles(all_lat, 1e6, true);
    t["latency_uncorrected_ms"] = Percentiles(all_unc, 1e6, true);
    t["connect_latency_ms"] =
        Percentiles(now.hists[static_cast<uint32_t>(GlobalHistogram::kConnect)], 1e6);
  }
  t["behind_schedule"] = behind(total);
  t["members"] = {{"started", total.C(Counter::kMembersStarted)},
                  {"stopped", total.C(Counter::kMembersStopped)},
                  {"gave_up", total.C(Counter::kGaveUp)}};
  t["periodic_skipped"] = total.C(Counter::kPeriodicSkipped);
  t["members"]["lost"] = total.C(Counter::kMembersLost);
  t["worker_respawns"] = total.C(Counter::kWorkerRespawns);
  t["reloads"] = {{"ok", total.C(Counter::kReloadsOk)},
                  {"failed", total.C(Counter::kReloadsFailed)}};
  j["totals"] = t;
  return j;
}

std::string StatsThread::HumanLine(const StatsState& now, const StatsState& prev,
                                   double interval_s) const {
  const Delta d{layout_, now, &prev};
  uint64_t online = 0, target = 0, connecting = 0, backoff = 0;
  for (uint32_t r = 0; r < layout_.roles; ++r) {
    const uint32_t b = layout_.RoleBase(r);
    online += now.counters[b + static_cast<uint32_t>(RoleGauge::kOnline)];
    target += now.counters[b + static_cast<uint32_t>(RoleGauge::kTarget)];
    connecting += now.counters[b + static_cast<uint32_t>(RoleGauge::kConnecting)];
    backoff += now.counters[b + static_cast<uint32_t>(RoleGauge::kBackoff)];
  }
  Histogram lat;
  for (uint32_t x = 0; x < exchange_names_.size(); ++x) lat.Merge(d.H(layout_.LatencyHist(x)));
  const uint64_t expected = d.C(Counter::kExpected);
  const double err = expected ? 100.0 * d.C(Counter::kMissed) / expected : 0;
  return absl::StrFormat(
             "online %u/%u (connecting %u, backoff %u) | %.0f conn/s | %.0f msg/s | latency p50 "
             "%.2f ms p99 %.2f ms max %.2f ms | errors %.2f%%",
             online, target, connecting, backoff,
             interval_s > 0 ? d.C(Counter::kConnectOk) / interval_s : 0.0,
             interval_s > 0 ? (d.C(Counter::kMsgSent) + d.C(Counter::kMsgReceived)) / interval_s
                            : 0.0,
             lat.ValueAtPercentile(50) / 1e6, lat.ValueAtPercentile(99) / 1e6,
             static_cast<double>(lat.max()) / 1e6, err) +
         (collector_ != nullptr ? " | " + collector_->HumanSummary() : "");
}

std::string StatsThread::Summary(const StatsState& total) const {
  const Delta t{layout_, total, nullptr};
  const double secs = static_cast<double>(MonoNanos() - start_ns_) / 1e9;
  std::string s = absl::StrFormat("==== fleetsim summary: %.1f s ====\n", secs);
  for (uint32_t r = 0; r < layout_.roles; ++r) {
    const uint32_t b = layout_.RoleBase(r);
    absl::StrAppendFormat(&s, "role %-10s target %u, online at stop %u, gave up %u\n",
                          role_names_[r],
                          total.counters[b + static_cast<uint32_t>(RoleGauge::kTarget)],
                          total.counters[b + static_cast<uint32_t>(RoleGauge::kOnline)],
                          total.counters[b + static_cast<uint32_t>(RoleGauge::kGaveUp)]);
  }
  const Histogram connect = t.H(static_cast<uint32_t>(GlobalHistogram::kConnect));
  absl::StrAppendFormat(&s, "connects   ok %u, failed %u, reconnects %u; p50 %.2f ms p99 %.2f ms\n",
                        t.C(Counter::kConnectOk), t.C(Counter::kConnectFailed),
                        t.C(Counter::kReconnects), connect.ValueAtPercentile(50) / 1e6,
                        connect.ValueAtPercentile(99) / 1e6);
  absl::StrAppendFormat(&s,
                        "messages   sent %u, received %u (%.0f/s); bytes sent %u, received %u\n",
                        t.C(Counter::kMsgSent), t.C(Counter::kMsgReceived),
                        secs > 0 ? (t.C(Counter::kMsgSent) + t.C(Counter::kMsgReceived)) / secs : 0,
                        t.C(Counter::kBytesSent), t.C(Counter::kBytesReceived));
  absl::StrAppendFormat(&s, "%-14s %10s %10s %8s %9s %9s %9s %9s\n", "step", "sent", "received",
                        "errors", "p50 ms", "p99 ms", "max ms", "p99 unc");
  for (uint32_t x = 0; x < exchange_names_.size(); ++x) {
    const Histogram h = t.H(layout_.LatencyHist(x));
    const Histogram u = t.H(layout_.UncorrectedHist(x));
    absl::StrAppendFormat(&s, "%-14s %10u %10u %8u %9.3f %9.3f %9.3f %9.3f\n", exchange_names_[x],
                          t.X(x, ExchangeCounter::kSent), t.X(x, ExchangeCounter::kReceived),
                          t.X(x, ExchangeCounter::kErrors), h.ValueAtPercentile(50) / 1e6,
                          h.ValueAtPercentile(99) / 1e6, static_cast<double>(h.max()) / 1e6,
                          u.ValueAtPercentile(99) / 1e6);
  }
  std::string errs;
  for (uint32_t c = 0; c < static_cast<uint32_t>(ErrorClass::kNumClasses); ++c) {
    uint64_t n = t.Err(static_cast<ErrorClass>(c));
    if (n)
      absl::StrAppend(&errs, errs.empty() ? "" : ", ", ErrorClassName(static_cast<ErrorClass>(c)),
                      " ", n);
  }
  absl::StrAppend(&s, "errors     ", errs.empty() ? "none" : errs, "\n");
  const Histogram late = t.H(static_cast<uint32_t>(GlobalHistogram::kLateness));
  absl::StrAppendFormat(&s, "behind schedule %u (p99 %.2f ms), skipped slots %u",
                        t.C(Counter::kBehindSchedule), late.ValueAtPercentile(99) / 1e6,
                        t.C(Counter::kBehindSkipped));
  return s;
}

}  // namespace fleetsim
