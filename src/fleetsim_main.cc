// Copyright fleetsim authors.
//
// fleetsim: the load simulator daemon. Parses flags into a Config, sets up logging, and
// runs the Master (or, with --check, validates the scenario and prints its messages).

#include <cstdio>
#include <iostream>

#include "gflags/gflags.h"
#include "glog/logging.h"
#include "src/config.h"
#include "src/master.h"
#include "src/scenario.h"
#include "src/scenario_check.h"
#include "src/worker_process.h"

// Internal: how the master re-executes a worker after a crash.
DEFINE_int32(worker_index, -1, "(internal) run as worker N of a running master");
DEFINE_int32(worker_fd, -1, "(internal) the worker's control channel");
DEFINE_int32(stats_fd, -1, "(internal) the master's stats segment");

int main(int argc, char** argv) {
  gflags::SetUsageMessage(
      "a load simulator for IoT device servers\n"
      "  fleetsim --scenario=conf/scenarios/rdp.yaml [--set=device.count=5000] [--duration=30s]\n"
      "  fleetsim --check --scenario=FILE   validate a scenario and dump its messages\n"
      "  fleetsim --flagfile=/etc/fleetsim/fleetsim.flags   as a service");
  gflags::SetVersionString(FLEETSIM_VERSION);
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  if (FLAGS_worker_index >= 0) {
    // A re-executed worker logs to the master's stderr (its files belong to the master).
    FLAGS_logtostderr = true;
    google::InitGoogleLogging(argv[0]);
    return fleetsim::RunReexecutedWorker(FLAGS_worker_index, FLAGS_worker_fd, FLAGS_stats_fd);
  }
  // Lines appear as they happen (tail -F), not after glog's default 30 s buffering.
  FLAGS_logbufsecs = 0;
  if (FLAGS_log_dir.empty()) FLAGS_logtostderr = true;
  FLAGS_alsologtostderr = !FLAGS_logtostderr;  // the journal reads stderr too
  google::InitGoogleLogging(argv[0]);

  absl::StatusOr<fleetsim::Config> config = fleetsim::Config::FromFlags();
  if (!config.ok()) {
    std::cerr << "fleetsim: " << config.status().message() << "\n";
    return 1;
  }
  if (config->check) {
    auto program = fleetsim::LoadScenario(config->scenario, config->overrides);
    if (!program.ok()) {
      std::cerr << program.status().message() << "\n";
      return 1;
    }
    std::cout << fleetsim::DescribeProgram(**program);
    return 0;
  }
  LOG(INFO) << "fleetsim " << FLEETSIM_VERSION << " starting: scenario " << config->scenario;
  fleetsim::Master master(*std::move(config));
  return master.Run();
}
