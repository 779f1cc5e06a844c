// Copyright fleetsim authors.
//
// Reload on SIGHUP: build, validate, swap (sniproxy's reload_config). The flagfile and the
// scenario it names are read and compiled completely off to the side; anything wrong is one
// ERROR naming file, line and field, counted, and the running configuration is untouched.
// Otherwise the workers get the new configuration and apply it live (worker_reload.cc),
// the master applies its own part (stats interval, agents, verbosity), and the log says
// which generation is running and what changed.

#include <systemd/sd-daemon.h>

#include <fstream>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "glog/logging.h"
#include "src/master.h"
#include "src/scenario.h"
#include "src/status_macros.h"
#include "src/worker_channel.h"

namespace fleetsim {

namespace {

std::string Dur(const DynDuration& d) {
  return d.var >= 0 ? absl::StrCat("captured var ", d.var) : absl::FormatDuration(d.fixed);
}

std::string RampText(const std::vector<RampPhase>& ramp) {
  std::vector<std::string> parts;
  for (const RampPhase& p : ramp) parts.push_back(absl::StrCat(p.rate, "/s"));
  return parts.empty() ? "unlimited" : absl::StrJoin(parts, ", ");
}

// What changed between two programs and configs, for the acknowledgement line: what applies
// live, and what only to connections made from now on.
std::vector<std::string> Describe(const Program& a, const Program& b, const Config& ca,
                                  const Config& cb) {
  std::vector<std::string> out;
  for (size_t r = 0; r < a.roles.size(); ++r) {
    const Role& x = a.roles[r];
    const Role& y = b.roles[r];
    if (x.count != y.count) {
      out.push_back(absl::StrCat(x.name, ".count ", x.count, " -> ", y.count, " (live)"));
    }
    if (RampText(x.ramp) != RampText(y.ramp)) {
      out.push_back(
          absl::StrCat(x.name, ".ramp ", RampText(x.ramp), " -> ", RampText(y.ramp), " (live)"));
    }
    for (size_t c = 0; c < x.conns.size(); ++c) {
      const ConnSpec& u = x.conns[c];
      const ConnSpec& v = y.conns[c];
      if (a.ports[u.port].port != b.ports[v.port].port) {
        out.push_back(absl::StrCat(x.name, ".", u.name, " port ", a.ports[u.port].port, " -> ",
                                   b.ports[v.port].port, " (new connections)"));
      }
      if (u.open.kind == OpenPolicy::Kind::kEvery && v.open.kind == OpenPolicy::Kind::kEvery &&
          Dur(u.open.every) != Dur(v.open.every)) {
        out.push_back(absl::StrCat(x.name, ".", u.name, " opens every ", Dur(u.open.every), " -> ",
                                   Dur(v.open.every), " (live)"));
      }
      for (size_t s = 0; s < std::min(u.steps.size(), v.steps.size()); ++s) {
        if (u.steps[s].kind == StepKind::kLoop && v.steps[s].kind == StepKind::kLoop &&
            Dur(u.steps[s].duration) != Dur(v.steps[s].duration)) {
          out.push_back(absl::StrCat(x.name, ".", u.name, " loop every ", Dur(u.steps[s].duration),
                                     " -> ", Dur(v.steps[s].duration), " (live)"));
        }
      }
      if (u.steps.size() != v.steps.size()) {
        out.push_back(
            absl::StrCat(x.name, ".", u.name, " steps changed (connections made from now on)"));
      }
    }
  }
  for (const Message& m : b.messages) {
    for (const Message& o : a.messages) {
      if (o.name == m.name && o.format.spec() != m.format.spec()) {
        out.push_back(absl::StrCat("message ", m.name, " format '", o.format.spec(), "' -> '",
                                   m.format.spec(), "' (connections made from now on)"));
      }
    }
  }
  if (ca.stats_interval != cb.stats_interval) {
    out.push_back(absl::StrCat("--stats_interval ", absl::FormatDuration(ca.stats_interval), " -> ",
                               absl::FormatDuration(cb.stats_interval), " (live)"));
  }
  if (ca.agents != cb.agents) out.push_back("--agents changed (live)");
  if (ca.verbosity != cb.verbosity) {
    out.push_back(absl::StrCat("--v ", ca.verbosity, " -> ", cb.verbosity, " (live)"));
  }
  for (const auto& [what, changed] :
       {std::pair<const char*, bool>{"--workers", ca.workers != cb.workers},
        {"--duration", ca.duration != cb.duration},
        {"--stats_file", ca.stats_file != cb.stats_file},
        {"--grace", ca.grace != cb.grace},
        {"--publish_interval", ca.publish_interval != cb.publish_interval},
        {"--histograms", ca.histograms != cb.histograms}}) {
    if (changed) out.push_back(absl::StrCat(what, " changed: applies at the next restart"));
  }
  if (out.empty()) out.push_back("nothing changed");
  return out;
}

// An error about a --set item that came from the flagfile names the file's line.
absl::Status WithFlagfileLine(absl::Status s, const std::string& flagfile) {
  const std::string msg(s.message());
  if (flagfile.empty() || msg.rfind("--set ", 0) != 0) return s;
  const std::string item = msg.substr(6, msg.find(':') - 6);
  std::ifstream in(flagfile);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find("--set") != std::string::npos && line.find(item) != std::string::npos) {
      return absl::Status(s.code(), absl::StrCat(flagfile, ":", n, ": ", msg));
    }
  }
  return s;
}

}  // namespace

absl::StatusOr<Master::Pending> Master::PrepareReload() {
  Pending next;
  next.config = config_;
  if (!config_.flagfile.empty()) {
    RETURN_IF_ERROR(ReloadFlagfile(config_.flagfile));
    absl::StatusOr<Config> c = Config::FromFlags();
    if (!c.ok())
      return absl::InvalidArgumentError(absl::StrCat(config_.flagfile, ": ", c.status().message()));
    next.config = *std::move(c);
    next.config.flagfile = config_.flagfile;
  }
  ASSIGN_OR_RETURN(next.text, ReadScenarioFile(next.config.scenario));
  auto program =
      CompileScenario(next.text, next.config.scenario, next.config.overrides, program_.get());
  if (!program.ok()) return WithFlagfileLine(program.status(), config_.flagfile);
  next.program = *std::move(program);
  const Program& np = *next.program;
  // The shape the workers and the stats are built on stays; everything else may change.
  if (np.roles.size() != program_->roles.size()) {
    return absl::FailedPreconditionError(absl::StrCat(
        next.config.scenario, ": roles were added or removed: restart fleetsim to apply"));
  }
  for (size_t r = 0; r < np.roles.size(); ++r) {
    const Role& a = program_->roles[r];
    const Role& b = np.roles[r];
    if (a.name != b.name) {
      return absl::FailedPreconditionError(absl::StrCat(
          next.config.scenario, ": role '", a.name, "' became '", b.name,
          "' (roles keep their names and order on reload): restart fleetsim to apply"));
    }
    bool same = a.conns.size() == b.conns.size();
    for (size_t c = 0; same && c < a.conns.size(); ++c) same = a.conns[c].name == b.conns[c].name;
    if (!same) {
      return absl::FailedPreconditionError(
          absl::StrCat(next.config.scenario, ": the connections of role '", a.name,
                       "' changed (names or order): restart fleetsim to apply"));
    }
  }
  // It must fit the workers running now: their number is fixed for the run.
  absl::StatusOr<Plan> plan = MakePlan(np, limits_, static_cast<uint32_t>(workers_.size()));
  if (!plan.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the new configuration does not fit the ", workers_.size(),
                     " workers running: ", plan.status().message(), " (restart to re-plan)"));
  }
  if (!next.config.agents.empty() || !config_.agents.empty()) {
    next.collector = std::make_unique<Collector>(next.config.agents, next.config.agent_timeout);
  }
  return next;
}

void Master::Reload() {
  sd_notify(0, "RELOADING=1");
  stats_->ReopenFile();  // after logrotate moved it, whatever becomes of the rest
  if (reload_acks_pending_ > 0) {
    LOG(ERROR) << "SIGHUP: reload " << generation_ + 1 << " refused: generation " << generation_
               << " is still being applied; send SIGHUP again in a moment";
    stats_->AddMasterCount(Counter::kReloadsFailed, 1);
    sd_notify(0, "READY=1");
    return;
  }
  absl::StatusOr<Pending> next = PrepareReload();
  if (!next.ok()) {
    // One ERROR, naming the file, line and field; the running load does not change.
    LOG(ERROR) << "reload refused, configuration generation " << generation_
               << " keeps running: " << next.status().message();
    stats_->AddMasterCount(Counter::kReloadsFailed, 1);
    sd_notify(0, "READY=1");
    return;
  }
  const std::vector<std::string> changes =
      Describe(*program_, *next->program, config_, next->config);
  ++generation_;
  scenario_text_ = std::move(next->text);
  program_ = std::move(next->program);
  // The master's part applies now; fixed-for-the-run settings keep their running values.
  const Config running = config_;
  config_ = next->config;
  for (absl::Duration Config::*fixed :
       {&Config::duration, &Config::grace, &Config::publish_interval}) {
    config_.*fixed = running.*fixed;
  }
  config_.workers = running.workers;
  config_.stats_file = running.stats_file;
  config_.histograms = running.histograms;
  SetVerbosity(config_.verbosity);
  stats_->Reconfigure(*program_, generation_, config_.stats_interval, std::move(next->collector));
  stats_->AddMasterCount(Counter::kReloadsOk, 1);
  LOG(INFO) << "reload: configuration generation " << generation_ << " from " << config_.scenario
            << ": " << absl::StrJoin(changes, "; ");
  // The workers apply it live and acknowledge; READY=1 once all have.
  reload_acks_pending_ = 0;
  for (size_t i = 0; i < workers_.size(); ++i) {
    if (workers_[i].pid <= 0) continue;  // a respawn gets the new setup when it starts
    ControlMsg msg{ControlKind::kReload, 0, generation_};
    if (SendControl(workers_[i].channel, msg, Setup(i).Encode())) ++reload_acks_pending_;
  }
  if (reload_acks_pending_ == 0) sd_notify(0, "READY=1");
}

void Master::OnReloadAck(size_t i, const ControlMsg& ack) {
  if (ack.arg != generation_ || reload_acks_pending_ == 0) return;
  if (ack.status != 0) {
    LOG(ERROR) << "worker " << i << " could not apply configuration generation " << ack.arg
               << " (see its log line); it keeps running the previous one";
  }
  if (--reload_acks_pending_ == 0) {
    LOG(INFO) << "reload: generation " << generation_ << " applied by every worker";
    sd_notify(0, "READY=1");
  }
}

}  // namespace fleetsim
