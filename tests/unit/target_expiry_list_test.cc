// Copyright fleetsim authors.

#include <vector>

#include "gtest/gtest.h"
#include "tools/target/expiry_list.h"

namespace fleetsim::target {
namespace {

std::vector<int> Drain(ExpiryList& l) {
  std::vector<int> out;
  while (!l.empty()) {
    out.push_back(l.front());
    l.Remove(l.front());
  }
  return out;
}

TEST(ExpiryListTest, KeepsDeadlineOrderWhateverTheInsertOrder) {
  ExpiryList l(16);
  l.Schedule(3, 300);
  l.Schedule(1, 100);
  l.Schedule(2, 200);
  l.Schedule(4, 200);  // tie: after 2
  l.Schedule(0, 50);
  EXPECT_EQ(l.front_deadline(), 50);
  EXPECT_EQ(Drain(l), (std::vector<int>{0, 1, 2, 4, 3}));
}

TEST(ExpiryListTest, RescheduleMovesAndRemoveUnlinks) {
  ExpiryList l(8);
  for (int i = 0; i < 5; ++i) l.Schedule(i, 10 * i);
  l.Schedule(0, 1000);  // a heartbeat: to the tail
  l.Schedule(4, 15);    // earlier: into the middle
  l.Remove(2);
  l.Remove(2);  // no-op
  EXPECT_FALSE(l.linked(2));
  EXPECT_TRUE(l.linked(0));
  EXPECT_EQ(l.deadline(0), 1000);
  EXPECT_EQ(Drain(l), (std::vector<int>{1, 4, 3, 0}));
  EXPECT_TRUE(l.empty());
  l.Schedule(7, 1);
  EXPECT_TRUE(l.linked(7));
  EXPECT_EQ(l.front(), 7);
}

}  // namespace
}  // namespace fleetsim::target
