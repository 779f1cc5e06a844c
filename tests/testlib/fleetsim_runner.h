// Copyright fleetsim authors.
//
// fleetsim_runner: starts bin/fleetsim for an end-to-end test, with its stats file in a
// temporary directory, and reads what it wrote. Used only by tests.

#ifndef FLEETSIM_TESTS_TESTLIB_FLEETSIM_RUNNER_H_
#define FLEETSIM_TESTS_TESTLIB_FLEETSIM_RUNNER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "tests/testlib/files.h"
#include "tests/testlib/subprocess.h"

namespace fleetsim::testing {

// The repository's root ($FLEETSIM_SRC_DIR, else "."), for conf/ files.
std::string SrcDir();

class FleetsimRun {
 public:
  // Starts bin/fleetsim with `args` plus --stats_file (and --stats_interval=1s unless given).
  static std::unique_ptr<FleetsimRun> Start(const std::vector<std::string>& args,
                                            const std::vector<std::string>& env = {});
  Subprocess& process() { return *proc_; }
  std::string Log() const { return proc_->Log(); }
  const std::string& stats_path() const { return stats_path_; }
  const TempDir& dir() const { return dir_; }
  // Every complete JSON line written so far.
  std::vector<nlohmann::json> Lines() const;
  // The line with "final": true, or null JSON.
  nlohmann::json FinalLine() const;
  // Waits until some line satisfies `pred`.
  bool WaitLine(const std::function<bool(const nlohmann::json&)>& pred, absl::Duration timeout);
  // Waits for exit; returns the exit code, or -1 on timeout.
  int Wait(absl::Duration timeout);

 private:
  FleetsimRun() = default;
  TempDir dir_;
  std::string stats_path_;
  std::unique_ptr<Subprocess> proc_;
};

// --set overrides pointing conf/scenarios/rdp.yaml at a target on these ports.
std::string RdpPortsSet(int access, int report, int user);

}  // namespace fleetsim::testing

#endif  // FLEETSIM_TESTS_TESTLIB_FLEETSIM_RUNNER_H_
