// Copyright fleetsim authors.

#include "src/config.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
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
// Internal: how the master re-executes a worker after a crash.
DEFINE_int32(worker_index, -1, "(internal) run as worker N of a running master");
DEFINE_int32(worker_fd, -1, "(internal) the worker's control channel");
DEFINE_int32(stats_fd, -1, "(internal) the master's stats segment");
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

WorkerInvocation WorkerInvocationFromFlags() {
  return WorkerInvocation{FLAGS_worker_index, FLAGS_worker_fd, FLAGS_stats_fd};
}

void ConfigureLogging(bool reexecuted_worker) {
  FLAGS_logbufsecs = 0;
  if (reexecuted_worker || FLAGS_log_dir.empty()) FLAGS_logtostderr = true;
  FLAGS_alsologtostderr = !FLAGS_logtostderr;
}

void SetVerbosity(int v) { FLAGS_v = v; }

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
  if (!in) {
    return absl::NotFoundError(absl::StrCat(flagfile, ": cannot read flagfile: ", strerror(errno)));
  }
  // Checked completely before anything is set, so a bad file changes no flag.
  struct Item {
    std::string name, value;
  };
  std::vector<Item> items;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    absl::string_view l = absl::StripAsciiWhitespace(line);
    if (l.empty() || l[0] == '#') continue;
    auto fail = [&](const std::string& why) {
      return absl::InvalidArgumentError(absl::StrCat(flagfile, ":", n, ": ", why));
    };
    if (!absl::ConsumePrefix(&l, "--") && !absl::ConsumePrefix(&l, "-")) {
      return fail(absl::StrCat("'", l, "' is not a flag (--name=value)"));
    }
    const size_t eq = l.find('=');
    Item item{std::string(l.substr(0, eq)),
              eq == absl::string_view::npos ? "" : std::string(l.substr(eq + 1))};
    gflags::CommandLineFlagInfo info;
    bool negated = false;
    if (!gflags::GetCommandLineFlagInfo(item.name.c_str(), &info) &&
        item.name.rfind("no", 0) == 0 &&
        gflags::GetCommandLineFlagInfo(item.name.substr(2).c_str(), &info) && info.type == "bool") {
      negated = true;  // --nohistograms
    } else if (!gflags::GetCommandLineFlagInfo(item.name.c_str(), &info)) {
      return fail(absl::StrCat("unknown flag --", item.name));
    }
    if (item.name == "flagfile") return fail("--flagfile inside a flagfile is not supported");
    if (info.type == "bool") {
      if (negated) {
        item = Item{info.name, "false"};
      } else if (eq == absl::string_view::npos) {
        item.value = "true";
      }
      bool b;
      if (!absl::SimpleAtob(item.value, &b)) {
        return fail(absl::StrCat("--", item.name, ": '", item.value, "' is not true or false"));
      }
    } else if (info.type != "string") {
      double d;
      if (!absl::SimpleAtod(item.value, &d)) {
        return fail(absl::StrCat("--", item.name, ": '", item.value, "' is not a number"));
      }
    }
    items.push_back(std::move(item));
  }
  // What the file does not say takes its default, as at a start with only --flagfile.
  for (const char* name :
       {"scenario", "duration", "workers", "stats_interval", "stats_file", "agents",
        "agent_timeout", "grace", "publish_interval", "histograms", "v"}) {
    gflags::CommandLineFlagInfo info;
    if (gflags::GetCommandLineFlagInfo(name, &info)) {
      gflags::SetCommandLineOption(name, info.default_value.c_str());
    }
  }
  SetValues().clear();
  for (const Item& item : items) {
    if (gflags::SetCommandLineOption(item.name.c_str(), item.value.c_str()).empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(flagfile, ": --", item.name, ": bad value '", item.value, "'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace fleetsim
