// Copyright fleetsim authors.

#include "src/precise_timers.h"

#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "src/mono_clock.h"

namespace fleetsim {

PreciseTimers::~PreciseTimers() { Stop(); }

absl::Status PreciseTimers::Start(struct ev_loop* loop, uint32_t num_keys, FireFn fire, void* ctx) {
  fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd_ < 0) return absl::InternalError(absl::StrCat("timerfd_create: ", strerror(errno)));
  loop_ = loop;
  fire_ = fire;
  ctx_ = ctx;
  heap_.Resize(num_keys);
  ev_io_init(&io_, IoCb, fd_, EV_READ);
  io_.data = this;
  ev_io_start(loop_, &io_);
  ev_prepare_init(&prepare_, PrepareCb);
  prepare_.data = this;
  ev_prepare_start(loop_, &prepare_);
  return absl::OkStatus();
}

void PreciseTimers::Stop() {
  if (fd_ < 0) return;
  ev_io_stop(loop_, &io_);
  ev_prepare_stop(loop_, &prepare_);
  close(fd_);
  fd_ = -1;
}

void PreciseTimers::Rearm() {
  const int64_t due = heap_.empty() ? 0 : heap_.next_due();
  if (due == armed_for_) return;
  itimerspec spec{};
  if (due != 0) {
    // An absolute time of zero would disarm: a due time in the past must still fire.
    const int64_t at = due > 0 ? due : 1;
    spec.it_value.tv_sec = at / 1000000000;
    spec.it_value.tv_nsec = at % 1000000000;
  }
  timerfd_settime(fd_, TFD_TIMER_ABSTIME, &spec, nullptr);
  armed_for_ = due;
}

void PreciseTimers::OnReadable() {
  uint64_t expirations;
  while (read(fd_, &expirations, sizeof(expirations)) > 0) {
  }
  armed_for_ = 0;  // it fired: the next Rearm() must set it again
  const int64_t now = MonoNanos() + kEarlyNs;
  for (int budget = kMaxPerWakeup; budget > 0 && !heap_.empty(); --budget) {
    const int64_t due = heap_.next_due();
    if (due > now) break;
    const uint32_t key = heap_.Pop();
    fire_(ctx_, key, due);  // may Set() or Cancel() any timer, this one included
  }
}

void PreciseTimers::IoCb(struct ev_loop*, ev_io* w, int) {
  static_cast<PreciseTimers*>(w->data)->OnReadable();
}

void PreciseTimers::PrepareCb(struct ev_loop*, ev_prepare* w, int) {
  static_cast<PreciseTimers*>(w->data)->Rearm();
}

}  // namespace fleetsim
