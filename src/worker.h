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
  uint32_t index = 0;  // this worker's number, also its stats slot
  uint32_t num_workers = 1;
  int control_fd = -1;  // the worker's end of the channel to the master
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
  // A run of a role's members: local numbers j in [first_j, first_j + n) live at
  // devs_[first_d, first_d + n). A role has one segment, plus one per reload that raised
  // its count past what was allocated (devs_ only grows, so indices held elsewhere stay).
  struct Segment {
    uint32_t first_d = 0, first_j = 0, n = 0;
  };
  struct RoleRun {  // one role's members in this worker, and their ramp
    std::vector<Segment> segs;
    uint32_t owned = 0;         // members allocated: local numbers j < owned
    uint32_t active_limit = 0;  // members that should run: j < active_limit
    uint32_t next = 0;          // the ramp's cursor: no pending member below it
    size_t phase = 0;
    int64_t phase_start_ns = 0;  // 0: the phase starts at the next ramp tick
    uint64_t started_in_phase = 0;
  };
  // A configuration generation and the connections still running it. A reload adds one;
  // a slot is freed when it is not current and its last connection closes.
  struct ProgramSlot {
    std::unique_ptr<Program> owned;  // null for the program the worker was built with
    const Program* p = nullptr;
    uint32_t conns = 0;
    std::vector<sockaddr_in> dests;  // [host * ports + port]
  };
  enum class EndHow { kNormal, kFailed, kDrop };

  // worker.cc: lifecycle
  void BuildMembers();
  void Grow(uint16_t role, uint32_t extra);
  uint32_t DeviceOf(uint16_t role, uint32_t j) const;
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
  // The member's index within its role ($index): member i of a role is worker i % n's.
  uint32_t MemberIndex(uint32_t d) const;
  // Timers are keyed per (device, named connection); keys_per_dev_ is the most connections
  // any role of the program has, so an RDP device costs two keys, not kMaxConnsPerDevice.
  uint32_t TimerKey(uint32_t d, uint8_t ci) const { return d * keys_per_dev_ + ci; }

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
  // Writes what the socket takes (*written); false once the connection is lost (and gone).
  bool Write(Conn* c, const char* data, size_t len, size_t* written);
  bool ReadFrames(Conn* c);
  bool HandleFrame(Conn* c, absl::string_view frame);
  bool RunHandlers(Conn* c, absl::string_view frame);
  void BackFill(Conn* c, uint16_t exchange, uint16_t skipped, int64_t latency);
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
  // c's request record, taken from the pool if it has none yet.
  InFlight& Xfer(Conn* c) {
    if (c->xfer == InFlightPool::kNone) c->xfer = xfers_.Acquire();
    return xfers_.at(c->xfer);  // the pool cannot run dry: one per connection at most
  }
  void DropXfer(Conn* c) {
    if (c->xfer == InFlightPool::kNone) return;
    xfers_.Release(c->xfer);
    c->xfer = InFlightPool::kNone;
  }
  // The exchange awaiting an answer on c, or kNoIndex.
  uint16_t PendingExchange(const Conn* c) {
    return c->xfer == InFlightPool::kNone ? kNoIndex : xfers_.at(c->xfer).exchange;
  }
  // The program a connection runs (its generation; the current one for new connections).
  const Program& P(const Conn* c) const { return *programs_[c->prog].p; }
  const ConnSpec& Spec(const Conn* c) const {
    return P(c).roles[devs_[c->device].role].conns[c->ci];
  }

  // worker_reload.cc: a new configuration, applied live
  void OnReload(const std::string& payload, uint64_t generation);
  absl::Status ApplyProgram(std::unique_ptr<Program> program);
  void SetupSlot(ProgramSlot* slot);
  // A connection of generation `slot` closed (or moved to another).
  void ReleaseProgram(uint8_t slot);
  // Frees generation `slot` if it is not current and no connection runs it.
  void MaybeFreeProgram(uint8_t slot);
  void ResizeRole(uint16_t role, uint32_t members);

  static void IoCb(struct ev_loop* loop, ev_io* w, int revents);
  static void TimerCb(void* worker, uint32_t key, int64_t due);
  static void RampCb(struct ev_loop* loop, ev_timer* w, int revents);
  static void PublishCb(struct ev_loop* loop, ev_timer* w, int revents);
  static void DrainCb(struct ev_loop* loop, ev_timer* w, int revents);
  static void ControlCb(struct ev_loop* loop, ev_io* w, int revents);
  static void SignalCb(struct ev_loop* loop, ev_io* w, int revents);

  const Program* prog_;  // the current generation (programs_[cur_].p)
  std::vector<ProgramSlot> programs_;
  uint8_t cur_ = 0;
  uint32_t nvars_ = 0;  // variables per member in vars_
  WorkerOptions opts_;
  StatsSegment* stats_;
  CounterLayout layout_;
  struct ev_loop* loop_ = nullptr;
  ev_timer ramp_, publish_, drain_timer_;
  ev_io control_;
  ev_io sigterm_;  // a signalfd: ev_signal works only on the default loop
  int signal_fd_ = -1;

  uint32_t keys_per_dev_ = 1;
  std::vector<Device> devs_;
  std::vector<uint64_t> vars_;  // devs_.size() * nvars_: captured variables
  std::vector<RoleRun> roles_;
  ConnPool conns_;
  InFlightPool xfers_;
  PreciseTimers timers_;  // one per (device, connection): TimerKey()
  BufferPool bufs_;
  MessageEval eval_;
  std::vector<uint64_t> counters_;
  HistogramArray hists_;        // in fresh zero pages: costs only the buckets in use
  std::unique_ptr<char[]> rx_;  // receive scratch shared by every connection
  std::unique_ptr<char[]> tx_;  // encode scratch (the largest message)
  size_t tx_cap_ = 0;
  bool draining_ = false;
  bool drained_ = false;
  uint32_t open_members_ = 0;  // started and not yet stopped or given up
};

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_WORKER_H_
