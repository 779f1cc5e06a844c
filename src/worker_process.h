// Copyright fleetsim authors.
//
// worker_process: the entry point of a worker the master re-executed after a crash
// (fleetsim --worker_index=N ...). A forked worker needs none of this: it inherits the
// compiled Program; a re-executed one attaches to the stats segment by fd, waits for its
// setup on the control channel, compiles the scenario text it was sent, and runs.

#ifndef FLEETSIM_SRC_WORKER_PROCESS_H_
#define FLEETSIM_SRC_WORKER_PROCESS_H_

namespace fleetsim {

// Where the master puts the two fds a re-executed worker inherits.
inline constexpr int kWorkerChannelFd = 3;
inline constexpr int kWorkerStatsFd = 4;

// Returns the process exit code.
int RunReexecutedWorker(int index, int channel_fd, int stats_fd);

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_WORKER_PROCESS_H_
