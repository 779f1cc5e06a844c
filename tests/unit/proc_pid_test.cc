// Copyright fleetsim authors.

#include "src/proc_pid.h"

#include "gtest/gtest.h"
#include "src/proc_file.h"
#include "tests/testlib/testdata.h"

namespace fleetsim {
namespace {

TEST(PidStatTest, CommWithSpacesAndParentheses) {
  absl::StatusOr<std::string> t =
      ReadProcFile(testing::TestDataPath("proc_edge/t0/proc/4242/stat"));
  ASSERT_TRUE(t.ok());
  std::optional<PidStat> s = ParsePidStat(*t);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->pid, 4242);
  EXPECT_EQ(s->comm, "(a) b)");
  EXPECT_EQ(s->state, 'S');
  EXPECT_EQ(s->ppid, 1);
  EXPECT_EQ(s->utime, 1000u);
  EXPECT_EQ(s->stime, 500u);
  EXPECT_EQ(s->num_threads, 4);
  EXPECT_EQ(s->starttime, 5000u);
  EXPECT_EQ(s->vsize, 104857600u);
  EXPECT_EQ(s->rss_pages, 2560);
}

TEST(PidStatTest, ThisMachinesFile) {
  absl::StatusOr<std::string> t =
      ReadProcFile(testing::TestDataPath("proc_real/t0/proc/16680/stat"));
  ASSERT_TRUE(t.ok());
  std::optional<PidStat> s = ParsePidStat(*t);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->comm, "sleep");
  EXPECT_EQ(s->starttime, 125630u);
  EXPECT_EQ(s->rss_pages, 418);
}

TEST(PidStatTest, TruncatedOrGarbage) {
  EXPECT_FALSE(ParsePidStat("").has_value());
  EXPECT_FALSE(ParsePidStat("12 (x) S 1 2 3").has_value());
  EXPECT_FALSE(ParsePidStat("12 x S").has_value());
  EXPECT_FALSE(ParsePidStat("12 )x( S 1").has_value());
  EXPECT_FALSE(ParsePidStat("abc (x) S 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 5 1 1").has_value());
  EXPECT_FALSE(ParsePidStat("1 (x) S 1 1 1 0 -1 0 0 0 0 0 u 1 0 0 20 0 1 0 5 1 1").has_value());
  EXPECT_TRUE(ParsePidStat("1 (x) S 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 5 1 1").has_value());
}

TEST(PidStatusTest, Parses) {
  PidStatus s = ParsePidStatus(
      "Name:\tsrv worker\nVmHWM:\t  30000 kB\nVmRSS:\t  20480 kB\nThreads:\t6\n"
      "voluntary_ctxt_switches:\t10\nnonvoluntary_ctxt_switches:\t2\nOdd line\nVmRSS2: x\n");
  EXPECT_EQ(s.name, "srv worker");
  EXPECT_EQ(s.vm_rss_bytes, 20480u * 1024);
  EXPECT_EQ(s.vm_hwm_bytes, 30000u * 1024);
  EXPECT_EQ(s.threads, 6);
  EXPECT_EQ(s.voluntary_ctxt_switches, 10u);
  EXPECT_EQ(s.nonvoluntary_ctxt_switches, 2u);
  PidStatus kthread = ParsePidStatus("Name:\tkworker/0:1\nThreads:\t1\n");
  EXPECT_FALSE(kthread.vm_rss_bytes.has_value());
}

}  // namespace
}  // namespace fleetsim
