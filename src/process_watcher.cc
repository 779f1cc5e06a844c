// Copyright fleetsim authors.

#include "src/process_watcher.h"

#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "src/mono_clock.h"
#include "src/proc_file.h"
#include "src/proc_pid.h"

namespace fleetsim {
namespace {

constexpr size_t kTaskCommLen = 15;  // TASK_COMM_LEN 16 minus the NUL

}  // namespace

bool ProcessNameMatches(absl::string_view comm, absl::string_view cmdline, absl::string_view name) {
  if (name.empty()) return false;
  if (comm == name) return true;
  if (name.size() > kTaskCommLen && comm == name.substr(0, kTaskCommLen)) return true;
  absl::string_view argv0 = cmdline.substr(0, cmdline.find('\0'));
  const size_t slash = argv0.rfind('/');
  if (slash != absl::string_view::npos) argv0.remove_prefix(slash + 1);
  return argv0 == name;
}

ProcessWatcher::ProcessWatcher(std::string proc_root, WatchSpec spec, int64_t page_size,
                               int64_t self_pid, absl::Duration rescan_after_miss)
    : proc_root_(std::move(proc_root)),
      spec_(std::move(spec)),
      page_size_(page_size),
      self_pid_(self_pid),
      rescan_after_miss_(rescan_after_miss) {
  struct statfs fs;
  on_procfs_ = ::statfs(proc_root_.c_str(), &fs) == 0 && fs.f_type == PROC_SUPER_MAGIC;
}

std::optional<ProcessSample> ProcessWatcher::Sample(std::string* why) {
  if (spec_.pid > 0) {
    std::optional<ProcessSample> s = SamplePid(spec_.pid);
    if (!s.has_value()) *why = absl::StrCat("pid ", spec_.pid, " not found");
    return s;
  }
  if (spec_.name.empty()) {
    *why = "no process watched";
    return std::nullopt;
  }
  // The cached pid still holds the named process in the common case: one stat read.
  if (cached_pid_ > 0) {
    std::optional<ProcessSample> s = SamplePid(cached_pid_);
    if (s.has_value()) {
      absl::StatusOr<std::string> cmdline =
          ReadProcFile(absl::StrCat(proc_root_, "/", cached_pid_, "/cmdline"), 64 << 10);
      if (ProcessNameMatches(s->comm, cmdline.ok() ? *cmdline : "", spec_.name)) return s;
    }
  }
  const std::string missing = absl::StrCat("no process named '", spec_.name, "'");
  const int64_t now = MonoNanos();
  if (cached_pid_ == 0 && now < next_scan_ns_) {
    *why = missing;
    return std::nullopt;
  }
  std::optional<int64_t> pid = FindByName();
  cached_pid_ = pid.value_or(0);
  if (!pid.has_value()) {
    next_scan_ns_ = now + absl::ToInt64Nanoseconds(rescan_after_miss_);
    *why = missing;
    return std::nullopt;
  }
  std::optional<ProcessSample> s = SamplePid(*pid);
  if (!s.has_value()) *why = absl::StrCat("process '", spec_.name, "' exited while sampled");
  return s;
}

std::optional<int64_t> ProcessWatcher::FindByName() {
  std::optional<int64_t> best;
  uint64_t best_start = 0;
  for (const std::string& entry : ListDir(proc_root_)) {
    int64_t pid;
    if (!absl::SimpleAtoi(entry, &pid) || pid <= 0 || pid == self_pid_) continue;
    absl::StatusOr<std::string> text = ReadProcFile(absl::StrCat(proc_root_, "/", pid, "/stat"));
    if (!text.ok()) continue;
    std::optional<PidStat> st = ParsePidStat(*text);
    if (!st.has_value()) continue;
    // cmdline only when comm alone cannot decide (long names are truncated in comm).
    std::string cmdline;
    if (st->comm != spec_.name) {
      absl::StatusOr<std::string> c =
          ReadProcFile(absl::StrCat(proc_root_, "/", pid, "/cmdline"), 64 << 10);
      if (c.ok()) cmdline = std::move(*c);
    }
    if (!ProcessNameMatches(st->comm, cmdline, spec_.name)) continue;
    if (!best.has_value() || st->starttime < best_start ||
        (st->starttime == best_start && pid < *best)) {
      best = pid;
      best_start = st->starttime;
    }
  }
  return best;
}

std::optional<ProcessSample> ProcessWatcher::SamplePid(int64_t pid) {
  const std::string dir = absl::StrCat(proc_root_, "/", pid);
  absl::StatusOr<std::string> stat_text = ReadProcFile(dir + "/stat");
  if (!stat_text.ok()) return std::nullopt;
  std::optional<PidStat> st = ParsePidStat(*stat_text);
  if (!st.has_value()) return std::nullopt;
  ProcessSample s;
  s.pid = st->pid;
  s.comm = st->comm;
  s.state = st->state;
  s.utime = st->utime;
  s.stime = st->stime;
  s.starttime = st->starttime;
  s.threads = st->num_threads;
  s.vsize_bytes = st->vsize;
  s.rss_bytes = st->rss_pages > 0 ? static_cast<uint64_t>(st->rss_pages * page_size_) : 0;
  absl::StatusOr<std::string> status_text = ReadProcFile(dir + "/status");
  if (status_text.ok()) {
    PidStatus status = ParsePidStatus(*status_text);
    if (status.vm_rss_bytes.has_value()) s.rss_bytes = *status.vm_rss_bytes;
    if (status.threads.has_value()) s.threads = *status.threads;
    s.vm_hwm_bytes = status.vm_hwm_bytes;
    s.voluntary_ctxt_switches = status.voluntary_ctxt_switches;
    s.nonvoluntary_ctxt_switches = status.nonvoluntary_ctxt_switches;
  }
  // Linux >= 6.2 reports the number of open fds as the size of /proc/PID/fd (commit
  // f1f1f2569901): O(1) instead of walking a million entries. Older kernels say 0.
  struct stat fd_dir;
  const std::string fd_path = dir + "/fd";
  if (on_procfs_ && ::stat(fd_path.c_str(), &fd_dir) == 0 && fd_dir.st_size > 0) {
    s.fds = static_cast<uint64_t>(fd_dir.st_size);
  } else if (std::optional<size_t> n = CountDirEntries(fd_path); n.has_value()) {
    s.fds = *n;
  }
  return s;
}

}  // namespace fleetsim
