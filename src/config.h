// Copyright fleetsim authors.
//
// config: the daemon's settings, read from flags in exactly one place (Config::FromFlags);
// nothing else reads FLAGS_*. A reload (SIGHUP) re-reads the flagfile into a new Config
// beside the running one, so a bad file changes nothing.

#ifndef FLEETSIM_SRC_CONFIG_H_
#define FLEETSIM_SRC_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace fleetsim {

struct Config {
  std::string scenario;                // --scenario
  std::vector<std::string> overrides;  // --set (every occurrence, split at commas)
  absl::Duration duration;             // --duration; InfiniteDuration() = until SIGTERM
  uint32_t workers = 0;                // --workers; 0 = plan them
  absl::Duration stats_interval;       // --stats_interval
  std::string stats_file;              // --stats_file; "" = no JSON lines
  std::vector<std::string> agents;     // --agents (host:port)
  absl::Duration agent_timeout;        // --agent_timeout
  absl::Duration grace;                // --grace: how long a stop may take
  absl::Duration publish_interval;     // --publish_interval: workers -> stats segment
  bool histograms = true;              // --histograms (off only to measure their cost)
  bool check = false;                  // --check: validate, dump device 0's messages, exit
  std::string flagfile;                // --flagfile (re-read on SIGHUP)
  int verbosity = 0;                   // --v

  // Builds a Config from the current flag values. Errors name the flag.
  static absl::StatusOr<Config> FromFlags();
};

// Re-reads `flagfile` into the flags (so FromFlags sees its values). Every line is checked
// before any flag is set: an error names the file and line (an unknown flag, a value of the
// wrong type) and leaves the flags as they were. The daemon's own flags the file does not
// set go back to their defaults, and the --set list is the file's.
absl::Status ReloadFlagfile(const std::string& flagfile);

// Every --set value given so far, in order (gflags keeps only the last; we keep them all).
const std::vector<std::string>& SetFlagValues();

// How this process was started: as the daemon (index < 0), or as a worker the master
// re-executed after a crash (internal flags --worker_index, --worker_fd, --stats_fd).
struct WorkerInvocation {
  int index = -1;
  int channel_fd = -1;
  int stats_fd = -1;
};
WorkerInvocation WorkerInvocationFromFlags();

// glog from the flags: with --log_dir, files and their fleetsim.INFO (etc.) symlinks that
// tail -F follows, every line also on stderr (for the journal); without, stderr only. Lines
// are written as they happen, not after glog's default 30 s of buffering. A re-executed
// worker logs to stderr only: the files belong to the master.
void ConfigureLogging(bool reexecuted_worker);

// --v, changed on reload.
void SetVerbosity(int v);

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_CONFIG_H_
