// Copyright fleetsim authors.

#include "tools/target/master.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "glog/logging.h"
#include "nlohmann/json.hpp"
#include "src/mono_clock.h"
#include "src/status_macros.h"
#include "src/unique_fd.h"
#include "tools/target/atomic_file.h"
#include "tools/target/counters_json.h"
#include "tools/target/listen_socket.h"
#include "tools/target/worker.h"

namespace fleetsim::target {

namespace {

constexpr double kStopGraceS = 10;  // then SIGKILL the workers that are left

// Signals the master handles on its loop. Blocked from before the first fork until the
// loop's watchers exist, so none is lost (a worker failing at once still gets reaped).
sigset_t MasterSignals() {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGCHLD);
  sigaddset(&s, SIGTERM);
  sigaddset(&s, SIGINT);
  sigaddset(&s, SIGUSR1);
  return s;
}

std::string DescribeWait(int status) {
  if (WIFEXITED(status)) return absl::StrCat("exit status ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return absl::StrCat("signal ", strsignal(WTERMSIG(status)));
  return absl::StrCat("wait status ", status);
}

}  // namespace

Master::Master(const TargetConfig& config) : config_(config) {}

int Master::Run() {
  start_mono_ns_ = MonoNanos();
  const sigset_t sigs = MasterSignals();
  sigprocmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);
  if (absl::Status s = Start(); !s.ok()) {
    LOG(ERROR) << "fleetsim-target: " << s.message();
    fprintf(stderr, "fleetsim-target: %s\n", std::string(s.message()).c_str());
    // Workers already forked see the control pipe close and exit; reap them.
    if (control_w_ >= 0) close(control_w_);
    for (WorkerProc& w : workers_) {
      if (w.pid > 0) waitpid(w.pid, nullptr, 0);
    }
    return 1;
  }
  loop_ = ev_default_loop(EVFLAG_NOENV);
  CHECK(loop_ != nullptr) << "ev_default_loop";
  ev_set_userdata(loop_, this);
  ev_signal_init(&sigterm_, OnSignalCb, SIGTERM);
  ev_signal_init(&sigint_, OnSignalCb, SIGINT);
  ev_signal_init(&sigusr1_, OnSignalCb, SIGUSR1);
  ev_signal_start(loop_, &sigterm_);
  ev_signal_start(loop_, &sigint_);
  ev_signal_start(loop_, &sigusr1_);
  ev_child_init(&child_, OnChildCb, 0, 0);  // any child
  ev_child_start(loop_, &child_);
  ev_io_init(&ready_io_, OnReadyCb, ready_r_, EV_READ);
  ev_io_start(loop_, &ready_io_);
  ev_timer_init(&kill_timer_, OnKillTimerCb, kStopGraceS, 0);
  sigprocmask(SIG_UNBLOCK, &sigs, nullptr);  // pending signals arrive now, to the watchers
  ev_run(loop_, 0);
  LOG(INFO) << "fleetsim-target: exit " << exit_code_;
  return exit_code_;
}

absl::Status Master::Start() {
  // Every worker inherits the raised soft limit; connections are capped below it.
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  const int cores = static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
  ASSIGN_OR_RETURN(ProcPlan plan, PlanProcs(config_, cores, rl.rlim_cur));
  LOG(INFO) << "fleetsim-target " << FLEETSIM_VERSION << ": " << plan.procs << " processes x up to "
            << plan.conns_per_proc << " connections, " << config_.host << ":"
            << absl::StrJoin(config_.ports, ",") << " (access,report,user), heartbeat "
            << config_.heartbeat_s << "s";
  if (plan.short_of_max) {
    LOG(WARNING) << "--procs=" << plan.procs << " holds at most "
                 << plan.procs * plan.conns_per_proc
                 << " connections, under --max_connections=" << config_.max_connections;
  }
  RETURN_IF_ERROR(CheckOutputPaths(config_));
  RETURN_IF_ERROR(ProbePorts());
  ASSIGN_OR_RETURN(region_,
                   SharedRegion::Create(plan.procs, config_.max_devices, config_.max_users));
  int control[2], ready[2];
  if (pipe2(control, O_CLOEXEC) != 0 || pipe2(ready, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe2: ", strerror(errno)));
  }
  control_r_ = control[0];
  control_w_ = control[1];
  ready_r_ = ready[0];
  ready_w_ = ready[1];
  workers_.resize(plan.procs);
  for (int i = 0; i < plan.procs; ++i) RETURN_IF_ERROR(ForkWorker(i, plan.conns_per_proc));
  close(control_r_);
  close(ready_w_);
  control_r_ = ready_w_ = -1;
  return absl::OkStatus();
}

absl::Status Master::ProbePorts() const {
  // Workers bind with SO_REUSEPORT, which would silently share a port with another
  // SO_REUSEPORT server of the same user. A plain bind first turns that into a clear error.
  for (int i = 0; i < kNumPorts; ++i) {
    absl::StatusOr<UniqueFd> fd = BindTcp4(config_.host, config_.ports[i], /*reuse_port=*/false);
    if (!fd.ok()) {
      return absl::UnavailableError(absl::StrCat("cannot listen on the ",
                                                 PortName(static_cast<Port>(i)),
                                                 " port (--ports): ", fd.status().message()));
    }
  }
  return absl::OkStatus();
}

absl::Status Master::ForkWorker(int i, int64_t conns_per_proc) {
  fflush(nullptr);  // nothing buffered may be written twice
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
  if (pid == 0) RunWorker(i, conns_per_proc);
  workers_[i].pid = pid;
  return absl::OkStatus();
}

void Master::RunWorker(int i, int64_t conns_per_proc) {
  signal(SIGTERM, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGUSR1, SIG_IGN);
  signal(SIGCHLD, SIG_DFL);
  const sigset_t sigs = MasterSignals();
  sigprocmask(SIG_UNBLOCK, &sigs, nullptr);
  close(control_w_);
  close(ready_r_);
  prctl(PR_SET_NAME, absl::StrCat("fstarget-w", i).c_str());
  int code = 1;
  {
    Worker worker(config_, i, conns_per_proc, start_mono_ns_, &region_);
    if (absl::Status s = worker.Listen(); !s.ok()) {
      LOG(ERROR) << "worker " << i << ": " << s.message();
      fprintf(stderr, "fleetsim-target: worker %d: %s\n", i, std::string(s.message()).c_str());
    } else {
      const char byte = 'R';
      if (write(ready_w_, &byte, 1) != 1) PLOG(ERROR) << "worker " << i << ": ready pipe";
      close(ready_w_);
      code = worker.Run(control_r_);
    }
  }
  fflush(nullptr);
  _exit(code);  // not exit(): the master's objects are not ours to destroy
}

void Master::OnSignalCb(struct ev_loop* loop, ev_signal* w, int) {
  auto* self = static_cast<Master*>(ev_userdata(loop));
  if (w->signum == SIGUSR1) {
    self->WriteCounters(/*final=*/false);
    return;
  }
  LOG(INFO) << "fleetsim-target: " << strsignal(w->signum) << "; stopping";
  self->BeginStop(0);
}

void Master::OnChildCb(struct ev_loop* loop, ev_child* w, int) {
  static_cast<Master*>(ev_userdata(loop))->OnChild(w->rpid, w->rstatus);
}

void Master::OnReadyCb(struct ev_loop* loop, ev_io*, int) {
  static_cast<Master*>(ev_userdata(loop))->OnReady();
}

void Master::OnKillTimerCb(struct ev_loop* loop, ev_timer*, int) {
  auto* self = static_cast<Master*>(ev_userdata(loop));
  for (WorkerProc& w : self->workers_) {
    if (!w.exited) {
      LOG(ERROR) << "worker pid " << w.pid << " did not stop within " << kStopGraceS
                 << "s; killing it";
      kill(w.pid, SIGKILL);
    }
  }
  self->exit_code_ = 1;
}

void Master::OnReady() {
  char buf[64];
  const ssize_t n = read(ready_r_, buf, sizeof(buf));
  if (n <= 0) {  // every worker closed its end
    ev_io_stop(loop_, &ready_io_);
    close(ready_r_);
    ready_r_ = -1;
    return;
  }
  ready_count_ += static_cast<int>(n);
  if (ready_count_ != static_cast<int>(workers_.size()) || stopping_) return;
  LOG(INFO) << "fleetsim-target: ready, " << workers_.size() << " processes listening";
  WriteCounters(/*final=*/false);
  if (!config_.ready_file.empty()) {
    nlohmann::ordered_json j = {{"pid", getpid()},
                                {"procs", workers_.size()},
                                {"host", config_.host},
                                {"ports", config_.ports}};
    if (absl::Status s = WriteFileAtomically(config_.ready_file, j.dump() + "\n"); !s.ok()) {
      LOG(ERROR) << "--ready_file: " << s.message();
      BeginStop(1);
    }
  }
}

void Master::OnChild(pid_t pid, int status) {
  bool all_exited = true;
  for (size_t i = 0; i < workers_.size(); ++i) {
    WorkerProc& w = workers_[i];
    if (w.pid == pid) {
      w.exited = true;
      const bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
      if (!stopping_ || !clean) {
        LOG(ERROR) << "worker " << i << " (pid " << pid << ") ended: " << DescribeWait(status);
        BeginStop(1);
      }
    }
    all_exited = all_exited && w.exited;
  }
  if (!all_exited) return;
  ev_timer_stop(loop_, &kill_timer_);
  WriteCounters(/*final=*/true);
  ev_break(loop_, EVBREAK_ALL);
}

void Master::BeginStop(int exit_code) {
  exit_code_ = std::max(exit_code_, exit_code);
  if (stopping_) return;
  stopping_ = true;
  close(control_w_);  // EOF: every worker stops accepting, closes its connections, exits
  control_w_ = -1;
  ev_timer_start(loop_, &kill_timer_);
}

void Master::WriteCounters(bool final) {
  CountersReport r;
  r.snapshot = ++snapshot_;
  r.final = final;
  r.pid = getpid();
  r.uptime_s = (MonoNanos() - start_mono_ns_) / 1e9;
  for (int i = 0; i < region_.procs(); ++i) {
    ProcCounters p;
    p.index = i;
    p.pid = region_.slot(i).pid.load(std::memory_order_relaxed);
    p.values.AddFrom(region_.slot(i));
    r.totals.Add(p.values);  // from the same reads, so totals equal the sum of per_proc
    r.per_proc.push_back(p);
  }
  const std::string json = CountersJson(r);
  LOG(INFO) << "counters " << json;
  if (config_.counters_file.empty()) return;
  if (absl::Status s = WriteFileAtomically(config_.counters_file, json + "\n"); !s.ok()) {
    LOG(ERROR) << "--counters_file: " << s.message();
  }
}

}  // namespace fleetsim::target
