// Copyright fleetsim authors.
//
// The connection state machine. Every libev callback has one shape: I/O first, then the
// step cascade (Drive), then the interest mask recomputed once (UpdateInterest). Functions
// that may close the connection return false once it is gone; callers then stop touching it.
//
//   OpenConn ─► kConnecting ─► OnConnected ─► Drive ─┬► kAwaiting ─(frame)─► Drive
//                   │ (timeout/error)                 ├► kPausing ─(timer)──► Drive
//                   ▼                                 ├► kIdle (steps done, serves pushes)
//               EndConn ◄──── failures, close steps ──┘
//                   └► AfterClose: backoff, next period, member stopped or given up

#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "glog/logging.h"
#include "src/framer.h"
#include "src/mono_clock.h"
#include "src/socket_io.h"
#include "src/worker.h"

namespace fleetsim {

namespace {
// A paced send later than this counts as behind schedule.
constexpr int64_t kLateNs = 1000000;
// Steps one Drive call may run before yielding to the loop (a loop with no waits).
constexpr int kMaxStepsPerDrive = 256;
}  // namespace

void Worker::IoCb(struct ev_loop* loop, ev_io* w, int revents) {
  static_cast<Worker*>(ev_userdata(loop))->OnIo(reinterpret_cast<Conn*>(w), revents);
}

void Worker::OpenConn(uint32_t d, uint8_t ci, int64_t nominal) {
  Device& dev = devs_[d];
  // A new connection runs the current configuration generation.
  const ConnSpec& spec = prog_->roles[dev.role].conns[ci];
  const uint32_t index = MemberIndex(d);
  const size_t host = index % prog_->host_addrs.size();
  const sockaddr_in& dst = programs_[cur_].dests[host * prog_->ports.size() + spec.port];
  const in_addr* src =
      prog_->sources.empty() ? nullptr : &prog_->sources[index % prog_->sources.size()];
  int fd = -1;
  ErrorClass cls = ErrorClass::kOther;
  const int64_t now = MonoNanos();
  ConnectResult r = StartConnect(dst, src, &fd, &cls);
  if (r == ConnectResult::kError) {
    ++Count(Counter::kConnectFailed);
    ++CountError(cls);
    LOG_EVERY_N(WARNING, 1000) << "connect failed (" << ErrorClassName(cls) << "), "
                               << google::COUNTER << " so far";
    AfterClose(d, ci, EndHow::kFailed, spec.on_error, nominal);
    return;
  }
  const uint32_t idx = conns_.Acquire();
  Conn* c = conns_.at(idx);
  c->device = d;
  c->seq = 0;
  c->rx = c->tx = BufferPool::kNone;
  c->loop_iter = 0;
  c->pc = 0;
  c->xfer = InFlightPool::kNone;
  c->ci = ci;
  c->state = ConnState::kConnecting;
  c->flags = 0;
  c->prog = cur_;
  ++programs_[cur_].conns;
  c->until_ns = now;     // connect latency counts from here
  c->next_ns = nominal;  // the period this opening belongs to (periodic connections)
  dev.conn[ci] = idx;
  dev.slot[ci] = SlotState::kNone;
  ev_io_init(&c->io, IoCb, fd, EV_WRITE);
  ev_io_start(loop_, &c->io);
  if (r == ConnectResult::kConnected) {
    OnConnected(c);
    return;
  }
  timers_.Set(TimerKey(d, ci), now + absl::ToInt64Nanoseconds(prog_->connect_timeout));
}

void Worker::OnConnected(Conn* c) {
  ErrorClass cls = ErrorClass::kOther;
  timers_.Cancel(TimerKey(c->device, c->ci));
  if (!FinishConnect(c->io.fd, &cls)) {
    ++Count(Counter::kConnectFailed);
    ++CountError(cls);
    EndConn(c, EndHow::kFailed, Spec(c).on_error);
    return;
  }
  ++Count(Counter::kConnectOk);
  Record(static_cast<uint32_t>(GlobalHistogram::kConnect), MonoNanos() - c->until_ns);
  c->until_ns = 0;
  if (Drive(c)) UpdateInterest(c);
}

void Worker::OnIo(Conn* c, int revents) {
  if (c->state == ConnState::kConnecting) {
    if (revents & EV_WRITE) OnConnected(c);
    return;
  }
  if ((revents & EV_READ) && !ReadFrames(c)) return;
  if ((revents & EV_WRITE) && c->tx != BufferPool::kNone && !Flush(c)) return;
  UpdateInterest(c);
}

void Worker::UpdateInterest(Conn* c) {
  int events = c->state == ConnState::kConnecting
                   ? EV_WRITE
                   : EV_READ | (c->tx != BufferPool::kNone ? EV_WRITE : 0);
  if (events == c->io.events && ev_is_active(&c->io)) return;
  ev_io_stop(loop_, &c->io);
  ev_io_set(&c->io, c->io.fd, events);
  ev_io_start(loop_, &c->io);
}

bool Worker::Drive(Conn* c) {
  const uint32_t d = c->device;
  const uint32_t key = TimerKey(d, c->ci);
  const Role& role = P(c).roles[devs_[d].role];
  const ConnSpec& spec = role.conns[c->ci];
  c->state = ConnState::kRunning;
  for (int budget = kMaxStepsPerDrive;; --budget) {
    Device& dev = devs_[d];
    if ((dev.flags & Device::kStopRequested) && !(c->flags & Conn::kOnStop)) {
      c->flags |= Conn::kOnStop;  // the member stops: its closing steps replace the rest
      c->pc = 0;
      c->until_ns = 0;
    }
    const std::vector<Step>& steps = (c->flags & Conn::kOnStop) ? spec.on_stop : spec.steps;
    if (c->pc >= steps.size()) {
      if (c->flags & Conn::kOnStop) {
        EndConn(c, EndHow::kNormal, FailAction::kContinue);
        return false;
      }
      c->state = ConnState::kIdle;
      return true;
    }
    if (budget == 0) {  // yield; a zero timer resumes us after other work
      c->state = ConnState::kPausing;
      timers_.Set(key, MonoNanos());
      return true;
    }
    const Step& s = steps[c->pc];
    switch (s.kind) {
      case StepKind::kSend:
        if (!SendMessage(c, s.message, s.exchange, /*request=*/true)) return false;
        ++c->pc;
        break;
      case StepKind::kExpect: {
        const int64_t now = MonoNanos();
        if (PendingExchange(c) == kNoIndex) {  // nothing sent first: the server speaks first
          InFlight& f = Xfer(c);
          f.exchange = s.exchange;
          f.seq = c->seq;
          f.sent_ns = now;
          if (f.sched_ns == 0 || f.sched_ns > now) f.sched_ns = now;
        }
        ++Count(Counter::kExpected);
        c->state = ConnState::kAwaiting;
        timers_.Set(key, now + Resolve(s.duration, d));
        return true;
      }
      case StepKind::kOnline:
        if (c->ci == role.online_conn && dev.phase == MemberPhase::kConnecting) {
          SetPhase(dev, MemberPhase::kOnline);
          c->flags |= Conn::kOnlineConn;
        }
        dev.attempts[c->ci] = 0;
        ++c->pc;
        break;
      case StepKind::kPause: {
        const int64_t now = MonoNanos();
        if (c->until_ns == 0) c->until_ns = now + Resolve(s.duration, d);
        if (now + PreciseTimers::kEarlyNs < c->until_ns) {
          c->state = ConnState::kPausing;
          timers_.Set(key, c->until_ns);
          return true;
        }
        c->until_ns = 0;
        ++c->pc;
        break;
      }
      case StepKind::kLoop: {
        if (s.loop_count != 0 && c->loop_iter >= s.loop_count) {
          c->pc = s.target;
          c->next_ns = 0;
          c->loop_iter = 0;
          break;
        }
        const int64_t period = std::max<int64_t>(Resolve(s.duration, d), 1000000);
        const int64_t now = MonoNanos();
        if (c->next_ns == 0) c->next_ns = now + period;  // first iteration a period from now
        if (c->until_ns == 0) {
          c->until_ns = c->next_ns + static_cast<int64_t>(s.jitter * static_cast<double>(period) *
                                                          eval_.rng().Unit());
        }
        if (now + PreciseTimers::kEarlyNs < c->until_ns) {
          c->state = ConnState::kPausing;
          timers_.Set(key, c->until_ns);
          return true;
        }
        // The oldest slot not yet sent. If whole periods passed while we waited for an
        // answer, we do not burst to catch up: one request goes out, for this slot, and
        // the later missed slots are skipped, their latencies back-filled when its answer
        // comes (BackFill), so the corrected histogram still holds one sample per slot.
        const int64_t sched = c->until_ns;
        const int64_t late = now - sched;
        const int64_t skipped = late >= period ? late / period : 0;
        c->next_ns += skipped * period;
        InFlight& f = Xfer(c);
        f.backfill = static_cast<uint16_t>(std::min<int64_t>(skipped, 0xFFFF));
        Count(Counter::kBehindSkipped) += static_cast<uint64_t>(skipped);
        if (late > kLateNs) {
          ++Count(Counter::kBehindSchedule);
          Record(static_cast<uint32_t>(GlobalHistogram::kLateness), late);
        }
        f.sched_ns = sched;  // the iteration's first request counts latency from here
        c->next_ns += period;
        c->until_ns = 0;
        ++c->loop_iter;
        ++c->pc;
        break;
      }
      case StepKind::kEndLoop:
        c->pc = s.target;
        break;
      case StepKind::kClose:
        EndConn(c, EndHow::kNormal, FailAction::kContinue);
        return false;
    }
  }
}

bool Worker::SendMessage(Conn* c, uint16_t message, uint16_t exchange, bool request) {
  const Program& p = P(c);
  const Message& m = p.messages[message];
  const size_t n = m.format.size();
  ++c->seq;
  const MemberContext ctx = Context(c->device, c->seq);
  const int64_t now = MonoNanos();
  if (request) {
    InFlight& f = Xfer(c);
    f.seq = c->seq;
    f.exchange = exchange;
    f.sent_ns = now;
    if (f.sched_ns == 0 || f.sched_ns > now) f.sched_ns = now;
  }
  ++Count(Counter::kMsgSent);
  Count(Counter::kBytesSent) += n;
  ++CountExchange(exchange, ExchangeCounter::kSent);
  if (c->tx != BufferPool::kNone) {  // output already queued: append behind it
    std::string& b = bufs_.at(c->tx);
    const size_t old = b.size();
    b.resize(old + n);
    eval_.Encode(p, m, ctx, &b[old]);
    return true;
  }
  eval_.Encode(p, m, ctx, tx_.get());
  size_t written = 0;
  if (!Write(c, tx_.get(), n, &written)) return false;
  if (written == n) {
    Record(static_cast<uint32_t>(GlobalHistogram::kSendTime), MonoNanos() - now);
    return true;
  }
  c->tx = bufs_.Acquire();
  if (c->tx == BufferPool::kNone) {   // more than 65535 connections mid-write: cannot happen
    ConnLost(c, ErrorClass::kOther);  // under a plan, but never corrupt another's bytes
    return false;
  }
  bufs_.at(c->tx).assign(tx_.get() + written, n - written);
  UpdateInterest(c);
  return true;
}

bool Worker::Write(Conn* c, const char* data, size_t len, size_t* written) {
  ErrorClass cls = ErrorClass::kOther;
  switch (WriteSome(c->io.fd, data, len, written, &cls)) {
    case IoResult::kOk:
    case IoResult::kRetry:
      return true;
    case IoResult::kClosed:
    case IoResult::kError:
      ConnLost(c, cls);
      return false;
  }
  return false;
}

bool Worker::Flush(Conn* c) {
  std::string& b = bufs_.at(c->tx);
  size_t written = 0;
  if (!Write(c, b.data(), b.size(), &written)) return false;
  b.erase(0, written);
  if (b.empty()) {
    bufs_.Release(c->tx);
    c->tx = BufferPool::kNone;
    if (c->xfer != InFlightPool::kNone) {
      Record(static_cast<uint32_t>(GlobalHistogram::kSendTime),
             MonoNanos() - xfers_.at(c->xfer).sent_ns);
    }
  }
  return true;
}

void Worker::OnConnTimer(Conn* c) {
  switch (c->state) {
    case ConnState::kConnecting:
      ++Count(Counter::kConnectFailed);
      ++CountError(ErrorClass::kConnectTimeout);
      EndConn(c, EndHow::kFailed, Spec(c).on_error);
      return;
    case ConnState::kAwaiting: {
      const ConnSpec& spec = Spec(c);
      const Step& s = ((c->flags & Conn::kOnStop) ? spec.on_stop : spec.steps)[c->pc];
      if (FailStep(c, ErrorClass::kTimeout, &s)) UpdateInterest(c);
      return;
    }
    case ConnState::kPausing:
      if (Drive(c)) UpdateInterest(c);
      return;
    case ConnState::kRunning:
    case ConnState::kIdle:
      return;
  }
}

void Worker::OnSlotTimer(uint32_t d, uint8_t ci, int64_t due) {
  Device& dev = devs_[d];
  const SlotState slot = dev.slot[ci];
  dev.slot[ci] = SlotState::kNone;
  if (dev.flags & Device::kStopRequested) return;
  const ConnSpec& spec = prog_->roles[dev.role].conns[ci];
  switch (slot) {
    case SlotState::kNone:
      return;
    case SlotState::kBackoff:
      ++Count(Counter::kReconnects);
      if (ci == prog_->roles[dev.role].online_conn) SetPhase(dev, MemberPhase::kConnecting);
      OpenConn(d, ci, 0);
      return;
    case SlotState::kPeriodic:
      if (spec.open.requires_conn >= 0 && dev.phase != MemberPhase::kOnline) {
        ++Count(Counter::kPeriodicSkipped);
        NextPeriod(d, ci, due);
        return;
      }
      OpenConn(d, ci, due);
      return;
  }
}

void Worker::NextPeriod(uint32_t d, uint8_t ci, int64_t nominal) {
  const ConnSpec& spec = prog_->roles[devs_[d].role].conns[ci];
  const int64_t period = std::max<int64_t>(Resolve(spec.open.every, d), 1000000);
  const int64_t now = MonoNanos();
  int64_t next = (nominal != 0 ? nominal : now) + period;
  if (next <= now) {  // missed whole periods (a long exchange): skip them, never burst
    const int64_t missed = (now - next) / period + 1;
    Count(Counter::kPeriodicSkipped) += static_cast<uint64_t>(missed);
    next += missed * period;
  }
  ScheduleSlot(d, ci, SlotState::kPeriodic, next);
}

void Worker::ScheduleSlot(uint32_t d, uint8_t ci, SlotState s, int64_t due_ns) {
  devs_[d].slot[ci] = s;
  timers_.Set(TimerKey(d, ci), due_ns);
}

void Worker::EndConn(Conn* c, EndHow how, FailAction action) {
  const uint32_t d = c->device;
  const uint8_t ci = c->ci;
  const int64_t nominal = c->next_ns;
  const bool periodic = Spec(c).open.kind == OpenPolicy::Kind::kEvery;
  ev_io_stop(loop_, &c->io);
  close(c->io.fd);
  if (c->rx != BufferPool::kNone) bufs_.Release(c->rx);
  if (c->tx != BufferPool::kNone) bufs_.Release(c->tx);
  timers_.Cancel(TimerKey(d, ci));
  DropXfer(c);
  ++Count(Counter::kClosed);
  ReleaseProgram(c->prog);
  conns_.Release(devs_[d].conn[ci]);
  devs_[d].conn[ci] = kNoConn;
  AfterClose(d, ci, how, action, periodic ? nominal : 0);
}

void Worker::AfterClose(uint32_t d, uint8_t ci, EndHow how, FailAction action, int64_t nominal) {
  Device& dev = devs_[d];
  const Role& role = prog_->roles[dev.role];
  const ConnSpec& spec = role.conns[ci];
  const bool periodic = spec.open.kind == OpenPolicy::Kind::kEvery;
  const bool online_conn = ci == role.online_conn;
  if (!(dev.flags & Device::kStopRequested)) {
    switch (how) {
      case EndHow::kDrop:
        break;
      case EndHow::kNormal:
        if (periodic) {
          NextPeriod(d, ci, nominal);
        } else {
          StopMember(d);  // a kept connection that closes itself ends its member's run
        }
        break;
      case EndHow::kFailed:
        if (action == FailAction::kGiveUp) {
          ++Count(Counter::kGaveUp);
          SetPhase(dev, MemberPhase::kGaveUp);
          dev.flags |= Device::kStopRequested;
          for (int other = 0; other < static_cast<int>(role.conns.size()); ++other) {
            if (dev.slot[other] != SlotState::kNone) {
              timers_.Cancel(TimerKey(d, static_cast<uint8_t>(other)));
              dev.slot[other] = SlotState::kNone;
            }
            if (dev.conn[other] != kNoConn) {
              EndConn(conns_.at(dev.conn[other]), EndHow::kDrop, FailAction::kContinue);
            }
          }
          break;
        }
        if (periodic && action == FailAction::kContinue) {
          NextPeriod(d, ci, nominal);  // count it and try again next period
          break;
        }
        {
          // Reconnect (a kept connection cannot "continue" without its socket).
          const Backoff& b = spec.backoff;
          const double base = absl::ToDoubleSeconds(b.initial) *
                              std::pow(b.multiplier, std::min<int>(dev.attempts[ci], 30));
          const double wait =
              std::min(base, absl::ToDoubleSeconds(b.max)) * (1 - b.jitter * eval_.rng().Unit());
          if (dev.attempts[ci] < 255) ++dev.attempts[ci];
          if (online_conn) SetPhase(dev, MemberPhase::kBackoff);
          ScheduleSlot(d, ci, SlotState::kBackoff, MonoNanos() + static_cast<int64_t>(wait * 1e9));
        }
        break;
    }
  }
  MaybeFinishMember(d);
}

}  // namespace fleetsim
