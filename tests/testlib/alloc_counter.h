// Copyright fleetsim authors.
//
// alloc_counter: counts calls to the global operator new, so that a test can assert that a
// hot-path function does not allocate. Include from exactly one .cc of a test binary: it
// replaces the global operator new and delete for that whole binary.

#ifndef FLEETSIM_TESTS_TESTLIB_ALLOC_COUNTER_H_
#define FLEETSIM_TESTS_TESTLIB_ALLOC_COUNTER_H_

#include <atomic>
#include <cstdlib>
#include <new>

namespace fleetsim::testing {

// Calls to operator new (any form but the aligned ones) since the binary started.
inline std::atomic<long> g_operator_new_calls{0};

// Operator new calls made while running `fn`; counts other threads' allocations too.
template <typename Fn>
long AllocationsDuring(Fn&& fn) {
  const long before = g_operator_new_calls.load();
  fn();
  return g_operator_new_calls.load() - before;
}

}  // namespace fleetsim::testing

__attribute__((noinline)) void* operator new(std::size_t n) {
  ++fleetsim::testing::g_operator_new_calls;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
__attribute__((noinline)) void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

#endif  // FLEETSIM_TESTS_TESTLIB_ALLOC_COUNTER_H_
