// Copyright fleetsim authors.

#include "src/master.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cmath>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "src/counters.h"
#include "src/mono_clock.h"
#include "src/scenario.h"
#include "src/status_macros.h"
#include "src/worker.h"
#include "src/worker_channel.h"
#include "src/worker_process.h"

namespace fleetsim {

namespace {

// A worker that dies within this long of starting is "dying quickly"; in a row, backed off.
constexpr int64_t kQuickDeathNs = 10'000'000'000;

std::string DescribeStatus(int status) {
  if (WIFEXITED(status)) return absl::StrCat("exited with code ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return absl::StrCat("killed by signal ", WTERMSIG(status), " (", strsignal(WTERMSIG(status)),
                        ")", WCOREDUMP(status) ? ", core dumped" : "");
  }
  return absl::StrCat("status ", status);
}

}  // namespace

Master::Master(Config config) : config_(std::move(config)) {}

Master::~Master() {
  for (WorkerProc& w : workers_) {
    if (w.channel >= 0) close(w.channel);
  }
}

absl::Status Master::Prepare() {
  ASSIGN_OR_RETURN(scenario_text_, ReadScenarioFile(config_.scenario));
  ASSIGN_OR_RETURN(program_, CompileScenario(scenario_text_, config_.scenario, config_.overrides));
  limits_ = ReadSysLimits();
  LOG(INFO) << "host: " << limits_.ToString();
  ASSIGN_OR_RETURN(plan_, MakePlan(*program_, limits_, config_.workers));
  LOG(INFO) << "plan: " << plan_.ToString();
  for (const Role& r : program_->roles) {
    LOG(INFO) << "plan: role " << r.name << ": " << r.count << " members (ids " << r.first_id
              << ".." << (r.count ? r.first_id + r.count - 1 : r.first_id) << "), about "
              << (r.count + plan_.workers - 1) / plan_.workers << " per worker";
  }
  LOG(INFO) << "plan: " << program_->sources.size() << " source addresses, "
            << program_->hosts.size() << " target hosts";
  for (const std::string& note : plan_.notes) LOG(WARNING) << "plan: " << note;
  CounterLayout layout{kExchangeSlots, static_cast<uint32_t>(program_->roles.size())};
  StatsSegment::Layout seg{layout.num_counters(), layout.num_histograms()};
  ASSIGN_OR_RETURN(StatsSegment s, StatsSegment::Create(seg, plan_.workers));
  segment_ = std::make_unique<StatsSegment>(std::move(s));
  return absl::OkStatus();
}

absl::Status Master::ForkWorkers() {
  workers_.resize(plan_.workers);
  // Buffered log lines would be written twice, once by each process.
  google::FlushLogFiles(google::GLOG_INFO);
  for (uint32_t i = 0; i < plan_.workers; ++i) {
    int fds[2];
    RETURN_IF_ERROR(MakeChannel(fds));
    pid_t pid = fork();
    if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
    if (pid == 0) {
      // The worker. Only this process's own channel end stays open.
      for (uint32_t j = 0; j < i; ++j) close(workers_[j].channel);
      close(fds[0]);
      prctl(PR_SET_PDEATHSIG, SIGTERM);  // the master died: drain and go
      // glog gives a forked process its own log files; they must not take over the
      // fleetsim.INFO (etc.) symlinks that tail -F follows: those stay the master's.
      for (int sev = 0; sev < google::NUM_SEVERITIES; ++sev) google::SetLogSymlink(sev, "");
      WorkerOptions opts;
      opts.index = i;
      opts.num_workers = plan_.workers;
      opts.control_fd = fds[1];
      opts.publish_interval = config_.publish_interval;
      opts.histograms = config_.histograms;
      int code;
      {
        Worker worker(program_.get(), opts, segment_.get());
        code = worker.Run();
      }
      google::FlushLogFiles(google::GLOG_INFO);
      _exit(code);  // no atexit handlers or static destructors of the master's state
    }
    close(fds[1]);
    workers_[i].pid = pid;
    workers_[i].channel = fds[0];
  }
  alive_ = workers_.size();
  return absl::OkStatus();
}

int Master::Run() {
  absl::Status s = Prepare();
  if (!s.ok()) {
    LOG(ERROR) << s.message();
    return 1;
  }
  loop_ = ev_default_loop(EVFLAG_AUTO);
  ev_set_userdata(loop_, this);
  // Children are watched before they exist, so no exit can be missed.
  ev_signal_init(&sigterm_, SignalCb, SIGTERM);
  ev_signal_init(&sigint_, SignalCb, SIGINT);
  ev_signal_init(&sighup_, SignalCb, SIGHUP);
  for (ev_signal* w : {&sigterm_, &sigint_, &sighup_}) ev_signal_start(loop_, w);
  signal(SIGPIPE, SIG_IGN);
  s = ForkWorkers();
  if (!s.ok()) {
    LOG(ERROR) << s.message();
    for (WorkerProc& w : workers_) {
      if (w.pid > 0) kill(w.pid, SIGKILL);
    }
    return 1;
  }
  for (size_t i = 0; i < workers_.size(); ++i) Watch(i);
  // Threads only now: every fork is behind us (a fork with threads running could copy a
  // lock held by one of them into a child that can never release it).
  // The generator's own host is always sampled (so nobody blames the server for the tool's
  // limit); agents only when --agents names some. Names are resolved here, before the load.
  collector_ = std::make_unique<Collector>(config_.agents, config_.agent_timeout);
  stats_ = std::make_unique<StatsThread>(segment_.get(), *program_, config_, collector_.get());
  stats_->SetWorkersRunning(static_cast<uint32_t>(alive_));
  stats_->SetWorkerPids(WorkerPids());
  stats_->Start();
  if (config_.duration != absl::InfiniteDuration()) {
    ev_timer_init(&duration_timer_, DurationCb, absl::ToDoubleSeconds(config_.duration), 0);
    ev_timer_start(loop_, &duration_timer_);
  }
  ev_timer_init(&kill_timer_, KillCb, 0, 0);
  ev_run(loop_, 0);
  stats_->Stop();
  sd_notify(0, "STOPPING=1");
  LOG(INFO) << "fleetsim stopped"
            << (killed_    ? " (some workers had to be killed)"
                : unclean_ ? " (some workers failed while stopping)"
                           : "");
  return killed_ || unclean_ ? 2 : 0;
}

void Master::Watch(size_t i) {
  WorkerProc& w = workers_[i];
  w.master = this;
  w.index = i;
  w.started_ns = MonoNanos();
  ev_child_init(&w.child, ChildCb, w.pid, 0);
  w.child.data = reinterpret_cast<void*>(i);
  ev_child_start(loop_, &w.child);
  ev_io_init(&w.io, ControlCb, w.channel, EV_READ);
  w.io.data = reinterpret_cast<void*>(i);
  ev_io_start(loop_, &w.io);
  ev_timer_init(&w.respawn, RespawnCb, 0, 0);
  w.respawn.data = reinterpret_cast<void*>(i);
}

std::vector<pid_t> Master::WorkerPids() const {
  std::vector<pid_t> pids;
  for (const WorkerProc& w : workers_) pids.push_back(w.pid);
  return pids;
}

WorkerSetup Master::Setup(size_t i) const {
  WorkerSetup s;
  s.generation = generation_;
  s.index = static_cast<uint32_t>(i);
  s.num_workers = static_cast<uint32_t>(workers_.size());
  s.scenario_file = config_.scenario;
  s.scenario_text = scenario_text_;
  s.overrides = config_.overrides;
  s.publish_interval = config_.publish_interval;
  s.histograms = config_.histograms;
  s.verbosity = config_.verbosity;
  for (const Exchange& x : program_->exchanges) s.exchanges.push_back(x.name);
  s.vars = program_->vars;
  return s;
}

void Master::Respawn(size_t i) {
  WorkerProc& w = workers_[i];
  int fds[2];
  absl::Status s = MakeChannel(fds);
  if (!s.ok()) {
    LOG(ERROR) << "worker " << i << " cannot be respawned: " << s.message();
    return;
  }
  // Everything the child needs is prepared before fork: between fork and exec a process
  // with threads may only make async-signal-safe calls.
  const std::vector<std::string> args = {"/proc/self/exe", absl::StrCat("--worker_index=", i),
                                         absl::StrCat("--worker_fd=", kWorkerChannelFd),
                                         absl::StrCat("--stats_fd=", kWorkerStatsFd),
                                         absl::StrCat("--v=", config_.verbosity)};
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const int seg_fd = segment_->fd();
  pid_t pid = fork();
  if (pid < 0) {
    LOG(ERROR) << "worker " << i << " cannot be respawned: fork: " << strerror(errno);
    close(fds[0]);
    close(fds[1]);
    return;
  }
  if (pid == 0) {
    // Move both fds out of the way first, so neither dup2 below overwrites the other.
    int chan = fcntl(fds[1], F_DUPFD, 100);
    int seg = fcntl(seg_fd, F_DUPFD, 100);
    if (chan < 0 || seg < 0 || dup2(chan, kWorkerChannelFd) < 0 || dup2(seg, kWorkerStatsFd) < 0) {
      _exit(126);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  w.pid = pid;
  w.channel = fds[0];
  w.ready = false;
  ++alive_;
  Watch(i);
  ControlMsg setup{ControlKind::kSetup, 0, 1};
  SendControl(w.channel, setup, Setup(i).Encode());
  stats_->SetWorkersRunning(static_cast<uint32_t>(alive_));
  stats_->SetWorkerPids(WorkerPids());
  LOG(INFO) << "worker " << i << " respawned as pid " << pid
            << "; its members reconnect (its log lines go to stderr)";
}

void Master::OnSignal(int sig) {
  switch (sig) {
    case SIGTERM:
      BeginStop("SIGTERM");
      break;
    case SIGINT:
      BeginStop("SIGINT");
      break;
    case SIGHUP:
      if (!stopping_) Reload();
      break;
    default:
      break;
  }
}

void Master::BeginStop(const char* why) {
  if (stopping_) return;
  stopping_ = true;
  for (WorkerProc& w : workers_) ev_timer_stop(loop_, &w.respawn);
  LOG(INFO) << why << ": stopping; members finish their exchange and closing steps within "
            << absl::FormatDuration(config_.grace);
  sd_notify(0, "STOPPING=1");
  ev_timer_stop(loop_, &duration_timer_);
  ControlMsg drain{ControlKind::kDrain, 0,
                   static_cast<uint64_t>(absl::ToInt64Milliseconds(config_.grace))};
  for (WorkerProc& w : workers_) {
    if (w.pid > 0) SendControl(w.channel, drain);
  }
  // Workers cut off what is left at the grace; give them a little more to exit.
  ev_timer_set(&kill_timer_, absl::ToDoubleSeconds(config_.grace) + 5, 0);
  ev_timer_start(loop_, &kill_timer_);
  MaybeFinish();
}

void Master::OnChildExit(size_t i, int status) {
  WorkerProc& w = workers_[i];
  const pid_t pid = w.pid;
  w.pid = -1;
  --alive_;
  ev_child_stop(loop_, &w.child);
  ev_io_stop(loop_, &w.io);
  if (w.channel >= 0) close(w.channel);
  w.channel = -1;
  stats_->SetWorkersRunning(static_cast<uint32_t>(alive_));
  const bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (stopping_) {
    if (clean) {
      VLOG(1) << "worker " << i << " (pid " << pid << ") exited";
    } else {
      LOG(ERROR) << "worker " << i << " (pid " << pid << ") " << DescribeStatus(status)
                 << " while stopping";
      unclean_ = true;
    }
    MaybeFinish();
    return;
  }
  // Keep what it counted, count what it held as lost, and start a replacement. One that
  // keeps dying right after starting is retried less and less often, never in a tight loop.
  stats_->RetireSlot(static_cast<uint32_t>(i));
  stats_->AddMasterCount(Counter::kWorkerRespawns, 1);
  const bool quick = MonoNanos() - w.started_ns < kQuickDeathNs;
  w.quick_deaths = quick ? w.quick_deaths + 1 : 0;
  const double delay = w.quick_deaths <= 1 ? 0 : std::min(60.0, std::pow(2.0, w.quick_deaths - 2));
  LOG(ERROR) << "worker " << i << " (pid " << pid << ") " << DescribeStatus(status)
             << "; its members are lost until it is respawned"
             << (delay > 0 ? absl::StrCat(" in ", delay, " s (it died ", w.quick_deaths,
                                          " times in a row within ", kQuickDeathNs / 1000000000,
                                          " s of starting)")
                           : " now");
  ev_timer_set(&w.respawn, delay, 0);
  ev_timer_start(loop_, &w.respawn);
}

void Master::OnControl(size_t i) {
  WorkerProc& w = workers_[i];
  ControlMsg msg;
  std::string payload;
  for (;;) {
    RecvResult r = RecvControl(w.channel, &msg, &payload);
    if (r != RecvResult::kMessage) {
      if (r == RecvResult::kClosed) ev_io_stop(loop_, &w.io);
      return;
    }
    switch (msg.kind) {
      case ControlKind::kReady:
        if (!w.ready) {
          w.ready = true;
          if (++ready_ == workers_.size()) {
            LOG(INFO) << "running: " << workers_.size() << " workers, " << program_->total_members()
                      << " members";
            sd_notify(0, "READY=1");
          }
        }
        break;
      case ControlKind::kDrained:
        w.drained = true;
        break;
      case ControlKind::kAck:
        OnReloadAck(i, msg);
        break;
      case ControlKind::kDrain:
      case ControlKind::kReload:
      case ControlKind::kSetup:
        break;
    }
  }
}

void Master::RespawnCb(struct ev_loop* loop, ev_timer* w, int) {
  Master* m = static_cast<Master*>(ev_userdata(loop));
  if (!m->stopping_) m->Respawn(reinterpret_cast<size_t>(w->data));
}

void Master::MaybeFinish() {
  if (alive_ == 0) ev_break(loop_, EVBREAK_ALL);
}

void Master::SignalCb(struct ev_loop* loop, ev_signal* w, int) {
  static_cast<Master*>(ev_userdata(loop))->OnSignal(w->signum);
}
void Master::ChildCb(struct ev_loop* loop, ev_child* w, int) {
  static_cast<Master*>(ev_userdata(loop))
      ->OnChildExit(reinterpret_cast<size_t>(w->data), w->rstatus);
}
void Master::ControlCb(struct ev_loop* loop, ev_io* w, int) {
  static_cast<Master*>(ev_userdata(loop))->OnControl(reinterpret_cast<size_t>(w->data));
}
void Master::DurationCb(struct ev_loop* loop, ev_timer*, int) {
  static_cast<Master*>(ev_userdata(loop))->BeginStop("--duration reached");
}
void Master::KillCb(struct ev_loop* loop, ev_timer*, int) {
  Master* m = static_cast<Master*>(ev_userdata(loop));
  for (size_t i = 0; i < m->workers_.size(); ++i) {
    if (m->workers_[i].pid > 0) {
      LOG(ERROR) << "worker " << i << " did not stop within the grace period: killing it";
      kill(m->workers_[i].pid, SIGKILL);
      m->killed_ = true;
    }
  }
}

}  // namespace fleetsim
