// Copyright fleetsim authors.
//
// worker: one fleetsim-target process serving RDP/1 on its own libev loop. It listens on
// the three ports with SO_REUSEPORT (the kernel spreads connections over the workers),
// reads frames (partial and pipelined), executes them through Service, applies the
// FaultPlan, and writes responses (queued only when they cannot go out at once). It owns
// the sessions its access connections logged in and expires them with one timer.
//
// Single-threaded. Created in the forked child; its loop is ev_loop_new(), never the
// default loop (which belongs to the master, for signals and children).

#ifndef FLEETSIM_TOOLS_TARGET_WORKER_H_
#define FLEETSIM_TOOLS_TARGET_WORKER_H_

#include <ev.h>

#include <array>
#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "src/precise_timers.h"
#include "tools/target/command.h"
#include "tools/target/config.h"
#include "tools/target/conn.h"
#include "tools/target/counters.h"
#include "tools/target/expiry_list.h"
#include "tools/target/fault_plan.h"
#include "tools/target/frame.h"
#include "tools/target/object_pool.h"
#include "tools/target/out_queue.h"
#include "tools/target/service.h"
#include "tools/target/shared_region.h"

namespace fleetsim::target {

// Why a connection was closed (VLOG'd; the counters classify the interesting ones).
enum class CloseReason : uint8_t {
  kPeerClosed,     // EOF from the peer, after our queued output was written.
  kPeerError,      // Reset or another socket error on read or write.
  kProtocolError,  // Bad magic, version or length, or a malformed body.
  kFaultClose,     // --close_ratio.
  kShutdown,       // The target is stopping.
};
const char* CloseReasonName(CloseReason r);

class Worker {
 public:
  // `index`: this process's slot in `region`. conns_cap: connections it holds at most.
  // REQUIRES: config and region outlive the Worker; ValidateConfig(config).ok().
  Worker(const TargetConfig& config, int index, int64_t conns_cap, int64_t start_mono_ns,
         SharedRegion* region);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Opens the three SO_REUSEPORT listeners. The error names the address that failed.
  absl::Status Listen();
  // Serves until `control_fd` becomes readable or reaches EOF (the master's stop order, or
  // the master died); then stops accepting, closes every connection and returns 0.
  int Run(int control_fd);

 private:
  static void OnAcceptCb(struct ev_loop* loop, ev_io* w, int revents);
  static void OnConnCb(struct ev_loop* loop, ev_io* w, int revents);
  static void OnOutTimerCb(void* worker, uint32_t fd, int64_t due_ns);
  static void OnExpiryCb(struct ev_loop* loop, ev_timer* w, int revents);
  static void OnAcceptResumeCb(struct ev_loop* loop, ev_timer* w, int revents);
  static void OnControlCb(struct ev_loop* loop, ev_io* w, int revents);

  void OnAccept(Port port);
  void OnConnIo(Conn* c, int revents);
  // Reads and serves what the socket holds (bounded per wakeup). False iff c was closed.
  bool ReadRequests(Conn* c);
  // Serves one frame. False to stop serving this read (c closed or draining).
  bool ServeFrame(Conn* c, const FrameHeader& h, const uint8_t* body);
  // Records what the reply did to the session c holds.
  void ApplyHeld(Conn* c, const Reply& reply);
  // Queues an item answering request `seq`; computes its due time from delay and stall.
  void Enqueue(Conn* c, OutKind kind, Command cmd, uint32_t seq, const Reply& reply);
  // Writes every due item; arms the fd's timer for the next. False iff c was closed.
  bool Pump(Conn* c);
  // Counts an item as written (responded, rejected), or takes that back (undo).
  void CountWritten(const OutItem& item, bool undo);
  // Derives the io watcher's mask from c's state. The only place the mask changes.
  void UpdateInterest(Conn* c);
  void Close(Conn* c, CloseReason reason);
  void ReleaseOut(Conn* c);
  void ArmExpiry();
  void OnExpiry();
  void Shutdown();
  int fd_of(const Conn* c) const { return c->io.fd; }

  const TargetConfig& config_;
  const int index_;
  const int64_t conns_cap_;
  CounterSlot* const counters_;
  FaultPlan faults_;
  Service service_;

  struct ev_loop* loop_ = nullptr;
  std::array<ev_io, kNumPorts> listeners_;
  ev_timer accept_resume_;
  ev_io control_;
  ev_timer expiry_timer_;
  // Reply timers, keyed by fd: precise to tens of microseconds, where libev's own timers
  // wake up to 1 ms late (epoll's timeout is whole milliseconds) and a --delay_ms=20 would
  // show as 20-21 ms.
  PreciseTimers out_timers_;
  int64_t expiry_armed_ms_;  // deadline expiry_timer_ is armed for; INT64_MAX: stopped

  int table_size_;  // connection table slots (= the fd limit)
  Conn* conns_;     // calloc'd, indexed by fd
  int64_t open_ = 0;
  ExpiryList expiry_;
  ObjectPool<PartialFrame> in_pool_;
  ObjectPool<OutQueue> out_pool_;
  std::unique_ptr<uint8_t[]> scratch_;  // kMaxFrame carried-over bytes + one read
};

}  // namespace fleetsim::target

#endif  // FLEETSIM_TOOLS_TARGET_WORKER_H_
