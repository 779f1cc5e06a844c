// Copyright fleetsim authors.
//
// target_server: runs bin/fleetsim-target for an end-to-end test, on free loopback ports,
// with its counters and ready files in a TempDir, and reads its counters file (SIGUSR1,
// then wait for a newer snapshot). Used by the target's own tests and by any test that
// needs a real RDP/1 server.

#ifndef FLEETSIM_TESTS_TESTLIB_TARGET_SERVER_H_
#define FLEETSIM_TESTS_TESTLIB_TARGET_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "tests/testlib/files.h"
#include "tests/testlib/subprocess.h"

namespace fleetsim::testing {

class TargetServer {
 public:
  // Starts the target with `flags` (e.g. {"--procs=2", "--drop_ratio=1"}) plus --ports,
  // --counters_file and --ready_file of its own, and waits (up to 10 s) for the ready file.
  // Retries with other ports if the first ones were taken meanwhile. Returns null, with
  // the reason (and the target's log) in *error, if it never became ready.
  static std::unique_ptr<TargetServer> Start(const std::vector<std::string>& flags,
                                             std::string* error);
  ~TargetServer();

  int access_port() const { return ports_[0]; }
  int report_port() const { return ports_[1]; }
  int user_port() const { return ports_[2]; }
  const std::string& counters_path() const { return counters_path_; }
  Subprocess& process() { return *proc_; }
  std::string Log() const { return proc_->Log(); }
  // Milliseconds from just before the spawn to the ready file's appearance.
  int64_t ready_after_ms() const { return ready_after_ms_; }
  absl::Time spawned_at() const { return spawned_at_; }

  // The counters file as it is now (null JSON if absent or unparsable).
  nlohmann::json ReadCounters() const;
  // Sends SIGUSR1 and waits (up to 5 s) for a snapshot newer than any seen before; returns
  // it (null JSON on timeout).
  nlohmann::json Counters();
  // Takes fresh snapshots until `pred` holds on one (returned in *last) or `timeout`.
  bool WaitCounters(const std::function<bool(const nlohmann::json&)>& pred, absl::Duration timeout,
                    nlohmann::json* last = nullptr);
  // SIGTERM; waits up to `grace`; returns the exit code (ExitCode of the wait status).
  int Stop(absl::Duration grace = absl::Seconds(10));

 private:
  TargetServer() = default;
  TempDir dir_;
  std::vector<int> ports_;
  std::string counters_path_;
  std::unique_ptr<Subprocess> proc_;
  int64_t last_snapshot_ = 0;
  int64_t ready_after_ms_ = 0;
  absl::Time spawned_at_;
};

}  // namespace fleetsim::testing

#endif  // FLEETSIM_TESTS_TESTLIB_TARGET_SERVER_H_
