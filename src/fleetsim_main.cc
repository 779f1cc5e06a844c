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

int main(int argc, char** argv) {
  gflags::SetUsageMessage(
      "a load simulator for IoT device servers\n"
      "  fleetsim --scenario=conf/scenarios/rdp.yaml [--set=device.count=5000] [--duration=30s]\n"
      "  fleetsim --check --scenario=FILE   validate a scenario and dump its messages\n"
      "  fleetsim --flagfile=/etc/fleetsim/fleetsim.flags   as a service");
  gflags::SetVersionString(FLEETSIM_VERSION);
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  const fleetsim::WorkerInvocation worker = fleetsim::WorkerInvocationFromFlags();
  fleetsim::ConfigureLogging(/*reexecuted_worker=*/worker.index >= 0);
  google::InitGoogleLogging(argv[0]);
  if (worker.index >= 0) {
    return fleetsim::RunReexecutedWorker(worker.index, worker.channel_fd, worker.stats_fd);
  }

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
