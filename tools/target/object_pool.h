// Copyright fleetsim authors.
//
// object_pool: a free list of heap objects a worker reuses, so that connections borrow
// buffers only while they need them and the hot path allocates nothing once the pool has
// grown to the peak number of borrowers. Single-threaded; one pool per worker.

#ifndef FLEETSIM_TOOLS_TARGET_OBJECT_POOL_H_
#define FLEETSIM_TOOLS_TARGET_OBJECT_POOL_H_

#include <cstddef>
#include <memory>
#include <vector>

namespace fleetsim::target {

template <typename T>
class ObjectPool {
 public:
  ObjectPool() = default;
  ObjectPool(const ObjectPool&) = delete;
  ObjectPool& operator=(const ObjectPool&) = delete;

  // An object no one else holds; it keeps whatever state its last user left (callers
  // reset what they use). Allocates only when every object is borrowed.
  T* Acquire() {
    if (free_.empty()) {
      all_.push_back(std::make_unique<T>());
      return all_.back().get();
    }
    T* p = free_.back();
    free_.pop_back();
    return p;
  }
  // REQUIRES: p came from Acquire() of this pool and is not already released.
  void Release(T* p) { free_.push_back(p); }

  size_t allocated() const { return all_.size(); }
  size_t borrowed() const { return all_.size() - free_.size(); }

 private:
  std::vector<std::unique_ptr<T>> all_;  // owns every object
  std::vector<T*> free_;
};

}  // namespace fleetsim::target

#endif  // FLEETSIM_TOOLS_TARGET_OBJECT_POOL_H_
