// Copyright fleetsim authors.
//
// Worker lifecycle: members and their ramp, drain, the control channel, stats publishing
// and the timer heap's one ev_timer.

#include "src/worker.h"

#include <arpa/inet.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "glog/logging.h"
#include "src/mono_clock.h"
#include "src/worker_channel.h"

namespace fleetsim {

namespace {
// The ramp looks at the clock this often; starts are spread evenly within a tick.
constexpr double kRampTickS = 0.005;
// At most this many members start per tick, so an unlimited ramp still lets the loop
// breathe (~200k/s per worker).
constexpr uint32_t kMaxStartsPerTick = 1000;
constexpr size_t kRxScratch = 64 * 1024;

int64_t ToNanos(absl::Duration d) { return absl::ToInt64Nanoseconds(d); }
}  // namespace

const char* MemberPhaseName(MemberPhase p) {
  switch (p) {
    case MemberPhase::kPending:
      return "pending";
    case MemberPhase::kConnecting:
      return "connecting";
    case MemberPhase::kOnline:
      return "online";
    case MemberPhase::kBackoff:
      return "backoff";
    case MemberPhase::kStopped:
      return "stopped";
    case MemberPhase::kGaveUp:
      return "gave_up";
  }
  return "?";
}

const char* ConnStateName(ConnState s) {
  switch (s) {
    case ConnState::kConnecting:
      return "connecting";
    case ConnState::kRunning:
      return "running";
    case ConnState::kAwaiting:
      return "awaiting";
    case ConnState::kPausing:
      return "pausing";
    case ConnState::kIdle:
      return "idle";
  }
  return "?";
}

Worker::Worker(const Program* program, const WorkerOptions& opts, StatsSegment* stats)
    : prog_(program),
      opts_(opts),
      stats_(stats),
      eval_(program->seed * 0x9E3779B97F4A7C15ULL + opts.index + 1) {
  layout_.exchanges = kExchangeSlots;
  layout_.roles = static_cast<uint32_t>(prog_->roles.size());
  counters_.assign(layout_.num_counters(), 0);
  hists_ = HistogramArray(layout_.num_histograms());
  rx_.reset(new char[kRxScratch]);
  programs_.emplace_back();
  programs_[0].p = program;
  SetupSlot(&programs_[0]);
  nvars_ = static_cast<uint32_t>(prog_->vars.size());
  BuildMembers();
}

void Worker::SetupSlot(ProgramSlot* slot) {
  const Program& p = *slot->p;
  slot->dests.clear();
  for (const in_addr& host : p.host_addrs) {
    for (const Port& port : p.ports) {
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr = host;
      a.sin_port = htons(port.port);
      slot->dests.push_back(a);
    }
  }
  size_t need = tx_cap_;
  for (const Message& m : p.messages) need = std::max(need, m.format.size());
  if (need > tx_cap_ || tx_ == nullptr) {
    tx_.reset(new char[need + 1]);
    tx_cap_ = need;
  }
}

Worker::~Worker() {
  timers_.Stop();  // its watchers belong to the loop: stop them before the loop goes
  if (loop_ != nullptr) ev_loop_destroy(loop_);
  if (signal_fd_ >= 0) close(signal_fd_);
}

void Worker::BuildMembers() {
  roles_.resize(prog_->roles.size());
  for (const Role& r : prog_->roles) {
    keys_per_dev_ = std::max<uint32_t>(keys_per_dev_, static_cast<uint32_t>(r.conns.size()));
  }
  for (size_t r = 0; r < prog_->roles.size(); ++r) {
    const uint32_t count = prog_->roles[r].count, n = opts_.num_workers;
    const uint32_t owned = count / n + (opts_.index < count % n ? 1 : 0);
    Grow(static_cast<uint16_t>(r), owned);
    roles_[r].active_limit = owned;
    Gauge(static_cast<uint16_t>(r), RoleGauge::kTarget) = owned;
  }
}

void Worker::Grow(uint16_t role, uint32_t extra) {
  if (extra == 0) return;
  RoleRun& run = roles_[role];
  const uint32_t first = static_cast<uint32_t>(devs_.size());
  devs_.resize(first + extra);
  for (uint32_t d = first; d < first + extra; ++d) {
    Device& dev = devs_[d];
    for (int c = 0; c < kMaxConnsPerDevice; ++c) {
      dev.conn[c] = kNoConn;
      dev.slot[c] = SlotState::kNone;
      dev.attempts[c] = 0;
    }
    dev.role = role;
    dev.phase = MemberPhase::kPending;
    dev.flags = 0;
  }
  vars_.resize(devs_.size() * nvars_, 0);
  timers_.Resize(static_cast<uint32_t>(devs_.size() * keys_per_dev_));
  run.segs.push_back(Segment{first, run.owned, extra});
  run.owned += extra;
  Gauge(role, RoleGauge::kPending) += extra;
}

uint32_t Worker::DeviceOf(uint16_t role, uint32_t j) const {
  for (const Segment& s : roles_[role].segs) {
    if (j - s.first_j < s.n) return s.first_d + (j - s.first_j);
  }
  return kNoConn;  // REQUIRES j < owned: unreachable
}

uint32_t Worker::MemberIndex(uint32_t d) const {
  for (const Segment& s : roles_[devs_[d].role].segs) {
    if (d - s.first_d < s.n) return (s.first_j + (d - s.first_d)) * opts_.num_workers + opts_.index;
  }
  return 0;  // every device is in a segment of its role: unreachable
}

void Worker::SetPhase(Device& dev, MemberPhase p) {
  if (dev.phase == p) return;
  auto gauge = [](MemberPhase ph) {
    switch (ph) {
      case MemberPhase::kPending:
        return RoleGauge::kPending;
      case MemberPhase::kConnecting:
        return RoleGauge::kConnecting;
      case MemberPhase::kOnline:
        return RoleGauge::kOnline;
      case MemberPhase::kBackoff:
        return RoleGauge::kBackoff;
      case MemberPhase::kStopped:
        return RoleGauge::kStopped;
      case MemberPhase::kGaveUp:
        return RoleGauge::kGaveUp;
    }
    return RoleGauge::kPending;
  };
  --Gauge(dev.role, gauge(dev.phase));
  ++Gauge(dev.role, gauge(p));
  dev.phase = p;
}

int64_t Worker::Resolve(const DynDuration& d, uint32_t dev) const {
  if (d.var < 0) return ToNanos(d.fixed);
  uint64_t v = vars_[static_cast<size_t>(dev) * nvars_ + d.var];
  if (v == 0 || v > (uint64_t{1} << 40)) return ToNanos(d.fallback);
  return static_cast<int64_t>(v) * ToNanos(d.unit);
}

MemberContext Worker::Context(uint32_t d, uint32_t seq) const {
  MemberContext ctx;
  ctx.index = MemberIndex(d);
  ctx.id = prog_->roles[devs_[d].role].first_id + ctx.index;
  ctx.seq = seq;
  ctx.vars = nvars_ == 0 ? nullptr : &vars_[static_cast<size_t>(d) * nvars_];
  return ctx;
}

void Worker::OnRampTick() {
  if (draining_) return;
  const int64_t now = MonoNanos();
  bool more = false;
  for (size_t r = 0; r < roles_.size(); ++r) {
    RoleRun& run = roles_[r];
    const std::vector<RampPhase>& phases = prog_->roles[r].ramp;
    uint64_t allowed = UINT64_MAX;  // starts this tick may make: no ramp, no limit
    if (!phases.empty()) {
      if (run.phase_start_ns == 0) run.phase_start_ns = now;
      // Move past finished phases (each starts where the last one ended).
      while (run.phase + 1 < phases.size() &&
             now - run.phase_start_ns >= ToNanos(phases[run.phase].duration)) {
        run.phase_start_ns += ToNanos(phases[run.phase].duration);
        run.started_in_phase = 0;
        ++run.phase;
      }
      const double rate = phases[run.phase].rate / opts_.num_workers;
      if (rate > 0) {
        const uint64_t due =
            static_cast<uint64_t>(rate * static_cast<double>(now - run.phase_start_ns) / 1e9) + 1;
        allowed = due > run.started_in_phase ? due - run.started_in_phase : 0;
      }
    }
    uint32_t budget = kMaxStartsPerTick;
    while (run.next < run.active_limit && allowed > 0 && budget > 0) {
      const uint32_t d = DeviceOf(static_cast<uint16_t>(r), run.next++);
      if (devs_[d].phase != MemberPhase::kPending) continue;
      StartMember(d);
      ++run.started_in_phase;
      --allowed;
      --budget;
    }
    more = more || run.next < run.active_limit;
  }
  if (!more) ev_timer_stop(loop_, &ramp_);
}

void Worker::StartMember(uint32_t d) {
  Device& dev = devs_[d];
  if (dev.phase != MemberPhase::kPending) return;
  const Role& role = prog_->roles[dev.role];
  ++Count(Counter::kMembersStarted);
  ++open_members_;
  SetPhase(dev, MemberPhase::kConnecting);
  const int64_t now = MonoNanos();
  for (size_t ci = 0; ci < role.conns.size(); ++ci) {
    const ConnSpec& spec = role.conns[ci];
    if (spec.open.kind == OpenPolicy::Kind::kAtStart) {
      OpenConn(d, static_cast<uint8_t>(ci), 0);
    } else {
      // The first period starts after a random part of it, so members do not open in step.
      const double p = static_cast<double>(Resolve(spec.open.every, d));
      const double j = spec.open.jitter;
      int64_t first = static_cast<int64_t>(p * (1 - j) + p * j * eval_.rng().Unit());
      ScheduleSlot(d, static_cast<uint8_t>(ci), SlotState::kPeriodic, now + first);
    }
    if (devs_[d].phase == MemberPhase::kGaveUp) break;
  }
}

void Worker::StopMember(uint32_t d) {
  Device& dev = devs_[d];
  if (dev.flags & Device::kStopRequested) return;
  dev.flags |= Device::kStopRequested;
  if (dev.phase == MemberPhase::kPending) {  // never started: nothing to close
    SetPhase(dev, MemberPhase::kStopped);
    dev.flags |= Device::kMemberDone;
    return;
  }
  const Role& role = prog_->roles[dev.role];
  for (size_t ci = 0; ci < role.conns.size(); ++ci) {
    if (dev.slot[ci] != SlotState::kNone) {
      timers_.Cancel(TimerKey(d, static_cast<uint8_t>(ci)));
      dev.slot[ci] = SlotState::kNone;
    }
  }
  for (size_t ci = 0; ci < role.conns.size(); ++ci) {
    if (devs_[d].conn[ci] == kNoConn) continue;
    Conn* c = conns_.at(devs_[d].conn[ci]);
    switch (c->state) {
      case ConnState::kConnecting:
        EndConn(c, EndHow::kDrop, FailAction::kContinue);
        break;
      case ConnState::kAwaiting:
      case ConnState::kRunning:
        break;  // the exchange in flight finishes first; Drive then runs on_stop
      case ConnState::kPausing:
      case ConnState::kIdle:
        timers_.Cancel(TimerKey(d, static_cast<uint8_t>(ci)));
        c->until_ns = 0;
        if (Drive(c)) UpdateInterest(c);
        break;
    }
  }
  MaybeFinishMember(d);
}

void Worker::MaybeFinishMember(uint32_t d) {
  Device& dev = devs_[d];
  if (!(dev.flags & Device::kStopRequested) || (dev.flags & Device::kMemberDone)) return;
  for (int ci = 0; ci < kMaxConnsPerDevice; ++ci) {
    if (dev.conn[ci] != kNoConn) return;  // done when every connection is closed
  }
  if (dev.phase != MemberPhase::kGaveUp) SetPhase(dev, MemberPhase::kStopped);
  dev.flags |= Device::kMemberDone;
  ++Count(Counter::kMembersStopped);
  --open_members_;
  CheckDrained();
}

void Worker::BeginDrain(absl::Duration grace) {
  if (draining_) return;
  draining_ = true;
  LOG(INFO) << "worker " << opts_.index << ": draining " << open_members_ << " members, grace "
            << absl::FormatDuration(grace);
  ev_timer_stop(loop_, &ramp_);
  ev_timer_set(&drain_timer_, absl::ToDoubleSeconds(grace), 0);
  ev_timer_start(loop_, &drain_timer_);
  for (uint32_t d = 0; d < devs_.size(); ++d) StopMember(d);
  CheckDrained();
}

void Worker::CheckDrained() {
  if (!draining_ || drained_ || open_members_ > 0) return;
  drained_ = true;
  Publish();
  ControlMsg done{ControlKind::kDrained, 0, 0};
  SendControl(opts_.control_fd, done);
  ev_break(loop_, EVBREAK_ALL);
}

void Worker::Publish() {
  stats_->Publish(opts_.index, counters_.data(), hists_.data(), MonoNanos());
}

void Worker::OnControl() {
  ControlMsg msg;
  std::string payload;
  for (;;) {
    switch (RecvControl(opts_.control_fd, &msg, &payload)) {
      case RecvResult::kNone:
        return;
      case RecvResult::kClosed:
        // The master is gone: nobody will read our stats; stop quickly and cleanly.
        ev_io_stop(loop_, &control_);
        BeginDrain(absl::Seconds(2));
        return;
      case RecvResult::kMessage:
        break;
    }
    switch (msg.kind) {
      case ControlKind::kDrain:
        BeginDrain(absl::Milliseconds(msg.arg));
        break;
      case ControlKind::kReload:
        OnReload(payload, msg.arg);
        break;
      case ControlKind::kSetup:
      case ControlKind::kReady:
      case ControlKind::kDrained:
      case ControlKind::kAck:
        LOG(WARNING) << "worker " << opts_.index << ": unexpected control message "
                     << static_cast<uint32_t>(msg.kind);
        break;
    }
  }
}

void Worker::OnTimer(uint32_t key, int64_t due) {
  const uint32_t d = key / keys_per_dev_;
  const uint8_t ci = static_cast<uint8_t>(key % keys_per_dev_);
  if (devs_[d].conn[ci] != kNoConn) {
    OnConnTimer(conns_.at(devs_[d].conn[ci]));
  } else {
    OnSlotTimer(d, ci, due);
  }
}

int Worker::Run() {
  loop_ = ev_loop_new(EVFLAG_AUTO | EVFLAG_NOSIGMASK);
  CHECK(loop_ != nullptr) << "ev_loop_new failed";
  ev_set_userdata(loop_, this);
  // SIGINT from a terminal reaches the whole process group: the master decides for us.
  signal(SIGINT, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  // SIGTERM sent to a worker itself drains it like the master would.
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigprocmask(SIG_BLOCK, &term, nullptr);
  signal_fd_ = signalfd(-1, &term, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signal_fd_ >= 0) {
    ev_io_init(&sigterm_, SignalCb, signal_fd_, EV_READ);
    ev_io_start(loop_, &sigterm_);
  }
  ev_timer_init(&ramp_, RampCb, 0, kRampTickS);
  ev_timer_init(&publish_, PublishCb, 0, absl::ToDoubleSeconds(opts_.publish_interval));
  ev_timer_init(&drain_timer_, DrainCb, 0, 0);
  absl::Status timers =
      timers_.Start(loop_, static_cast<uint32_t>(devs_.size() * keys_per_dev_), TimerCb, this);
  if (!timers.ok()) {
    LOG(ERROR) << "worker " << opts_.index << ": " << timers.message();
    return 1;
  }
  ev_timer_start(loop_, &ramp_);
  ev_timer_start(loop_, &publish_);
  if (opts_.control_fd >= 0) {
    ev_io_init(&control_, ControlCb, opts_.control_fd, EV_READ);
    ev_io_start(loop_, &control_);
    ControlMsg ready{ControlKind::kReady, 0, devs_.size()};
    SendControl(opts_.control_fd, ready);
  }
  Publish();
  ev_run(loop_, 0);
  return 0;
}

void Worker::TimerCb(void* worker, uint32_t key, int64_t due) {
  static_cast<Worker*>(worker)->OnTimer(key, due);
}
void Worker::RampCb(struct ev_loop* loop, ev_timer*, int) {
  static_cast<Worker*>(ev_userdata(loop))->OnRampTick();
}
void Worker::PublishCb(struct ev_loop* loop, ev_timer*, int) {
  static_cast<Worker*>(ev_userdata(loop))->Publish();
}
void Worker::ControlCb(struct ev_loop* loop, ev_io*, int) {
  static_cast<Worker*>(ev_userdata(loop))->OnControl();
}
void Worker::DrainCb(struct ev_loop* loop, ev_timer*, int) {
  Worker* w = static_cast<Worker*>(ev_userdata(loop));
  LOG(WARNING) << "worker " << w->opts_.index << ": grace period over, closing " << w->open_members_
               << " members that had not finished";
  for (uint32_t d = 0; d < w->devs_.size(); ++d) {
    for (int ci = 0; ci < kMaxConnsPerDevice; ++ci) {
      if (w->devs_[d].conn[ci] != kNoConn) {
        w->EndConn(w->conns_.at(w->devs_[d].conn[ci]), EndHow::kDrop, FailAction::kContinue);
      }
    }
  }
  w->CheckDrained();
}
void Worker::SignalCb(struct ev_loop* loop, ev_io* w, int) {
  signalfd_siginfo info;
  while (read(w->fd, &info, sizeof(info)) == sizeof(info)) {
  }
  static_cast<Worker*>(ev_userdata(loop))->BeginDrain(absl::Seconds(5));
}

}  // namespace fleetsim
