// Copyright fleetsim authors.
//
// worker: one process, one libev loop, a disjoint slice of every role's members (member i
// of a role belongs to worker i % num_workers). Owns the Devices, the Conn slab, the timer
// heap, the receive scratch buffer, its counters and histograms, and publishes them to its
// slot of the stats segment on a timer. Single-threaded; nothing here is shared except the
// stats slot (written with the segment's seqlock) and the control channel.
//
// worker.cc holds the lifecycle (members, ramp, drain, control, publishing, timers);
// conn_machine.cc holds the connection state machine (open, drive steps, I/O, frames).

#ifndef FLEETSIM_SRC_WORKER_H_
#define FLEETSIM_SRC_WORKER_H_

#include <ev.h>
#include <netinet/in.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "src/buffer_pool.h"
#include "src/counters.h"
#include "src/device.h"
#include "src/histogram.h"
#include "src/histogram_array.h"
#include "src/message_eval.h"
#include "src/precise_timers.h"
#include "src/program.h"
#include "src/stats_segment.h"

namespace fleetsim {

struct WorkerOptions {
  uint32_t index = 0;          // this worker's number, also its stats slot
  uint32_t num_workers = 1;
  int control_fd = -1;         // the worker's end of the channel to the master
  absl::Duration publish_interval = absl::Milliseconds(200);
  // Tests and benchmarks: record no histograms (to measure what they cost).
  bool histograms = true;
};

class Worker {
 public:
  // REQUIRES: `program` and `stats` outlive the worker; stats has a slot `opts.index`
  // laid out for the program (CounterLayout).
  Worker(const Program* program, const WorkerOptions& opts, StatsSegment* stats);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Runs until drained (kDrain from the master, SIGTERM, or the master gone). Returns the
  // process exit code.
  int Run();

 private:
  struct RoleRun {        // the ramp of one role in this worker
    uint32_t first = 0;   // its members: devs_[first, first + owned)
    uint32_t owned = 0;
    uint32_t started = 0;  // members started so far (in member order)
    uint32_t active_limit = 0;  // members that should run (count lowered by reload: fewer)
    size_t phase = 0;
    int64_t phase_start_ns = 0;
    uint32_t started_at_phase_start = 0;
  };
  enum class EndHow { kNormal, kFailed, kDrop };

  // worker.cc: lifecycle
  void BuildMembers();
  void OnRampTick();
  void StartMember(uint32_t d);
  void StopMember(uint32_t d);
  void MaybeFinishMember(uint32_t d);
  void BeginDrain(absl::Duration grace);
  void CheckDrained();
  void OnControl();
  void Publish();
  void OnTimer(uint32_t key, int64_t due);
  void SetPhase(Device& dev, MemberPhase p);
  uint64_t& Count(Counter c) { return counters_[static_cast<uint32_t>(c)]; }
  uint64_t& CountError(ErrorClass e) {
    return counters_[static_cast<uint32_t>(Counter::kErrorsBase) + static_cast<uint32_t>(e)];
  }
  uint64_t& CountExchange(uint16_t x, ExchangeCounter c) {
    return counters_[layout_.ExchangeBase(x) + static_cast<uint32_t>(c)];
  }
  uint64_t& Gauge(uint16_t role, RoleGauge g) {
    return counters_[layout_.RoleBase(role) + static_cast<uint32_t>(g)];
  }
  void Record(uint32_t hist, int64_t ns) {
    if (opts_.histograms) hists_[hist].Add(ns);
  }
  int64_t Resolve(const DynDuration& d, uint32_t dev) const;
  MemberContext Context(uint32_t d, uint32_t seq) const;
  static uint32_t TimerKey(uint32_t d, uint8_t ci) { return d * kMaxConnsPerDevice + ci; }

  // conn_machine.cc: the connection state machine
  // `nominal`: the period a periodic connection opens for (0 otherwise).
  void OpenConn(uint32_t d, uint8_t ci, int64_t nominal);
  void OnIo(Conn* c, int revents);
  void OnConnected(Conn* c);
  bool Drive(Conn* c);
  // `request`: the message starts an exchange awaiting an answer (its send time is kept for
  // latency); a reply to a push is not.
  bool SendMessage(Conn* c, uint16_t message, uint16_t exchange, bool request);
  bool Flush(Conn* c);
  bool ReadFrames(Conn* c);
  bool HandleFrame(Conn* c, absl::string_view frame);
  bool RunHandlers(Conn* c, absl::string_view frame);
  void BackFill(Conn* c, uint16_t exchange, int64_t latency);
  void OnConnTimer(Conn* c);
  void OnSlotTimer(uint32_t d, uint8_t ci, int64_t due);
  bool FailStep(Conn* c, ErrorClass cls, const Step* step);
  void ConnLost(Conn* c, ErrorClass cls);
  void EndConn(Conn* c, EndHow how, FailAction action);
  // What a closed connection does next: back off, wait for its next period, or finish its
  // member. `nominal`: the period a periodic connection was opened for.
  void AfterClose(uint32_t d, uint8_t ci, EndHow how, FailAction action, int64_t nominal);
  void NextPeriod(uint32_t d, uint8_t ci, int64_t nominal);
  void ScheduleSlot(uint32_t d, uint8_t ci, SlotState s, int64_t due_ns);
  void UpdateInterest(Conn* c);
  const ConnSpec& Spec(const Conn* c) const { return prog_->roles[devs_[c->device].role].conns[c->ci]; }

  static void IoCb(struct ev_loop* loop, ev_io* w, int revents);
  static void TimerCb(void* worker, uint32_t key, int64_t due);
  static void RampCb(struct ev_loop* loop, ev_timer* w, int revents);
  static void PublishCb(struct ev_loop* loop, ev_timer* w, int revents);
  static void DrainCb(struct ev_loop* loop, ev_timer* w, int revents);
  static void ControlCb(struct ev_loop* loop, ev_io* w, int revents);
  static void SignalCb(struct ev_loop* loop, ev_io* w, int revents);

  const Program* prog_;
  WorkerOptions opts_;
  StatsSegment* stats_;
  CounterLayout layout_;
  struct ev_loop* loop_ = nullptr;
  ev_timer ramp_, publish_, drain_timer_;
  ev_io control_;
  ev_io sigterm_;     // a signalfd: ev_signal works only on the default loop
  int signal_fd_ = -1;

  std::vector<Device> devs_;
  std::vector<uint64_t> vars_;  // devs_.size() * prog_->vars.size(): captured variables
  std::vector<RoleRun> roles_;
  ConnPool conns_;
  PreciseTimers timers_;  // one per (device, connection): TimerKey()
  BufferPool bufs_;
  MessageEval eval_;
  std::vector<sockaddr_in> dests_;  // [host * ports + port]
  std::vector<uint64_t> counters_;
  HistogramArray hists_;            // in fresh zero pages: costs only the buckets in use
  std::unique_ptr<char[]> rx_;      // receive scratch shared by every connection
  std::unique_ptr<char[]> tx_;      // encode scratch (the largest message)
  size_t tx_cap_ = 0;
  bool draining_ = false;
  bool drained_ = false;
  uint32_t open_members_ = 0;  // started and not yet stopped or given up
};

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_WORKER_H_
