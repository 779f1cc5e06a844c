// Copyright fleetsim authors.
//
// A new configuration, applied live by a worker (the master validated it first). Nothing
// connected is dropped:
//   - A connection whose steps have the same shape in the new program (same kinds, same
//     messages with the same formats, same port and framing) moves to it at once, so new
//     intervals, timeouts, checks and values apply from its next step.
//   - Any other keeps running the program it started with, until it closes; it reconnects
//     under the new one. (Ports and message formats apply to connections made from then on.)
//   - Role counts up: new members, ramped at the new scenario's rate. Down: the highest
//     numbered members stop cleanly (their on_stop steps, e.g. LOGOUT, run first).

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "src/config.h"
#include "src/scenario.h"
#include "src/worker.h"
#include "src/worker_channel.h"
#include "src/worker_setup.h"

namespace fleetsim {

namespace {

// Configuration generations a worker keeps alive at once (connections on old ones).
constexpr size_t kMaxGenerations = 64;

bool SameFraming(const Framing& a, const Framing& b) {
  return a.kind == b.kind && a.offset == b.offset && a.width == b.width &&
         a.big_endian == b.big_endian && a.adjust == b.adjust && a.fixed_size == b.fixed_size &&
         a.delimiter == b.delimiter && a.max_frame == b.max_frame;
}

bool SameSteps(const Program& a, const std::vector<Step>& x, const Program& b,
               const std::vector<Step>& y) {
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i) {
    const Step& s = x[i];
    const Step& t = y[i];
    if (s.kind != t.kind || s.target != t.target || s.exchange != t.exchange) return false;
    if ((s.message == kNoIndex) != (t.message == kNoIndex)) return false;
    if (s.message != kNoIndex &&
        a.messages[s.message].format.spec() != b.messages[t.message].format.spec()) {
      return false;
    }
  }
  return true;
}

// Whether a live connection running `x` of `a` can switch to `y` of `b` mid-flight: its
// step index, buffered bytes and awaited frame all mean the same there.
bool SameShape(const Program& a, const ConnSpec& x, const Program& b, const ConnSpec& y) {
  const Port& pa = a.ports[x.port];
  const Port& pb = b.ports[y.port];
  if (pa.port != pb.port || !SameFraming(a.framings[pa.framing], b.framings[pb.framing])) {
    return false;
  }
  if (x.open.kind != y.open.kind || x.handlers.size() != y.handlers.size()) return false;
  for (size_t i = 0; i < x.handlers.size(); ++i) {
    if (a.messages[x.handlers[i].message].format.spec() !=
        b.messages[y.handlers[i].message].format.spec()) {
      return false;
    }
  }
  return SameSteps(a, x.steps, b, y.steps) && SameSteps(a, x.on_stop, b, y.on_stop);
}

}  // namespace

void Worker::OnReload(const std::string& payload, uint64_t generation) {
  absl::Status s;
  absl::StatusOr<WorkerSetup> setup = WorkerSetup::Decode(payload);
  if (!setup.ok()) {
    s = setup.status();
  } else {
    SetVerbosity(setup->verbosity);
    auto program =
        CompileScenario(setup->scenario_text, setup->scenario_file, setup->overrides, prog_);
    s = program.ok() ? ApplyProgram(*std::move(program)) : program.status();
  }
  if (!s.ok()) LOG(ERROR) << "worker " << opts_.index << ": reload " << generation << ": " << s;
  ControlMsg ack{ControlKind::kAck, s.ok() ? 0u : 1u, generation};
  SendControl(opts_.control_fd, ack);
}

absl::Status Worker::ApplyProgram(std::unique_ptr<Program> program) {
  const Program& np = *program;
  // What the master already checked; a worker never applies what it cannot run.
  if (np.roles.size() != prog_->roles.size()) {
    return absl::FailedPreconditionError("the roles changed: restart to apply");
  }
  for (size_t r = 0; r < np.roles.size(); ++r) {
    const Role& a = prog_->roles[r];
    const Role& b = np.roles[r];
    bool same = a.name == b.name && a.conns.size() == b.conns.size();
    for (size_t c = 0; same && c < a.conns.size(); ++c) same = a.conns[c].name == b.conns[c].name;
    if (!same) {
      return absl::FailedPreconditionError(
          absl::StrCat("role '", a.name, "' or its connections changed: restart to apply"));
    }
  }
  if (np.exchanges.size() > kExchangeSlots) {
    return absl::FailedPreconditionError(
        absl::StrCat("more than ", kExchangeSlots, " exchanges over the run: restart"));
  }
  // A slot for the new generation: one no connection uses any more, or a new one.
  size_t slot = programs_.size();
  for (size_t i = 0; i < programs_.size(); ++i) {
    if (i != cur_ && programs_[i].p == nullptr) slot = i;
  }
  if (slot == programs_.size()) {
    if (programs_.size() >= kMaxGenerations) {
      return absl::ResourceExhaustedError(
          absl::StrCat(kMaxGenerations, " configuration generations still have connections"));
    }
    programs_.emplace_back();
  }
  ProgramSlot& ns = programs_[slot];
  ns.owned = std::move(program);
  ns.p = ns.owned.get();
  ns.conns = 0;
  SetupSlot(&ns);

  // Captured variables keep their indices (the compiler saw the old program); a new one
  // widens every member's row.
  if (np.vars.size() > nvars_) {
    const uint32_t wider = static_cast<uint32_t>(np.vars.size());
    std::vector<uint64_t> vars(devs_.size() * wider, 0);
    for (size_t d = 0; d < devs_.size(); ++d) {
      std::copy_n(&vars_[d * nvars_], nvars_, &vars[d * wider]);
    }
    vars_ = std::move(vars);
    nvars_ = wider;
  }

  // Live connections move to the new generation when their steps mean the same there.
  uint32_t moved = 0, kept = 0;
  for (uint32_t d = 0; d < devs_.size(); ++d) {
    const Device& dev = devs_[d];
    for (int ci = 0; ci < kMaxConnsPerDevice; ++ci) {
      if (dev.conn[ci] == kNoConn) continue;
      Conn* c = conns_.at(dev.conn[ci]);
      if (SameShape(P(c), Spec(c), np, np.roles[dev.role].conns[ci])) {
        const uint8_t old = c->prog;
        c->prog = static_cast<uint8_t>(slot);
        ++ns.conns;
        ReleaseProgram(old);
        ++moved;
      } else {
        ++kept;
      }
    }
  }
  const uint8_t previous = cur_;
  cur_ = static_cast<uint8_t>(slot);
  prog_ = ns.p;
  MaybeFreeProgram(previous);  // freed now if none of its connections is left

  for (size_t r = 0; r < np.roles.size(); ++r) {
    const uint32_t count = np.roles[r].count, n = opts_.num_workers;
    ResizeRole(static_cast<uint16_t>(r), count / n + (opts_.index < count % n ? 1 : 0));
    // The new ramp starts now, for whoever is still to start.
    roles_[r].phase = 0;
    roles_[r].phase_start_ns = 0;
    roles_[r].started_in_phase = 0;
  }
  if (!draining_) ev_timer_start(loop_, &ramp_);
  LOG(INFO) << "worker " << opts_.index << ": new configuration applied; " << moved
            << " connections follow it now, " << kept
            << " keep their old steps until they reconnect";
  return absl::OkStatus();
}

void Worker::ReleaseProgram(uint8_t slot) {
  --programs_[slot].conns;
  MaybeFreeProgram(slot);
}

void Worker::MaybeFreeProgram(uint8_t slot) {
  ProgramSlot& s = programs_[slot];
  if (slot == cur_ || s.conns > 0 || s.p == nullptr) return;
  s.owned.reset();  // null for the program inherited at fork: nothing to free, just forget it
  s.p = nullptr;
  s.dests.clear();
}

void Worker::ResizeRole(uint16_t role, uint32_t members) {
  RoleRun& run = roles_[role];
  if (members > run.owned) Grow(role, members - run.owned);
  if (members < run.active_limit) {
    // The highest-numbered members stop, cleanly: pending ones at once, running ones after
    // their exchange in flight and their on_stop steps.
    for (uint32_t j = members; j < run.active_limit; ++j) StopMember(DeviceOf(role, j));
  } else {
    // Members stopped by an earlier lowering run again.
    for (uint32_t j = run.active_limit; j < members; ++j) {
      Device& dev = devs_[DeviceOf(role, j)];
      if (dev.phase == MemberPhase::kStopped && (dev.flags & Device::kMemberDone)) {
        dev.flags = 0;
        for (int c = 0; c < kMaxConnsPerDevice; ++c) dev.attempts[c] = 0;
        SetPhase(dev, MemberPhase::kPending);
      }
    }
  }
  run.next = std::min(run.next, std::min(members, run.active_limit));
  run.active_limit = members;
  Gauge(role, RoleGauge::kTarget) = members;
}

}  // namespace fleetsim
