// Copyright fleetsim authors.
//
// timer_heap: one worker's timers as a 4-ary min-heap of (due time, key), with the position
// of every key tracked so a timer can be moved or cancelled in O(log n). One ev_timer on the
// worker's loop is armed for the earliest entry. 16 bytes per armed timer plus 4 per key,
// instead of a 48-byte ev_timer per connection (libev's "be smart about timeouts").
// Single-threaded: owned by one Worker.

#ifndef FLEETSIM_SRC_TIMER_HEAP_H_
#define FLEETSIM_SRC_TIMER_HEAP_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace fleetsim {

class TimerHeap {
 public:
  static constexpr uint32_t kNotArmed = 0xFFFFFFFF;

  // Keys are dense integers in [0, num_keys).
  explicit TimerHeap(uint32_t num_keys = 0) { Resize(num_keys); }
  // Grows the key space (never shrinks). Existing timers stay armed.
  void Resize(uint32_t num_keys) {
    if (num_keys > pos_.size()) pos_.resize(num_keys, kNotArmed);
  }

  // Arms (or moves) the timer of `key` to fire at `due_ns`.
  void Set(uint32_t key, int64_t due_ns);
  // Disarms `key`; no-op if not armed.
  void Cancel(uint32_t key);
  bool armed(uint32_t key) const { return pos_[key] != kNotArmed; }
  int64_t due(uint32_t key) const { return heap_[pos_[key]].due; }
  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }
  // REQUIRES: !empty().
  int64_t next_due() const { return heap_[0].due; }
  uint32_t next_key() const { return heap_[0].key; }
  // Removes and returns the earliest key. REQUIRES: !empty().
  uint32_t Pop();

 private:
  struct Entry {
    int64_t due;
    uint32_t key;
  };
  void Up(uint32_t i);
  void Down(uint32_t i);
  void Place(uint32_t i, const Entry& e) {
    heap_[i] = e;
    pos_[e.key] = i;
  }

  std::vector<Entry> heap_;
  std::vector<uint32_t> pos_;
};

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_TIMER_HEAP_H_
