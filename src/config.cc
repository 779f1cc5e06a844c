// Copyright fleetsim authors.

#include "src/config.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gflags/gflags.h"
#include "glog/logging.h"
#include "src/duration.h"
#include "src/scenario.h"
#include "src/status_macros.h"

DEFINE_string(scenario, "conf/scenarios/rdp.yaml",
              "Scenario file (YAML) describing the fleet "
              "and its protocol; see conf/scenarios/README.md.");
DEFINE_string(set, "",
              "Override scenario scalars without editing the file: KEY=VALUE[,...], "
              "e.g. device.count=5000,user.count=0. May be given several times.");
DEFINE_string(duration, "0",
              "Run for this long, then stop gracefully (500ms, 30s, 2m); "
              "0 = until SIGTERM/SIGINT.");
DEFINE_uint32(workers, 0,
              "Worker processes; 0 = one per core, more when the open-files "
              "limit demands.");
DEFINE_string(stats_interval, "1s", "How often a stats line is written (log and --stats_file).");
DEFINE_string(stats_file, "",
              "Append one JSON object per stats interval to this file "
              "(JSON lines; reopened on SIGHUP for logrotate). Empty: log only.");
DEFINE_string(agents, "", "fleetsim-agent endpoints to poll each interval: host:port,...");
DEFINE_string(agent_timeout, "500ms", "How long one poll of the agents may take.");
DEFINE_string(grace, "10s",
              "On stop: how long members may take to finish their exchange "
              "and closing steps before they are cut off.");
DEFINE_string(publish_interval, "200ms",
              "How often workers publish their counters to the "
              "master (bounds how stale a stats line can be).");
DEFINE_bool(histograms, true,
            "Record latency histograms (turn off only to measure their "
            "cost).");
DEFINE_bool(check, false,
            "Validate --scenario, print every message of member 0 of each "
            "role as a hex dump with its fields, and exit 0 (valid) or 1.");

DECLARE_string(flagfile);  // defined by gflags itself

namespace fleetsim {

namespace {

std::vector<std::string>& SetValues() {
  static auto* values = new std::vector<std::string>();
  return *values;
}

// gflags keeps only the last value of a repeated flag; a validator sees every one.
bool AccumulateSet(const char*, const std::string& value) {
  if (!value.empty()) SetValues().push_back(value);
  return true;
}
const bool kSetValidator = gflags::RegisterFlagValidator(&FLAGS_set, &AccumulateSet);

absl::StatusOr<absl::Duration> DurationFlag(const std::string& value, const char* name,
                                            bool zero_is_infinite) {
  ASSIGN_OR_RETURN(absl::Duration d, ParseDuration(value, absl::StrCat("--", name)));
  if (d == absl::ZeroDuration() && zero_is_infinite) return absl::InfiniteDuration();
  if (d == absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat("--", name, " must be positive"));
  }
  return d;
}

}  // namespace

const std::vector<std::string>& SetFlagValues() { return SetValues(); }

absl::StatusOr<Config> Config::FromFlags() {
  (void)kSetValidator;
  Config c;
  c.scenario = FLAGS_scenario;
  ASSIGN_OR_RETURN(c.overrides, SplitOverrides(SetValues()));
  ASSIGN_OR_RETURN(c.duration, DurationFlag(FLAGS_duration, "duration", true));
  c.workers = FLAGS_workers;
  if (c.workers > 4096) return absl::InvalidArgumentError("--workers: at most 4096");
  ASSIGN_OR_RETURN(c.stats_interval, DurationFlag(FLAGS_stats_interval, "stats_interval", false));
  c.stats_file = FLAGS_stats_file;
  for (absl::string_view a : absl::StrSplit(FLAGS_agents, ',', absl::SkipWhitespace())) {
    if (a.find(':') == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("--agents: '", a, "' is not host:port"));
    }
    c.agents.emplace_back(a);
  }
  ASSIGN_OR_RETURN(c.agent_timeout, DurationFlag(FLAGS_agent_timeout, "agent_timeout", false));
  ASSIGN_OR_RETURN(c.grace, DurationFlag(FLAGS_grace, "grace", false));
  ASSIGN_OR_RETURN(c.publish_interval,
                   DurationFlag(FLAGS_publish_interval, "publish_interval", false));
  c.histograms = FLAGS_histograms;
  c.check = FLAGS_check;
  c.flagfile = FLAGS_flagfile;
  c.verbosity = FLAGS_v;
  return c;
}

absl::Status ReloadFlagfile(const std::string& flagfile) {
  std::ifstream in(flagfile);
  if (!in) return absl::NotFoundError(absl::StrCat(flagfile, ": cannot read flagfile"));
  std::stringstream ss;
  ss << in.rdbuf();
  SetValues().clear();
  // errors_are_fatal=false: an unknown flag is reported, not an exit.
  if (!gflags::ReadFlagsFromString(ss.str(), "fleetsim", /*errors_are_fatal=*/false)) {
    return absl::InvalidArgumentError(absl::StrCat(flagfile,
                                                   ": a flag in it is unknown or "
                                                   "has a bad value (see the log line above)"));
  }
  return absl::OkStatus();
}

}  // namespace fleetsim
