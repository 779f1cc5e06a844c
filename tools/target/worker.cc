// Copyright fleetsim authors.

#include "tools/target/worker.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "src/mono_clock.h"
#include "src/unique_fd.h"
#include "tools/target/listen_socket.h"

namespace fleetsim::target {

namespace {

constexpr size_t kReadSize = 64 * 1024;
constexpr int kMaxReadsPerWakeup = 4;  // then yield to other connections
constexpr int kMaxAcceptsPerWakeup = 256;
constexpr size_t kHighWater = 256;           // queued items that pause reading...
constexpr size_t kLowWater = 64;             // ...until the queue drains below this
constexpr int64_t kFragmentGapNs = 1000000;  // between pieces, so they arrive separately
constexpr int kMaxIov = 64;
constexpr double kAcceptPauseS = 0.1;  // after EMFILE and friends

int64_t MonoMs() { return MonoNanos() / 1000000; }
int64_t WallMs() { return WallNanos() / 1000000; }

bool Retryable(int err) { return err == EAGAIN || err == EWOULDBLOCK || err == EINTR; }

}  // namespace

const char* CloseReasonName(CloseReason r) {
  switch (r) {
    case CloseReason::kPeerClosed:
      return "peer_closed";
    case CloseReason::kPeerError:
      return "peer_error";
    case CloseReason::kProtocolError:
      return "protocol_error";
    case CloseReason::kFaultClose:
      return "fault_close";
    case CloseReason::kShutdown:
      return "shutdown";
  }
  return "?";
}

Worker::Worker(const TargetConfig& config, int index, int64_t conns_cap, int64_t start_mono_ns,
               SharedRegion* region)
    : config_(config),
      index_(index),
      conns_cap_(conns_cap),
      counters_(&region->slot(index)),
      faults_(config.faults, config.seed, index, start_mono_ns),
      service_(config.heartbeat_s, region->devices(config.session_ttl_ms()),
               region->users(/*ttl_ms=*/0), &region->slot(index)),
      expiry_armed_ms_(INT64_MAX),
      table_size_([] {
        rlimit rl{};
        getrlimit(RLIMIT_NOFILE, &rl);
        return static_cast<int>(std::min<rlim_t>(rl.rlim_cur, INT_MAX / 2));
      }()),
      conns_(static_cast<Conn*>(calloc(table_size_, sizeof(Conn)))),
      expiry_(table_size_),
      scratch_(new uint8_t[kMaxFrame + kReadSize]) {
  CHECK(conns_ != nullptr) << "calloc of " << table_size_ << " connections";
  loop_ = ev_loop_new(EVBACKEND_EPOLL | EVFLAG_NOENV);
  CHECK(loop_ != nullptr) << "ev_loop_new";
  ev_set_userdata(loop_, this);
  for (auto& l : listeners_) ev_io_init(&l, OnAcceptCb, -1, EV_READ);
  ev_timer_init(&accept_resume_, OnAcceptResumeCb, kAcceptPauseS, 0);
  ev_timer_init(&expiry_timer_, OnExpiryCb, 0, 0);
  absl::Status timers =
      out_timers_.Start(loop_, static_cast<uint32_t>(table_size_), OnOutTimerCb, this);
  CHECK(timers.ok()) << timers;
  counters_->pid.store(getpid(), std::memory_order_relaxed);
}

Worker::~Worker() {
  out_timers_.Stop();
  for (auto& l : listeners_) {
    if (l.fd >= 0) close(l.fd);
  }
  ev_loop_destroy(loop_);
  free(conns_);
}

absl::Status Worker::Listen() {
  for (int i = 0; i < kNumPorts; ++i) {
    absl::StatusOr<UniqueFd> fd = ListenReusePort(config_.host, config_.ports[i]);
    if (!fd.ok()) {
      return absl::Status(fd.status().code(),
                          absl::StrCat(fd.status().message(), " (", PortName(static_cast<Port>(i)),
                                       " port, --ports)"));
    }
    ev_io_set(&listeners_[i], fd->Release(), EV_READ);
    listeners_[i].data = reinterpret_cast<void*>(static_cast<intptr_t>(i));
  }
  return absl::OkStatus();
}

int Worker::Run(int control_fd) {
  for (auto& l : listeners_) ev_io_start(loop_, &l);
  ev_io_init(&control_, OnControlCb, control_fd, EV_READ);
  ev_io_start(loop_, &control_);
  ev_run(loop_, 0);
  return 0;
}

// --- callbacks: trampolines into members -------------------------------------------------

void Worker::OnAcceptCb(struct ev_loop* loop, ev_io* w, int) {
  static_cast<Worker*>(ev_userdata(loop))
      ->OnAccept(static_cast<Port>(reinterpret_cast<intptr_t>(w->data)));
}

void Worker::OnConnCb(struct ev_loop* loop, ev_io* w, int revents) {
  static_cast<Worker*>(ev_userdata(loop))->OnConnIo(reinterpret_cast<Conn*>(w), revents);
}

void Worker::OnOutTimerCb(void* worker, uint32_t fd, int64_t) {
  auto* self = static_cast<Worker*>(worker);
  Conn* c = &self->conns_[fd];
  if (self->Pump(c)) self->UpdateInterest(c);
}

void Worker::OnExpiryCb(struct ev_loop* loop, ev_timer*, int) {
  static_cast<Worker*>(ev_userdata(loop))->OnExpiry();
}

void Worker::OnAcceptResumeCb(struct ev_loop* loop, ev_timer*, int) {
  auto* self = static_cast<Worker*>(ev_userdata(loop));
  for (auto& l : self->listeners_) ev_io_start(loop, &l);
}

void Worker::OnControlCb(struct ev_loop* loop, ev_io*, int) {
  static_cast<Worker*>(ev_userdata(loop))->Shutdown();
}

// --- accept ------------------------------------------------------------------------------

void Worker::OnAccept(Port port) {
  const int lfd = listeners_[static_cast<int>(port)].fd;
  for (int n = 0; n < kMaxAcceptsPerWakeup; ++n) {
    int fd = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
      // Out of descriptors or memory: stop accepting for a moment instead of spinning on a
      // listener that stays readable.
      LOG_EVERY_N(WARNING, 100) << "worker " << index_ << ": accept: " << strerror(errno)
                                << "; pausing accepts for " << kAcceptPauseS << "s";
      for (auto& l : listeners_) ev_io_stop(loop_, &l);
      ev_timer_set(&accept_resume_, kAcceptPauseS, 0);
      ev_timer_start(loop_, &accept_resume_);
      return;
    }
    if (open_ >= conns_cap_ || fd >= table_size_) {
      // Refuse at once rather than leave it in the backlog: the client learns now.
      close(fd);
      counters_->Add(Counter::kConnRefused);
      LOG_EVERY_N(WARNING, 1000) << "worker " << index_ << ": at its cap of " << conns_cap_
                                 << " connections; refusing";
      continue;
    }
    int one = 1;
    // Responses are small and must leave at once (fragments especially).
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    Conn* c = &conns_[fd];
    memset(static_cast<void*>(c), 0, sizeof(*c));
    c->port = port;
    c->state = ConnState::kOpen;
    ev_io_init(&c->io, OnConnCb, fd, EV_READ);
    ev_io_start(loop_, &c->io);
    ++open_;
    counters_->Add(Counter::kConnAccepted);
  }
}

// --- reading and serving -----------------------------------------------------------------

void Worker::OnConnIo(Conn* c, int revents) {
  if (revents & EV_WRITE) {
    c->want_write = false;
    if (!Pump(c)) return;
  }
  if ((revents & EV_READ) && c->state == ConnState::kOpen && !c->read_paused) {
    if (!ReadRequests(c)) return;
  }
  UpdateInterest(c);
}

bool Worker::ReadRequests(Conn* c) {
  // scratch_ = [kMaxFrame bytes for a carried-over partial frame][kReadSize for the read].
  uint8_t* const read_at = scratch_.get() + kMaxFrame;
  for (int reads = 0; reads < kMaxReadsPerWakeup; ++reads) {
    const ssize_t n = recv(fd_of(c), read_at, kReadSize, 0);
    if (n == 0) {
      // EOF. Whatever complete requests came before it were served; a partial frame is
      // not a request. A half-closed peer still gets the responses already queued.
      if (c->in != nullptr) {
        in_pool_.Release(c->in);
        c->in = nullptr;
      }
      c->state = ConnState::kDraining;
      if (c->out == nullptr) {
        Close(c, CloseReason::kPeerClosed);
        return false;
      }
      return true;
    }
    if (n < 0) {
      if (Retryable(errno)) {
        if (errno == EINTR) continue;
        return true;
      }
      Close(c, CloseReason::kPeerError);
      return false;
    }
    uint8_t* start = read_at;
    size_t have = static_cast<size_t>(n);
    if (c->in != nullptr) {  // prepend the carried-over bytes
      start -= c->in->len;
      memcpy(start, c->in->bytes, c->in->len);
      have += c->in->len;
      in_pool_.Release(c->in);
      c->in = nullptr;
    }
    size_t used = 0;
    const ParseResult r = SplitFrames(
        start, have, &used,
        [&](const FrameHeader& h, const uint8_t* body) { return ServeFrame(c, h, body); });
    if (c->state == ConnState::kFree) return false;  // closed while serving
    switch (r) {
      case ParseResult::kNeedMore:
        if (used < have) {
          c->in = in_pool_.Acquire();
          c->in->len = static_cast<uint16_t>(have - used);
          memcpy(c->in->bytes, start + used, have - used);
        }
        break;
      case ParseResult::kFrame:  // serving stopped: a close fault is queued; drop the rest
        break;
      case ParseResult::kBadMagic:
      case ParseResult::kBadVersion:
      case ParseResult::kTooLong:
        VLOG(1) << "worker " << index_ << " fd " << fd_of(c) << ": " << ParseResultName(r);
        counters_->Add(Counter::kProtocolErrors);
        Close(c, CloseReason::kProtocolError);
        return false;
    }
    if (!Pump(c)) return false;
    if (c->out != nullptr && c->out->size() >= kHighWater) c->read_paused = true;
    if (c->state != ConnState::kOpen || c->read_paused) return true;
    if (static_cast<size_t>(n) < kReadSize) return true;  // the socket is drained
  }
  return true;
}

bool Worker::ServeFrame(Conn* c, const FrameHeader& h, const uint8_t* body) {
  const Command cmd = CommandFromByte(h.cmd);
  const bool on_port = cmd != Command::kUnknown && CommandPort(cmd) == c->port;
  if (on_port && !BodyWellFormed(cmd, body, h.body_len)) {
    VLOG(1) << "worker " << index_ << " fd " << fd_of(c) << ": malformed " << CommandName(cmd);
    counters_->Add(Counter::kProtocolErrors);
    Close(c, CloseReason::kProtocolError);
    return false;
  }
  counters_->Add(cmd, CmdCounter::kReceived);
  Reply reply;
  bool busy = false;
  if (on_port && cmd == Command::kLogin && faults_.Busy()) {
    busy = true;
    counters_->Add(Counter::kFaultBusy);
    counters_->Add(cmd, CmdCounter::kFaulted);
    reply = service_.Busy();
  } else {
    reply = service_.Handle(c->port, cmd, h.cmd, body, h.body_len, c->sid, MonoMs(), WallMs());
    ApplyHeld(c, reply);
  }
  // A busy LOGIN's fault is its status; it is not also dropped, garbled or closed.
  const ResponseFault fault = busy ? ResponseFault::kNone : faults_.PickResponseFault();
  switch (fault) {
    case ResponseFault::kNone:
      Enqueue(c, OutKind::kResponse, cmd, h.seq, reply);
      return true;
    case ResponseFault::kDrop:
      counters_->Add(Counter::kFaultDropped);
      counters_->Add(cmd, CmdCounter::kFaulted);
      return true;
    case ResponseFault::kGarbage:
      counters_->Add(Counter::kFaultGarbage);
      counters_->Add(cmd, CmdCounter::kFaulted);
      Enqueue(c, OutKind::kGarbage, cmd, h.seq, reply);
      return true;
    case ResponseFault::kClose:
      // Closed where the response would have been written: responses queued before it
      // still go out; requests after it in this read are not served.
      counters_->Add(Counter::kFaultClosed);
      counters_->Add(cmd, CmdCounter::kFaulted);
      Enqueue(c, OutKind::kClose, cmd, h.seq, reply);
      c->state = ConnState::kDraining;
      return false;
  }
  return true;
}

void Worker::ApplyHeld(Conn* c, const Reply& reply) {
  const int fd = fd_of(c);
  const bool expires = c->port == Port::kAccess;  // user sessions do not expire
  switch (reply.held) {
    case HeldChange::kNone:
      return;
    case HeldChange::kSet:
      c->sid = reply.held_sid;
      break;
    case HeldChange::kRefreshed:
      break;
    case HeldChange::kCleared:
      c->sid = 0;
      expiry_.Remove(fd);
      return;
  }
  if (!expires) return;
  // +1: a session expires when silent for *more* than the ttl.
  expiry_.Schedule(fd, reply.held_last_ms + service_.device_ttl_ms() + 1);
  if (expiry_.front_deadline() < expiry_armed_ms_) ArmExpiry();
}

// --- writing -----------------------------------------------------------------------------

void Worker::Enqueue(Conn* c, OutKind kind, Command cmd, uint32_t seq, const Reply& reply) {
  if (c->out == nullptr) c->out = out_pool_.Acquire();
  const bool counted = kind != OutKind::kClose;  // delay/stall/fragment count replies
  const int delay_ms = faults_.DelayMs();
  // Timed from the real clock, not ev_now(), which is as old as this loop iteration (a long
  // pipelined batch) and would make a held reply leave early by that much.
  const int64_t now_ns = MonoNanos();
  int64_t due = now_ns + static_cast<int64_t>(delay_ms) * 1000000;
  if (delay_ms > 0 && counted) counters_->Add(Counter::kFaultDelayed);
  // No response leaves during a stall: one due inside the window, because its request
  // arrived in it or because its delay ends in it, waits for the window's end.
  if (const int64_t stall_end = faults_.StallEndNs(due); stall_end != 0) {
    due = std::max(due, stall_end);
    if (counted) counters_->Add(Counter::kFaultStalled);
  }
  // Responses leave in request order, whatever their delays.
  if (!c->out->empty()) due = std::max(due, c->out->back().due);

  OutItem& it = c->out->push_back();
  it.due = due;
  it.kind = kind;
  it.cmd = cmd;
  it.rejected = reply.status != RdpStatus::kOk;
  it.off = 0;
  it.len = static_cast<uint8_t>(kHeaderSize + reply.body_len);
  EncodeHeader(reply.cmd, seq, reply.body_len, it.bytes);
  memcpy(it.bytes + kHeaderSize, reply.body, reply.body_len);
  if (kind == OutKind::kGarbage) faults_.FillGarbage(it.bytes, it.len);
  it.fragment = faults_.fragment_writes() && counted;
  if (it.fragment) counters_->Add(Counter::kFaultFragmented);
}

void Worker::CountWritten(const OutItem& item, bool undo) {
  switch (item.kind) {
    case OutKind::kResponse:
      if (undo) {
        counters_->Sub(item.cmd, CmdCounter::kResponded);
        if (item.rejected) counters_->Sub(item.cmd, CmdCounter::kRejected);
      } else {
        counters_->Add(item.cmd, CmdCounter::kResponded);
        if (item.rejected) counters_->Add(item.cmd, CmdCounter::kRejected);
      }
      return;
    case OutKind::kGarbage:
    case OutKind::kClose:
      return;  // counted as faults when decided
  }
}

bool Worker::Pump(Conn* c) {
  // Items are counted as written *before* the write that finishes them, and un-counted if
  // it does not: a client that has read a reply may read the counters the next instant
  // (another process), and they must already include that reply.
  OutQueue* q = c->out;
  if (q == nullptr) return true;
  out_timers_.Cancel(fd_of(c));
  const int64_t now = MonoNanos();
  while (!q->empty()) {
    OutItem& head = q->front();
    if (head.due > now + PreciseTimers::kEarlyNs) {
      out_timers_.Set(fd_of(c), head.due);
      break;
    }
    if (head.kind == OutKind::kClose) {
      q->pop_front();
      Close(c, CloseReason::kFaultClose);
      return false;
    }
    if (head.fragment) {
      const size_t piece = std::min<size_t>(head.len - head.off, faults_.FragmentPiece());
      const bool last = head.off + piece == head.len;
      if (last) CountWritten(head, /*undo=*/false);
      const ssize_t n = send(fd_of(c), head.bytes + head.off, piece, MSG_NOSIGNAL);
      if (n < 0 || static_cast<size_t>(n) < piece) {
        if (last) CountWritten(head, /*undo=*/true);
      }
      if (n < 0) {
        if (Retryable(errno)) {
          c->want_write = true;
          break;
        }
        Close(c, CloseReason::kPeerError);
        return false;
      }
      head.off += static_cast<uint8_t>(n);
      if (head.off < head.len) {
        head.due = now + kFragmentGapNs;
        continue;
      }
      q->pop_front();
      continue;
    }
    // Gather the run of due, whole items into one write.
    iovec iov[kMaxIov];
    int cnt = 0;
    size_t total = 0;
    for (size_t i = 0; i < q->size() && cnt < kMaxIov; ++i) {
      OutItem& it = q->at(i);
      if (it.due > now + PreciseTimers::kEarlyNs || it.kind == OutKind::kClose || it.fragment) {
        break;
      }
      iov[cnt].iov_base = it.bytes + it.off;
      iov[cnt].iov_len = it.len - it.off;
      total += iov[cnt].iov_len;
      CountWritten(it, /*undo=*/false);
      ++cnt;
    }
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = cnt;
    const ssize_t n = sendmsg(fd_of(c), &msg, MSG_NOSIGNAL);
    size_t left = n < 0 ? 0 : static_cast<size_t>(n);
    int done = 0;  // items the write finished
    for (; done < cnt; ++done) {
      OutItem& it = q->at(done);
      const size_t rest = it.len - it.off;
      if (left < rest) {
        it.off += static_cast<uint8_t>(left);
        break;
      }
      left -= rest;
    }
    for (int i = done; i < cnt; ++i) CountWritten(q->at(i), /*undo=*/true);
    for (int i = 0; i < done; ++i) q->pop_front();
    if (n < 0) {
      if (Retryable(errno)) {
        c->want_write = true;
        break;
      }
      Close(c, CloseReason::kPeerError);
      return false;
    }
    if (static_cast<size_t>(n) < total) {  // the socket buffer is full
      c->want_write = true;
      break;
    }
  }
  if (q->empty()) {
    ReleaseOut(c);
    if (c->state == ConnState::kDraining) {
      Close(c, CloseReason::kPeerClosed);
      return false;
    }
  } else if (c->read_paused && q->size() < kLowWater) {
    c->read_paused = false;
  }
  return true;
}

void Worker::ReleaseOut(Conn* c) {
  if (c->out == nullptr) return;
  out_timers_.Cancel(fd_of(c));
  c->out->Clear();
  out_pool_.Release(c->out);
  c->out = nullptr;
}

void Worker::UpdateInterest(Conn* c) {
  int mask = 0;
  if (c->state == ConnState::kOpen && !c->read_paused) mask |= EV_READ;
  if (c->want_write) mask |= EV_WRITE;
  const int current = ev_is_active(&c->io) ? (c->io.events & (EV_READ | EV_WRITE)) : 0;
  if (mask == current) return;
  ev_io_stop(loop_, &c->io);
  ev_io_set(&c->io, c->io.fd, mask);
  if (mask != 0) ev_io_start(loop_, &c->io);
}

void Worker::Close(Conn* c, CloseReason reason) {
  const int fd = fd_of(c);
  VLOG(2) << "worker " << index_ << " fd " << fd << ": close, " << CloseReasonName(reason);
  if (c->out != nullptr) {
    for (size_t i = 0; i < c->out->size(); ++i) {
      const OutItem& it = c->out->at(i);
      if (it.kind == OutKind::kResponse) counters_->Add(it.cmd, CmdCounter::kUnanswered);
    }
    ReleaseOut(c);
  }
  if (c->in != nullptr) {
    in_pool_.Release(c->in);
    c->in = nullptr;
  }
  if (c->sid != 0) {
    service_.EndHeld(c->port, c->sid, MonoMs());
    expiry_.Remove(fd);
  }
  // Counted before close(): the peer may look at the counters as soon as it sees EOF.
  counters_->Add(Counter::kConnClosed);
  --open_;
  c->state = ConnState::kFree;
  ev_io_stop(loop_, &c->io);
  close(fd);
}

// --- session expiry ----------------------------------------------------------------------

void Worker::ArmExpiry() {
  ev_timer_stop(loop_, &expiry_timer_);
  if (expiry_.empty()) {
    expiry_armed_ms_ = INT64_MAX;
    return;
  }
  expiry_armed_ms_ = expiry_.front_deadline();
  const int64_t wait_ms = std::max<int64_t>(0, expiry_armed_ms_ - MonoMs());
  ev_timer_set(&expiry_timer_, wait_ms / 1000.0, 0);
  ev_timer_start(loop_, &expiry_timer_);
}

void Worker::OnExpiry() {
  const int64_t now = MonoMs();
  while (!expiry_.empty() && expiry_.front_deadline() <= now) {
    const int fd = expiry_.front();
    Conn* c = &conns_[fd];
    int64_t last_ms = 0;
    switch (service_.SweepDevice(c->sid, now, &last_ms)) {
      case SessionCheck::kValid:  // heartbeats reached it through another connection
        expiry_.Schedule(fd, last_ms + service_.device_ttl_ms() + 1);
        break;
      case SessionCheck::kUnknown:  // logged out or replaced elsewhere
      case SessionCheck::kExpired:  // counted by the service
        c->sid = 0;
        expiry_.Remove(fd);
        break;
    }
  }
  ArmExpiry();
}

// --- shutdown ----------------------------------------------------------------------------

void Worker::Shutdown() {
  LOG(INFO) << "worker " << index_ << ": stopping; closing " << open_ << " connections";
  ev_io_stop(loop_, &control_);
  ev_timer_stop(loop_, &accept_resume_);
  for (auto& l : listeners_) {  // stop accepting first
    ev_io_stop(loop_, &l);
    close(l.fd);
    ev_io_set(&l, -1, EV_READ);
  }
  for (int fd = 0; fd < table_size_; ++fd) {
    if (conns_[fd].state != ConnState::kFree) Close(&conns_[fd], CloseReason::kShutdown);
  }
  ev_timer_stop(loop_, &expiry_timer_);
  ev_break(loop_, EVBREAK_ALL);
}

}  // namespace fleetsim::target
