// Copyright fleetsim authors.
//
// worker_channel: master <-> worker commands over a SOCK_SEQPACKET socketpair, one message
// per packet: a fixed header, then an optional payload (a scenario for kReload). Workers read
// it from an ev_io watcher; the master writes and reads it on its own loop.

#ifndef FLEETSIM_SRC_WORKER_CHANNEL_H_
#define FLEETSIM_SRC_WORKER_CHANNEL_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace fleetsim {

enum class ControlKind : uint32_t {
  // master -> worker
  kDrain = 1,   // stop ramping, run the members' closing steps; arg = grace in ms
  kReload = 2,  // a new configuration: payload = WorkerSetup, arg = generation
  kSetup = 3,   // the configuration a re-executed worker starts with: payload = WorkerSetup
  // worker -> master
  kReady = 10,    // the loop runs; arg = members owned
  kDrained = 11,  // every member stopped and the last stats are published; exiting
  kAck = 12,      // the reload of generation `arg` applied (or failed: see `status`)
};

struct ControlMsg {
  ControlKind kind;
  uint32_t status;  // kAck: 0 applied, else failed
  uint64_t arg;
};
static_assert(sizeof(ControlMsg) == 16, "the wire header is 16 bytes");

// Creates the pair: fds[0] for the master, fds[1] for the worker (close-on-exec off for
// fds[1] so a re-exec'd worker keeps it).
absl::Status MakeChannel(int fds[2]);

// Sends one message (header + payload). Returns false if the peer is gone.
bool SendControl(int fd, const ControlMsg& msg, const std::string& payload = "");

enum class RecvResult { kMessage, kNone, kClosed };
// Receives one message without blocking.
RecvResult RecvControl(int fd, ControlMsg* msg, std::string* payload);

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_WORKER_CHANNEL_H_
