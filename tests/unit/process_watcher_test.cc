// Copyright fleetsim authors.

#include "src/process_watcher.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "gtest/gtest.h"
#include "tests/testlib/files.h"
#include "tests/testlib/testdata.h"

namespace fleetsim {
namespace {

using testing::TestDataPath;

TEST(ProcessNameTest, MatchRules) {
  EXPECT_TRUE(ProcessNameMatches("srv", "", "srv"));
  EXPECT_FALSE(ProcessNameMatches("srv2", "", "srv"));
  // comm is cut at 15 chars: a longer name matches its first 15.
  EXPECT_TRUE(ProcessNameMatches("prometheus-node", "", "prometheus-node-exporter"));
  EXPECT_FALSE(ProcessNameMatches("prometheus-node", "", "prometheus-nod"));
  // argv[0]'s basename, for names comm cannot hold or processes that renamed themselves.
  EXPECT_TRUE(ProcessNameMatches("(a) b)", std::string("/usr/bin/srv\0--port\0", 21), "srv"));
  EXPECT_FALSE(ProcessNameMatches("x", std::string("/usr/bin/srvd\0", 14), "srv"));
  EXPECT_FALSE(ProcessNameMatches("srv", "", ""));
}

TEST(ProcessWatcherTest, ByNamePicksTheOldestMatch) {
  // 4242 ("(a) b)", argv[0] /usr/bin/srv, start 5000) and 4243 ("srv", start 6000).
  ProcessWatcher w(TestDataPath("proc_edge/t1/proc"), WatchSpec{0, "srv"}, 4096, 0);
  std::string why;
  std::optional<ProcessSample> s = w.Sample(&why);
  ASSERT_TRUE(s.has_value()) << why;
  EXPECT_EQ(s->pid, 4242);
  EXPECT_EQ(s->comm, "(a) b)");
  EXPECT_EQ(s->utime, 1200u);
  EXPECT_EQ(s->stime, 600u);
  EXPECT_EQ(s->starttime, 5000u);
  EXPECT_EQ(s->threads, 6);                // from status
  EXPECT_EQ(s->rss_bytes, 20480u * 1024);  // VmRSS
  EXPECT_EQ(s->vsize_bytes, 104857600u);
  EXPECT_EQ(s->fds, 5u);  // not procfs: counted by readdir
  EXPECT_EQ(s->vm_hwm_bytes, 30000u * 1024);
  EXPECT_EQ(s->voluntary_ctxt_switches, 10u);
  // Cached pid is reused on the next sample.
  s = w.Sample(&why);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->pid, 4242);
}

TEST(ProcessWatcherTest, ByPidAndMissing) {
  std::string why;
  ProcessWatcher by_pid(TestDataPath("proc_edge/t1/proc"), WatchSpec{4243, ""}, 4096, 0);
  std::optional<ProcessSample> s = by_pid.Sample(&why);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->comm, "srv");
  ProcessWatcher gone(TestDataPath("proc_edge/t1/proc"), WatchSpec{99999, ""}, 4096, 0);
  EXPECT_FALSE(gone.Sample(&why).has_value());
  EXPECT_EQ(why, "pid 99999 not found");
  ProcessWatcher none(TestDataPath("proc_edge/t1/proc"), WatchSpec{0, "nothing-like-it"}, 4096, 0);
  EXPECT_FALSE(none.Sample(&why).has_value());
  EXPECT_EQ(why, "no process named 'nothing-like-it'");
  // The watcher never picks itself by name.
  ProcessWatcher self_excluded(TestDataPath("proc_edge/t1/proc"), WatchSpec{0, "srv"}, 4096, 4242);
  s = self_excluded.Sample(&why);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->pid, 4243);
}

TEST(ProcessWatcherTest, FollowsARestartByName) {
  testing::TempDir dir;
  auto write_proc = [&](int pid, int starttime) {
    std::filesystem::create_directories(dir.File(std::to_string(pid) + "/fd"));
    testing::WriteFile(dir.File(std::to_string(pid) + "/stat"),
                       std::to_string(pid) + " (srv) S 1 1 1 0 -1 0 0 0 0 0 7 3 0 0 20 0 2 0 " +
                           std::to_string(starttime) + " 1000 10 0\n");
  };
  write_proc(4243, 6000);
  ProcessWatcher w(dir.path(), WatchSpec{0, "srv"}, 4096, 0, absl::ZeroDuration());
  std::string why;
  std::optional<ProcessSample> s = w.Sample(&why);
  ASSERT_TRUE(s.has_value()) << why;
  EXPECT_EQ(s->pid, 4243);
  EXPECT_EQ(s->rss_bytes, 10u * 4096);  // no status file: stat rss x page size
  // The server restarts as pid 5000: the cached pid is gone, a rescan finds the new one.
  std::filesystem::remove_all(dir.File("4243"));
  write_proc(5000, 9000);
  s = w.Sample(&why);
  ASSERT_TRUE(s.has_value()) << why;
  EXPECT_EQ(s->pid, 5000);
  EXPECT_EQ(s->starttime, 9000u);
  // A reused pid whose process has another name is not followed.
  testing::WriteFile(dir.File("5000/stat"),
                     "5000 (other) S 1 1 1 0 -1 0 0 0 0 0 7 3 0 0 20 0 2 0 9500 1000 10 0\n");
  EXPECT_FALSE(w.Sample(&why).has_value());
  EXPECT_EQ(why, "no process named 'srv'");
}

TEST(ProcessWatcherTest, ScansAreThrottledAfterAMiss) {
  testing::TempDir dir;
  ProcessWatcher w(dir.path(), WatchSpec{0, "srv"}, 4096, 0, absl::Hours(1));
  std::string why;
  EXPECT_FALSE(w.Sample(&why).has_value());
  // It starts now, but the watcher will not scan again for an hour.
  std::filesystem::create_directories(dir.File("77/fd"));
  testing::WriteFile(dir.File("77/stat"),
                     "77 (srv) S 1 1 1 0 -1 0 0 0 0 0 7 3 0 0 20 0 2 0 100 1000 10 0\n");
  EXPECT_FALSE(w.Sample(&why).has_value());
  EXPECT_EQ(why, "no process named 'srv'");
  ProcessWatcher eager(dir.path(), WatchSpec{0, "srv"}, 4096, 0, absl::ZeroDuration());
  EXPECT_TRUE(eager.Sample(&why).has_value());
}

TEST(ProcessWatcherTest, LiveSelfUsesTheFdFastPath) {
  ProcessWatcher w("/proc", WatchSpec{getpid(), ""}, sysconf(_SC_PAGESIZE), 0);
  std::string why;
  std::optional<ProcessSample> s = w.Sample(&why);
  ASSERT_TRUE(s.has_value()) << why;
  EXPECT_EQ(s->pid, getpid());
  ASSERT_TRUE(s->fds.has_value());
  EXPECT_GE(*s->fds, 3u);
  EXPECT_GT(s->rss_bytes, 0u);
}

}  // namespace
}  // namespace fleetsim
