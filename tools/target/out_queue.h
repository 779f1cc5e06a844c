// Copyright fleetsim authors.
//
// out_queue: the responses a connection has not written yet, in order, each with the time
// it may be written (delay, stall, fragment gaps) and what to count once it is written.
// A connection borrows one from its worker's pool only while it has output pending.
// Single-threaded (its worker).

#ifndef FLEETSIM_TOOLS_TARGET_OUT_QUEUE_H_
#define FLEETSIM_TOOLS_TARGET_OUT_QUEUE_H_

#include <ev.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "tools/target/command.h"

namespace fleetsim::target {

enum class OutKind : uint8_t {
  kResponse,  // A valid response frame: counted responded (and rejected) once written.
  kGarbage,   // Random bytes instead of a response (already counted as a fault).
  kClose,     // Close the connection here instead of writing (already counted).
};

struct OutItem {
  int64_t due = 0;  // MonoNanos() time from which it may be written
  OutKind kind = OutKind::kResponse;
  Command cmd = Command::kUnknown;  // the request it answers, for the counters
  bool rejected = false;            // non-zero status
  bool fragment = false;            // write in 1-3 byte pieces with a gap between them
  uint8_t len = 0;                  // bytes in `bytes`
  uint8_t off = 0;                  // bytes already written
  uint8_t bytes[kMaxResponseFrame];
};

class OutQueue {
 public:
  // The worker's PreciseTimers, keyed by the connection's fd, wake it at the head item's
  // due time when that lies in the future.
  OutQueue() = default;
  OutQueue(const OutQueue&) = delete;
  OutQueue& operator=(const OutQueue&) = delete;

  bool empty() const { return head_ == items_.size(); }
  size_t size() const { return items_.size() - head_; }
  // REQUIRES: !empty().
  OutItem& front() { return items_[head_]; }
  OutItem& at(size_t i) { return items_[head_ + i]; }
  const OutItem& back() const { return items_.back(); }
  void pop_front() {
    if (++head_ == items_.size()) Clear();
  }
  OutItem& push_back() { return items_.emplace_back(); }
  // Empties the queue. Keeps a modest capacity for the next borrower; a queue grown by a
  // client that pipelined thousands of requests gives its memory back.
  void Clear() {
    head_ = 0;
    items_.clear();
    if (items_.capacity() > kKeepCapacity) items_.shrink_to_fit();
  }

 private:
  static constexpr size_t kKeepCapacity = 64;
  std::vector<OutItem> items_;
  size_t head_ = 0;
};

}  // namespace fleetsim::target

#endif  // FLEETSIM_TOOLS_TARGET_OUT_QUEUE_H_
