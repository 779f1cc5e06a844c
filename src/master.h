// Copyright fleetsim authors.
//
// master: the supervisor process. Compiles the scenario, plans the workers, creates the
// stats segment, forks the workers (before any thread exists), then runs the default libev
// loop: signals (SIGTERM/SIGINT drain, SIGHUP reload), worker exits (reaped with ev_child),
// control messages, and --duration. The stats thread runs beside the loop.

#ifndef FLEETSIM_SRC_MASTER_H_
#define FLEETSIM_SRC_MASTER_H_

#include <ev.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "src/collector.h"
#include "src/config.h"
#include "src/plan.h"
#include "src/program.h"
#include "src/stats_segment.h"
#include "src/stats_thread.h"
#include "src/syslimits.h"
#include "src/worker_channel.h"
#include "src/worker_setup.h"

namespace fleetsim {

class Master {
 public:
  explicit Master(Config config);
  ~Master();
  Master(const Master&) = delete;
  Master& operator=(const Master&) = delete;

  // Runs until the fleet has stopped. Returns the process exit code: 0 after a graceful
  // stop, 1 if the configuration or plan was refused, 2 if workers had to be killed or
  // failed while stopping.
  int Run();

 private:
  struct WorkerProc {
    pid_t pid = -1;
    int channel = -1;  // the master's end
    bool ready = false;
    bool drained = false;
    int64_t started_ns = 0;
    int quick_deaths = 0;  // deaths in a row within kQuickDeath of starting
    ev_io io;
    ev_child child;
    ev_timer respawn;  // a backed-off respawn
    Master* master = nullptr;
    size_t index = 0;
  };

  // A validated configuration, not applied yet (reload).
  struct Pending {
    Config config;
    std::string text;
    std::unique_ptr<Program> program;
    std::unique_ptr<Collector> collector;  // when --agents is in play
  };

  absl::Status Prepare();
  // master_reload.cc
  absl::StatusOr<Pending> PrepareReload();
  void Reload();
  void OnReloadAck(size_t i, const ControlMsg& ack);
  absl::Status ForkWorkers();
  // Starts watching worker i's process and channel.
  void Watch(size_t i);
  // Re-executes worker i (fork + exec: the master has threads now) and sends it its setup.
  void Respawn(size_t i);
  WorkerSetup Setup(size_t i) const;
  std::vector<pid_t> WorkerPids() const;
  void OnSignal(int sig);
  void OnChildExit(size_t w, int status);
  void OnControl(size_t w);
  void BeginStop(const char* why);
  void MaybeFinish();

  static void SignalCb(struct ev_loop* loop, ev_signal* w, int revents);
  static void ChildCb(struct ev_loop* loop, ev_child* w, int revents);
  static void ControlCb(struct ev_loop* loop, ev_io* w, int revents);
  static void DurationCb(struct ev_loop* loop, ev_timer* w, int revents);
  static void KillCb(struct ev_loop* loop, ev_timer* w, int revents);
  static void RespawnCb(struct ev_loop* loop, ev_timer* w, int revents);

  Config config_;
  SysLimits limits_;
  Plan plan_;
  std::unique_ptr<Program> program_;
  std::string scenario_text_;  // what program_ was compiled from (sent to re-executed workers)
  std::unique_ptr<StatsSegment> segment_;
  std::unique_ptr<Collector> collector_;
  std::unique_ptr<StatsThread> stats_;
  std::vector<WorkerProc> workers_;
  struct ev_loop* loop_ = nullptr;
  ev_signal sigterm_, sigint_, sighup_;
  ev_timer duration_timer_, kill_timer_;
  bool stopping_ = false;
  uint64_t generation_ = 1;         // configuration generation: +1 per applied reload
  size_t reload_acks_pending_ = 0;  // workers yet to acknowledge the current generation
  bool killed_ = false;
  bool unclean_ = false;  // a worker exited with an error while stopping
  size_t ready_ = 0;
  size_t alive_ = 0;
};

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_MASTER_H_
