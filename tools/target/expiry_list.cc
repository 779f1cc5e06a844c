// Copyright fleetsim authors.

#include "tools/target/expiry_list.h"

#include <cstdlib>

#include "glog/logging.h"

namespace fleetsim::target {

ExpiryList::ExpiryList(int capacity)
    : links_(static_cast<Link*>(calloc(capacity, sizeof(Link)))), capacity_(capacity) {
  CHECK(links_ != nullptr) << "calloc of " << capacity << " expiry links";
}

ExpiryList::~ExpiryList() { free(links_); }

bool ExpiryList::linked(int i) const {
  return head_ == static_cast<uint32_t>(i) + 1 || links_[i].prev != 0;
}

void ExpiryList::Remove(int i) {
  if (!linked(i)) return;
  Link& l = links_[i];
  if (l.prev != 0) {
    links_[l.prev - 1].next = l.next;
  } else {
    head_ = l.next;
  }
  if (l.next != 0) {
    links_[l.next - 1].prev = l.prev;
  } else {
    tail_ = l.prev;
  }
  l.prev = l.next = 0;
}

void ExpiryList::Schedule(int i, int64_t deadline) {
  DCHECK(i >= 0 && i < capacity_);
  Remove(i);
  const uint32_t me = static_cast<uint32_t>(i) + 1;
  // Find the last entry whose deadline is <= ours; we go right after it.
  uint32_t after = tail_;
  while (after != 0 && links_[after - 1].deadline > deadline) after = links_[after - 1].prev;
  Link& l = links_[i];
  l.deadline = deadline;
  l.prev = after;
  if (after == 0) {
    l.next = head_;
    head_ = me;
  } else {
    l.next = links_[after - 1].next;
    links_[after - 1].next = me;
  }
  if (l.next != 0) {
    links_[l.next - 1].prev = me;
  } else {
    tail_ = me;
  }
}

}  // namespace fleetsim::target
