// Copyright fleetsim authors.
//
// The receiving half of the connection state machine: frames cut from the socket, matched
// against the step awaiting them or the push handlers, checked, captured; and what a
// failed step or a lost connection does next.

#include <unistd.h>

#include <algorithm>

#include "glog/logging.h"
#include "src/framer.h"
#include "src/mono_clock.h"
#include "src/socket_io.h"
#include "src/worker.h"

namespace fleetsim {

namespace {
// Reads per wakeup before other connections get their turn.
constexpr int kMaxReadsPerWakeup = 4;
constexpr size_t kRxScratch = 64 * 1024;
}  // namespace

bool Worker::ReadFrames(Conn* c) {
  const Framing& fr = P(c).framings[P(c).ports[Spec(c).port].framing];
  for (int reads = 0; reads < kMaxReadsPerWakeup; ++reads) {
    size_t n = 0;
    ErrorClass cls = ErrorClass::kOther;
    switch (ReadSome(c->io.fd, rx_.get(), kRxScratch, &n, &cls)) {
      case IoResult::kRetry:
        return true;
      case IoResult::kClosed:
        ConnLost(c, ErrorClass::kClosedByPeer);
        return false;
      case IoResult::kError:
        ConnLost(c, cls);
        return false;
      case IoResult::kOk:
        break;
    }
    Count(Counter::kBytesReceived) += n;
    // Frames are cut straight from the scratch buffer; only a partial frame left over is
    // copied, into a pooled buffer the connection borrows until the frame completes.
    absl::string_view data(rx_.get(), n);
    if (c->rx != BufferPool::kNone) {
      std::string& b = bufs_.at(c->rx);
      b.append(rx_.get(), n);
      data = b;
    }
    size_t off = 0;
    for (;;) {
      size_t len = 0;
      CutResult cut = CutFrame(fr, data.substr(off), &len);
      if (cut == CutResult::kNeedMore) break;
      if (cut == CutResult::kMalformed) {
        ConnLost(c, ErrorClass::kMalformed);
        return false;
      }
      if (!HandleFrame(c, data.substr(off, len))) return false;
      off += len;
    }
    if (c->rx != BufferPool::kNone) {
      std::string& b = bufs_.at(c->rx);
      b.erase(0, off);
      if (b.empty()) {
        bufs_.Release(c->rx);
        c->rx = BufferPool::kNone;
      }
    } else if (off < n) {
      c->rx = bufs_.Acquire();
      if (c->rx == BufferPool::kNone) {
        ConnLost(c, ErrorClass::kOther);
        return false;
      }
      bufs_.at(c->rx).assign(rx_.get() + off, n - off);
    }
    if (n < kRxScratch) return true;  // the socket is drained
  }
  return true;
}

bool Worker::HandleFrame(Conn* c, absl::string_view frame) {
  ++Count(Counter::kMsgReceived);
  if (c->state == ConnState::kAwaiting) {
    const ConnSpec& spec = Spec(c);
    const Step& s = ((c->flags & Conn::kOnStop) ? spec.on_stop : spec.steps)[c->pc];
    const Program& p = P(c);
    const Message& m = p.messages[s.message];
    const MemberContext ctx =
        Context(c->device, c->xfer == InFlightPool::kNone ? c->seq : xfers_.at(c->xfer).seq);
    const bool whole = frame.size() >= m.format.size();
    if (whole && (s.match.empty() || eval_.Holds(p, m, s.match, frame, ctx))) {
      const int64_t now = MonoNanos();
      const InFlight f = xfers_.at(c->xfer);  // an expect step always has one (Drive)
      const uint16_t x = f.exchange;
      timers_.Cancel(TimerKey(c->device, c->ci));
      ++CountExchange(x, ExchangeCounter::kReceived);
      Record(layout_.LatencyHist(x), now - f.sched_ns);
      Record(layout_.UncorrectedHist(x), now - f.sent_ns);
      if (f.backfill != 0) BackFill(c, x, f.backfill, now - f.sched_ns);
      if (!s.check.empty() && !eval_.Holds(p, m, s.check, frame, ctx)) {
        ++CountExchange(x, ExchangeCounter::kCheckFailed);
        return FailStep(c, ErrorClass::kCheckFailed, &s);
      }
      DropXfer(c);
      if (!s.capture.empty()) {
        eval_.Capture(m, s.capture, frame, &vars_[static_cast<size_t>(c->device) * nvars_]);
      }
      devs_[c->device].attempts[c->ci] = 0;
      ++c->pc;
      return Drive(c);
    }
    if (!whole && s.match.empty()) {
      // In the answer's place but shorter than its format: not an answer (a server never
      // counts garbage as a response), an error of this exchange.
      return FailStep(c, ErrorClass::kMalformed, &s);
    }
  }
  return RunHandlers(c, frame);
}

void Worker::BackFill(Conn* c, uint16_t x, uint16_t skipped, int64_t latency) {
  // HdrHistogram's recordValueWithExpectedInterval: the slots skipped after the one just
  // answered would each have waited one period less.
  const ConnSpec& spec = Spec(c);
  const std::vector<Step>& steps = (c->flags & Conn::kOnStop) ? spec.on_stop : spec.steps;
  int64_t period = 0;
  for (int i = c->pc; i >= 0 && period == 0; --i) {
    if (steps[i].kind == StepKind::kLoop) period = Resolve(steps[i].duration, c->device);
  }
  for (uint32_t j = 1; j <= skipped && period > 0; ++j) {
    const int64_t v = latency - static_cast<int64_t>(j) * period;
    if (v <= 0) break;
    Record(layout_.LatencyHist(x), v);
  }
}

bool Worker::RunHandlers(Conn* c, absl::string_view frame) {
  const ConnSpec& spec = Spec(c);
  for (const Handler& h : spec.handlers) {
    const Message& m = P(c).messages[h.message];
    if (frame.size() < m.format.size()) continue;
    const MemberContext ctx = Context(c->device, c->seq);
    if (!h.match.empty() && !eval_.Holds(P(c), m, h.match, frame, ctx)) continue;
    ++CountExchange(h.exchange, ExchangeCounter::kReceived);
    if (!h.capture.empty()) {
      eval_.Capture(m, h.capture, frame, &vars_[static_cast<size_t>(c->device) * nvars_]);
    }
    if (h.reply != kNoIndex) return SendMessage(c, h.reply, h.exchange, /*request=*/false);
    return true;
  }
  ++CountError(ErrorClass::kUnexpected);
  return true;
}

bool Worker::FailStep(Conn* c, ErrorClass cls, const Step* step) {
  ++CountError(cls);
  ++Count(Counter::kMissed);
  const uint16_t x = PendingExchange(c);
  if (x != kNoIndex) {
    ++CountExchange(x, ExchangeCounter::kErrors);
    if (cls == ErrorClass::kTimeout) ++CountExchange(x, ExchangeCounter::kTimeouts);
  }
  DropXfer(c);
  const FailAction action = step->has_on_fail ? step->on_fail : Spec(c).on_error;
  switch (action) {
    case FailAction::kContinue:
      ++c->pc;
      return Drive(c);
    case FailAction::kReconnect:
    case FailAction::kGiveUp:
      EndConn(c, EndHow::kFailed, action);
      return false;
  }
  return false;
}

void Worker::ConnLost(Conn* c, ErrorClass cls) {
  ++CountError(cls);
  if (c->state == ConnState::kAwaiting) {
    ++Count(Counter::kMissed);
    if (PendingExchange(c) != kNoIndex)
      ++CountExchange(PendingExchange(c), ExchangeCounter::kErrors);
  }
  EndConn(c, EndHow::kFailed, Spec(c).on_error);
}

}  // namespace fleetsim
