// Copyright fleetsim authors.

#include "src/timer_heap.h"

#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace fleetsim {
namespace {

TEST(TimerHeapTest, PopsInDueOrder) {
  TimerHeap h(10);
  h.Set(3, 30);
  h.Set(1, 10);
  h.Set(7, 70);
  h.Set(2, 20);
  std::vector<uint32_t> order;
  while (!h.empty()) order.push_back(h.Pop());
  EXPECT_EQ(order, (std::vector<uint32_t>{1, 2, 3, 7}));
}

TEST(TimerHeapTest, MoveAndCancel) {
  TimerHeap h(4);
  h.Set(0, 100);
  h.Set(1, 200);
  h.Set(2, 300);
  h.Set(2, 50);   // moved earlier
  h.Set(0, 400);  // moved later
  h.Cancel(1);
  h.Cancel(1);  // a second cancel is a no-op
  EXPECT_FALSE(h.armed(1));
  EXPECT_EQ(h.next_key(), 2u);
  EXPECT_EQ(h.Pop(), 2u);
  EXPECT_EQ(h.Pop(), 0u);
  EXPECT_TRUE(h.empty());
}

// Against a reference model under random operations.
TEST(TimerHeapTest, MatchesReferenceModel) {
  constexpr uint32_t kKeys = 500;
  TimerHeap h(kKeys);
  std::map<uint32_t, int64_t> model;
  std::mt19937 rng(7);
  for (int op = 0; op < 200000; ++op) {
    uint32_t key = rng() % kKeys;
    switch (rng() % 3) {
      case 0:
      case 1: {
        int64_t due = rng() % 10000;
        h.Set(key, due);
        model[key] = due;
        break;
      }
      case 2:
        h.Cancel(key);
        model.erase(key);
        break;
    }
    ASSERT_EQ(h.size(), model.size());
    if (!model.empty()) {
      int64_t min_due = std::min_element(model.begin(), model.end(), [](auto& a, auto& b) {
                          return a.second < b.second;
                        })->second;
      ASSERT_EQ(h.next_due(), min_due);
      ASSERT_EQ(model[h.next_key()], min_due);
    }
  }
  int64_t last = -1;
  while (!h.empty()) {
    int64_t due = h.next_due();
    ASSERT_GE(due, last);
    last = due;
    uint32_t key = h.Pop();
    ASSERT_EQ(model[key], due);
    model.erase(key);
  }
  EXPECT_TRUE(model.empty());
}

}  // namespace
}  // namespace fleetsim
