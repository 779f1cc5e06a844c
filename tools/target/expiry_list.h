// Copyright fleetsim authors.
//
// expiry_list: the sessions one worker owns, ordered by the time each expires, so one
// timer serves them all (libev manual, "Be smart about timeouts": one list per duration).
// Entries are connection indices (fds); the links live in calloc'd arrays beside the
// connection table, so an untouched range costs no memory. Single-threaded.

#ifndef FLEETSIM_TOOLS_TARGET_EXPIRY_LIST_H_
#define FLEETSIM_TOOLS_TARGET_EXPIRY_LIST_H_

#include <cstdint>

namespace fleetsim::target {

class ExpiryList {
 public:
  // Indices are in [0, capacity).
  explicit ExpiryList(int capacity);
  ~ExpiryList();
  ExpiryList(const ExpiryList&) = delete;
  ExpiryList& operator=(const ExpiryList&) = delete;

  // Links i (moving it if already linked) at `deadline`, keeping the list sorted by
  // deadline (ties in insertion order). Walks from the tail, so it is O(1) when the
  // deadline is the latest, as it is for a heartbeat just received.
  // REQUIRES: 0 <= i < capacity.
  void Schedule(int i, int64_t deadline);
  // Unlinks i; a no-op if it is not linked.
  void Remove(int i);
  bool linked(int i) const;
  bool empty() const { return head_ == 0; }
  // REQUIRES: !empty().
  int front() const { return static_cast<int>(head_) - 1; }
  int64_t front_deadline() const { return links_[head_ - 1].deadline; }
  // REQUIRES: linked(i).
  int64_t deadline(int i) const { return links_[i].deadline; }

 private:
  struct Link {
    uint32_t prev;  // index + 1 of the previous entry; 0: none
    uint32_t next;  // index + 1 of the next entry; 0: none
    int64_t deadline;
  };
  Link* links_;
  int capacity_;
  uint32_t head_ = 0;  // index + 1; 0: empty
  uint32_t tail_ = 0;
};

}  // namespace fleetsim::target

#endif  // FLEETSIM_TOOLS_TARGET_EXPIRY_LIST_H_
