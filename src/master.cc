// Copyright fleetsim authors.

#include "src/master.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "src/counters.h"
#include "src/scenario.h"
#include "src/status_macros.h"
#include "src/worker.h"
#include "src/worker_channel.h"

namespace fleetsim {

namespace {

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
  ASSIGN_OR_RETURN(program_, LoadScenario(config_.scenario, config_.overrides));
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
  CounterLayout layout{static_cast<uint32_t>(program_->exchanges.size()),
                       static_cast<uint32_t>(program_->roles.size())};
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
  for (size_t i = 0; i < workers_.size(); ++i) {
    WorkerProc& w = workers_[i];
    ev_child_init(&w.child, ChildCb, w.pid, 0);
    w.child.data = reinterpret_cast<void*>(i);
    ev_child_start(loop_, &w.child);
    ev_io_init(&w.io, ControlCb, w.channel, EV_READ);
    w.io.data = reinterpret_cast<void*>(i);
    ev_io_start(loop_, &w.io);
  }
  // Threads only now: every fork is behind us (a fork with threads running could copy a
  // lock held by one of them into a child that can never release it).
  stats_ = std::make_unique<StatsThread>(segment_.get(), *program_, config_);
  stats_->Start();
  if (config_.duration != absl::InfiniteDuration()) {
    ev_timer_init(&duration_timer_, DurationCb, absl::ToDoubleSeconds(config_.duration), 0);
    ev_timer_start(loop_, &duration_timer_);
  }
  ev_timer_init(&kill_timer_, KillCb, 0, 0);
  ev_run(loop_, 0);
  stats_->Stop();
  sd_notify(0, "STOPPING=1");
  LOG(INFO) << "fleetsim stopped" << (killed_ ? " (some workers had to be killed)" : "");
  return killed_ ? 2 : 0;
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
      LOG(WARNING) << "SIGHUP: reload is not supported yet; the running load is unchanged";
      break;
    default:
      break;
  }
}

void Master::BeginStop(const char* why) {
  if (stopping_) return;
  stopping_ = true;
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
  const bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (stopping_ && clean) {
    VLOG(1) << "worker " << i << " (pid " << pid << ") exited";
  } else {
    LOG(ERROR) << "worker " << i << " (pid " << pid << ") " << DescribeStatus(status)
               << (stopping_ ? " while stopping" : "; its members are lost from the fleet");
    if (!stopping_ && alive_ == 0) BeginStop("all workers gone");
  }
  MaybeFinish();
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
      case ControlKind::kDrain:
      case ControlKind::kReload:
        break;
    }
  }
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
