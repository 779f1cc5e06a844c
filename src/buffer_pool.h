// Copyright fleetsim authors.
//
// buffer_pool: per-worker byte buffers lent to connections only while they hold bytes
// (a partial frame, output the socket did not take yet). A connection stores a 4-byte index,
// never a buffer, so idle connections cost nothing here. Single-threaded: one Worker.

#ifndef FLEETSIM_SRC_BUFFER_POOL_H_
#define FLEETSIM_SRC_BUFFER_POOL_H_

#include <cstdint>
#include <string>
#include <vector>

namespace fleetsim {

class BufferPool {
 public:
  static constexpr uint32_t kNone = 0xFFFFFFFF;
  // A returned buffer keeping more than this is freed, so one huge frame does not pin memory.
  static constexpr size_t kKeepCapacity = 16 * 1024;

  // An empty buffer's index. Reuses released buffers first.
  uint32_t Acquire() {
    if (!free_.empty()) {
      uint32_t i = free_.back();
      free_.pop_back();
      return i;
    }
    bufs_.emplace_back();
    return static_cast<uint32_t>(bufs_.size() - 1);
  }
  // Returns buffer `i` (emptied) to the pool.
  void Release(uint32_t i) {
    std::string& b = bufs_[i];
    if (b.capacity() > kKeepCapacity) {
      std::string().swap(b);
    } else {
      b.clear();
    }
    free_.push_back(i);
  }
  std::string& at(uint32_t i) { return bufs_[i]; }
  size_t in_use() const { return bufs_.size() - free_.size(); }

 private:
  std::vector<std::string> bufs_;
  std::vector<uint32_t> free_;
};

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_BUFFER_POOL_H_
