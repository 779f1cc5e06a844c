// Copyright fleetsim authors.

#include "src/worker_process.h"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>

#include <string>

#include "glog/logging.h"
#include "src/config.h"
#include "src/scenario.h"
#include "src/stats_segment.h"
#include "src/worker.h"
#include "src/worker_channel.h"
#include "src/worker_setup.h"

namespace fleetsim {

int RunReexecutedWorker(int index, int channel_fd, int stats_fd) {
  prctl(PR_SET_PDEATHSIG, SIGTERM);  // the master died: drain and go
  absl::StatusOr<StatsSegment> segment = StatsSegment::Attach(stats_fd);
  if (!segment.ok()) {
    LOG(ERROR) << "worker " << index << ": " << segment.status().message();
    return 1;
  }
  // The setup is the first message; the master sends it right after fork.
  ControlMsg msg{};
  std::string payload;
  for (;;) {
    pollfd p{channel_fd, POLLIN, 0};
    if (poll(&p, 1, 10000) != 1) {
      LOG(ERROR) << "worker " << index << ": no setup from the master within 10 s";
      return 1;
    }
    RecvResult r = RecvControl(channel_fd, &msg, &payload);
    if (r == RecvResult::kClosed) return 1;
    if (r == RecvResult::kMessage && msg.kind == ControlKind::kSetup) break;
  }
  absl::StatusOr<WorkerSetup> setup = WorkerSetup::Decode(payload);
  if (!setup.ok() || setup->index != static_cast<uint32_t>(index)) {
    LOG(ERROR) << "worker " << index
               << ": bad setup: " << (setup.ok() ? "wrong index" : setup.status().message());
    return 1;
  }
  // Exchange and variable indices as the master's running program has them.
  Program order;
  for (const std::string& x : setup->exchanges) order.exchanges.push_back(Exchange{x, 0, false});
  order.vars = setup->vars;
  auto program =
      CompileScenario(setup->scenario_text, setup->scenario_file, setup->overrides, &order);
  if (!program.ok()) {  // the master compiled the same text: this cannot happen but be clear
    LOG(ERROR) << "worker " << index << ": " << program.status().message();
    return 1;
  }
  SetVerbosity(setup->verbosity);
  WorkerOptions opts;
  opts.index = setup->index;
  opts.num_workers = setup->num_workers;
  opts.control_fd = channel_fd;
  opts.publish_interval = setup->publish_interval;
  opts.histograms = setup->histograms;
  Worker worker(program->get(), opts, &*segment);
  LOG(INFO) << "worker " << index << " (re-executed) running";
  return worker.Run();
}

}  // namespace fleetsim
