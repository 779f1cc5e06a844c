// Copyright fleetsim authors.
//
// worker_setup: everything a worker process needs to build its Program and run, as one
// message the master sends over the control channel: to a worker it re-executed after a
// crash (kSetup), and to every worker on reload (kReload). The scenario travels as text, so
// every process compiles the very bytes the master validated, whatever the file on disk
// says by then.

#ifndef FLEETSIM_SRC_WORKER_SETUP_H_
#define FLEETSIM_SRC_WORKER_SETUP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace fleetsim {

struct WorkerSetup {
  uint64_t generation = 1;  // configuration generation (1 at start, +1 per reload)
  uint32_t index = 0;       // the worker's number and stats slot
  uint32_t num_workers = 1;
  std::string scenario_file;  // for error messages
  std::string scenario_text;
  std::vector<std::string> overrides;  // --set items
  absl::Duration publish_interval = absl::Milliseconds(200);
  bool histograms = true;
  int verbosity = 0;  // --v
  // The running program's exchange and variable order, which a re-executed worker's
  // compile keeps (after a reload it differs from a fresh compile's).
  std::vector<std::string> exchanges;
  std::vector<std::string> vars;

  std::string Encode() const;
  static absl::StatusOr<WorkerSetup> Decode(const std::string& bytes);
};

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_WORKER_SETUP_H_
