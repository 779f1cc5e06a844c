// Copyright fleetsim authors.
//
// master: fleetsim-target's supervisor process. It plans the processes, creates the shared
// region, forks the workers, and then only supervises on the default libev loop:
//   - writes --ready_file once every worker listens;
//   - SIGUSR1: sums the workers' counter slots and writes --counters_file (and logs it);
//   - SIGTERM / SIGINT: closes the control pipe (workers stop accepting, close their
//     connections and exit), reaps them, writes the final counters, exits 0;
//   - a worker that dies on its own is a bug, not a condition to paper over: the master
//     logs it, stops the others, writes the counters and exits 1.
// Single-threaded, so fork() is safe. Workers get no signals: they ignore SIGTERM, SIGINT
// and SIGUSR1 (a terminal's Ctrl-C reaches the whole group) and stop when the control
// pipe reaches EOF, which also happens if the master dies.

#ifndef FLEETSIM_TOOLS_TARGET_MASTER_H_
#define FLEETSIM_TOOLS_TARGET_MASTER_H_

#include <ev.h>
#include <sys/types.h>

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "tools/target/config.h"
#include "tools/target/shared_region.h"

namespace fleetsim::target {

class Master {
 public:
  // REQUIRES: ValidateConfig(config).ok().
  explicit Master(const TargetConfig& config);
  Master(const Master&) = delete;
  Master& operator=(const Master&) = delete;

  // Runs the target to the end. Returns the process exit code: 0 after SIGTERM/SIGINT,
  // 1 if it could not start (the reason is logged) or a worker died.
  int Run();

 private:
  struct WorkerProc {
    pid_t pid = 0;
    bool ready = false;
    bool exited = false;
  };

  static void OnSignalCb(struct ev_loop* loop, ev_signal* w, int revents);
  static void OnChildCb(struct ev_loop* loop, ev_child* w, int revents);
  static void OnReadyCb(struct ev_loop* loop, ev_io* w, int revents);
  static void OnKillTimerCb(struct ev_loop* loop, ev_timer* w, int revents);

  // Everything before the loop: limits, plan, ports, region, fork.
  absl::Status Start();
  absl::Status ProbePorts() const;
  // Forks worker i. In the child, never returns.
  absl::Status ForkWorker(int i, int64_t conns_per_proc);
  [[noreturn]] void RunWorker(int i, int64_t conns_per_proc);
  void OnReady();
  void OnChild(pid_t pid, int status);
  void BeginStop(int exit_code);
  void WriteCounters(bool final);

  const TargetConfig& config_;
  SharedRegion region_;
  std::vector<WorkerProc> workers_;
  int64_t start_mono_ns_ = 0;
  int control_w_ = -1;  // closing it tells every worker to stop
  int control_r_ = -1;  // workers' end
  int ready_r_ = -1;    // each worker writes one byte once it listens
  int ready_w_ = -1;
  int ready_count_ = 0;
  bool stopping_ = false;
  int exit_code_ = 0;
  uint64_t snapshot_ = 0;

  struct ev_loop* loop_ = nullptr;
  ev_signal sigterm_, sigint_, sigusr1_;
  ev_child child_;
  ev_io ready_io_;
  ev_timer kill_timer_;
};

}  // namespace fleetsim::target

#endif  // FLEETSIM_TOOLS_TARGET_MASTER_H_
