// Copyright fleetsim authors.

#include "src/timer_heap.h"

namespace fleetsim {

// A 4-ary heap: shallower than binary, and the four children share a cache line or two.
constexpr uint32_t kArity = 4;

void TimerHeap::Set(uint32_t key, int64_t due_ns) {
  uint32_t i = pos_[key];
  if (i == kNotArmed) {
    heap_.push_back(Entry{due_ns, key});
    i = static_cast<uint32_t>(heap_.size() - 1);
    pos_[key] = i;
    Up(i);
    return;
  }
  int64_t old = heap_[i].due;
  heap_[i].due = due_ns;
  if (due_ns < old) {
    Up(i);
  } else {
    Down(i);
  }
}

void TimerHeap::Cancel(uint32_t key) {
  uint32_t i = pos_[key];
  if (i == kNotArmed) return;
  pos_[key] = kNotArmed;
  Entry last = heap_.back();
  heap_.pop_back();
  if (i == heap_.size()) return;
  Place(i, last);
  Up(i);
  Down(pos_[last.key]);
}

uint32_t TimerHeap::Pop() {
  uint32_t key = heap_[0].key;
  Cancel(key);
  return key;
}

void TimerHeap::Up(uint32_t i) {
  Entry e = heap_[i];
  while (i > 0) {
    uint32_t parent = (i - 1) / kArity;
    if (heap_[parent].due <= e.due) break;
    Place(i, heap_[parent]);
    i = parent;
  }
  Place(i, e);
}

void TimerHeap::Down(uint32_t i) {
  Entry e = heap_[i];
  const uint32_t n = static_cast<uint32_t>(heap_.size());
  for (;;) {
    uint32_t first = i * kArity + 1;
    if (first >= n) break;
    uint32_t best = first;
    uint32_t end = first + kArity < n ? first + kArity : n;
    for (uint32_t c = first + 1; c < end; ++c) {
      if (heap_[c].due < heap_[best].due) best = c;
    }
    if (heap_[best].due >= e.due) break;
    Place(i, heap_[best]);
    i = best;
  }
  Place(i, e);
}

}  // namespace fleetsim
