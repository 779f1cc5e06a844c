// Copyright fleetsim authors.
//
// buffer_pool: per-worker byte buffers lent to connections only while they hold bytes
// (a partial frame, output the socket did not take yet). A connection stores a 4-byte index,
// never a buffer, so idle connections cost nothing here. Single-threaded: one Worker.

#ifndef FLEETSIM_SRC_BUFFER_POOL_H_
#define FLEETSIM_SRC_BUFFER_POOL_H_

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace fleetsim {

// Indices are 16-bit: a buffer is lent only to an open connection, and a worker holds fewer
// than 65535 (its open-files limit; MakePlan keeps it so).
class BufferPool {
 public:
  static constexpr uint16_t kNone = 0xFFFF;
  static constexpr size_t kMaxBuffers = 0xFFFF;
  // A returned buffer keeping more than this is freed, so one huge frame does not pin memory.
  static constexpr size_t kKeepCapacity = 16 * 1024;

  // An empty buffer's index. Reuses released buffers first. kNone if all are lent.
  uint16_t Acquire() {
    if (!free_.empty()) {
      uint16_t i = free_.back();
      free_.pop_back();
      return i;
    }
    if (bufs_.size() >= kMaxBuffers) return kNone;
    bufs_.emplace_back();
    return static_cast<uint16_t>(bufs_.size() - 1);
  }
  // Returns buffer `i` (emptied) to the pool.
  void Release(uint16_t i) {
    std::string& b = bufs_[i];
    if (b.capacity() > kKeepCapacity) {
      std::string().swap(b);
    } else {
      b.clear();
    }
    free_.push_back(i);
  }
  std::string& at(uint16_t i) { return bufs_[i]; }
  size_t in_use() const { return bufs_.size() - free_.size(); }

 private:
  // A deque: growing it never moves a buffer, so a view into one (a frame being handled
  // while its handler queues output in another) stays valid. A vector would move them, and
  // a short string's bytes live inside the object (SSO).
  std::deque<std::string> bufs_;
  std::vector<uint16_t> free_;
};

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_BUFFER_POOL_H_
