// Copyright fleetsim authors.
//
// subprocess: starts a real program for an end-to-end test, with its stdout and stderr
// captured to files, and stops it. Used only by tests.

#ifndef FLEETSIM_TESTS_TESTLIB_SUBPROCESS_H_
#define FLEETSIM_TESTS_TESTLIB_SUBPROCESS_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace fleetsim::testing {

// The directory holding the programs under test: $FLEETSIM_BIN_DIR, else "bin".
std::string BinDir();
// BinDir() + "/" + name.
std::string BinPath(const std::string& name);

// A running child process. Killed with SIGKILL on destruction if still running.
class Subprocess {
 public:
  // Starts argv[0] (a path) with argv; stdout and stderr go to `log_path` (appended).
  // `env` entries ("K=V") are added to the parent's environment.
  static Subprocess Start(const std::vector<std::string>& argv, const std::string& log_path,
                          const std::vector<std::string>& env = {});
  Subprocess(Subprocess&& other) noexcept;
  Subprocess& operator=(Subprocess&& other) noexcept;
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;
  ~Subprocess();

  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }
  bool running();
  void Signal(int sig);
  // Waits up to `timeout` for exit. Returns the raw wait status, or nullopt on timeout.
  std::optional<int> Wait(absl::Duration timeout);
  // SIGTERM, then SIGKILL after `grace`. Returns the wait status.
  int Stop(absl::Duration grace = absl::Seconds(10));
  // The captured output so far.
  std::string Log() const;

 private:
  Subprocess() = default;
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string log_path_;
};

// Exit code if the process exited normally, else 128 + signal (as a shell reports it).
int ExitCode(int wait_status);

}  // namespace fleetsim::testing

#endif  // FLEETSIM_TESTS_TESTLIB_SUBPROCESS_H_
