// Copyright fleetsim authors.
//
// precise_timers: many timers on one libev loop with microsecond precision. libev's own
// timers wake through epoll_wait, whose timeout is whole milliseconds (rounded up), so they
// fire up to 1 ms late: that lateness would show in every paced send and every delayed
// response. Here one timerfd (nanosecond resolution, CLOCK_MONOTONIC, absolute) is armed for
// the earliest of a TimerHeap's entries and watched with an ev_io; it is re-armed at most
// once per loop iteration, from an ev_prepare watcher. Keys are dense integers owned by the
// caller (a device's connection slot, a file descriptor). Single-threaded: one loop.

#ifndef FLEETSIM_SRC_PRECISE_TIMERS_H_
#define FLEETSIM_SRC_PRECISE_TIMERS_H_

#include <ev.h>

#include <cstdint>

#include "absl/status/status.h"
#include "src/timer_heap.h"

namespace fleetsim {

class PreciseTimers {
 public:
  // Called for each timer that fires, with its key and the time it was due (MonoNanos).
  using FireFn = void (*)(void* ctx, uint32_t key, int64_t due_ns);

  // Timers this close to due fire with the ones that are due, instead of costing another
  // wakeup of a few microseconds (a wakeup itself takes about that long).
  static constexpr int64_t kEarlyNs = 20000;
  // At most this many timers fire per wakeup; the rest fire on the next loop iteration.
  static constexpr int kMaxPerWakeup = 4096;

  PreciseTimers() = default;
  ~PreciseTimers();
  PreciseTimers(const PreciseTimers&) = delete;
  PreciseTimers& operator=(const PreciseTimers&) = delete;

  // REQUIRES: `loop` outlives this object (or Stop() is called first).
  absl::Status Start(struct ev_loop* loop, uint32_t num_keys, FireFn fire, void* ctx);
  void Stop();
  void Resize(uint32_t num_keys) { heap_.Resize(num_keys); }

  // Arms (or moves) the timer of `key` to fire at `due_ns` (MonoNanos time).
  void Set(uint32_t key, int64_t due_ns) { heap_.Set(key, due_ns); }
  void Cancel(uint32_t key) { heap_.Cancel(key); }
  bool armed(uint32_t key) const { return heap_.armed(key); }
  size_t size() const { return heap_.size(); }

 private:
  void OnReadable();
  void Rearm();
  static void IoCb(struct ev_loop* loop, ev_io* w, int revents);
  static void PrepareCb(struct ev_loop* loop, ev_prepare* w, int revents);

  TimerHeap heap_;
  struct ev_loop* loop_ = nullptr;
  int fd_ = -1;
  ev_io io_;
  ev_prepare prepare_;
  int64_t armed_for_ = 0;  // the due time the timerfd is set to; 0 = disarmed
  FireFn fire_ = nullptr;
  void* ctx_ = nullptr;
};

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_PRECISE_TIMERS_H_
