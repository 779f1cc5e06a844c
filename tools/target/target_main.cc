// Copyright fleetsim authors.
//
// fleetsim-target: the reference RDP/1 server. Parses flags into a TargetConfig, validates
// it, and runs the Master (which forks the workers). See README.md for flags and counters.

#include <cstdio>
#include <string>

#include "gflags/gflags.h"
#include "glog/logging.h"
#include "tools/target/config.h"
#include "tools/target/master.h"

DEFINE_string(host, "127.0.0.1", "IPv4 address to listen on");
DEFINE_string(ports, "7101,7102,7103", "the access, report and user ports, in that order");
DEFINE_int32(procs, 0,
             "worker processes; 0 = enough for --max_connections under the open-files limit, "
             "and at least one per core");
DEFINE_int64(max_connections, 200000, "connections --procs=0 plans for");
DEFINE_int32(heartbeat_s, 30,
             "heartbeat interval told in LOGIN_ACK; a session ends after 3 intervals without "
             "a HEARTBEAT");
DEFINE_string(counters_file, "",
              "write the counters here as JSON on SIGUSR1 and at exit (temp file + rename)");
DEFINE_string(ready_file, "", "written (atomically) once every process listens");
DEFINE_uint64(seed, 1, "fault PRNG seed; process i uses (seed, i)");
DEFINE_int64(max_devices, 1 << 20, "distinct devices the shared session table admits");
DEFINE_int64(max_users, 1 << 18, "distinct users the shared user table admits");
DEFINE_int32(delay_ms, 0, "hold every response this long");
DEFINE_int32(delay_jitter_ms, 0,
             "response delay is uniform in [delay_ms - jitter, delay_ms + jitter], clamped at 0");
DEFINE_double(drop_ratio, 0, "fraction of responses not sent");
DEFINE_double(garbage_ratio, 0, "fraction of responses replaced by random bytes");
DEFINE_double(close_ratio, 0, "fraction of requests answered by closing the connection");
DEFINE_double(busy_ratio, 0, "fraction of LOGINs refused with status 2 (busy)");
DEFINE_bool(fragment_writes, false, "write responses in 1-3 byte pieces, 1 ms apart");
DEFINE_double(stall_at_s, 0, "start of the stall window, in seconds after start");
DEFINE_double(stall_for_s, 0,
              "length of the stall window (0: none); responses due in it are held and all "
              "released when it ends");

namespace {

fleetsim::target::TargetConfig ConfigFromFlags(std::string* error) {
  fleetsim::target::TargetConfig c;
  c.host = FLAGS_host;
  auto ports = fleetsim::target::ParsePorts(FLAGS_ports);
  if (!ports.ok()) {
    *error = std::string(ports.status().message());
    return c;
  }
  c.ports = *ports;
  c.procs = FLAGS_procs;
  c.max_connections = FLAGS_max_connections;
  c.heartbeat_s = FLAGS_heartbeat_s;
  c.counters_file = FLAGS_counters_file;
  c.ready_file = FLAGS_ready_file;
  c.seed = FLAGS_seed;
  if (FLAGS_max_devices < 1 || FLAGS_max_devices > UINT32_MAX || FLAGS_max_users < 1 ||
      FLAGS_max_users > UINT32_MAX) {
    *error = "--max_devices and --max_users must be in [1, 16777216]";
    return c;
  }
  c.max_devices = static_cast<uint32_t>(FLAGS_max_devices);
  c.max_users = static_cast<uint32_t>(FLAGS_max_users);
  c.faults.delay_ms = FLAGS_delay_ms;
  c.faults.delay_jitter_ms = FLAGS_delay_jitter_ms;
  c.faults.drop_ratio = FLAGS_drop_ratio;
  c.faults.garbage_ratio = FLAGS_garbage_ratio;
  c.faults.close_ratio = FLAGS_close_ratio;
  c.faults.busy_ratio = FLAGS_busy_ratio;
  c.faults.fragment_writes = FLAGS_fragment_writes;
  c.faults.stall_at_s = FLAGS_stall_at_s;
  c.faults.stall_for_s = FLAGS_stall_for_s;
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  gflags::SetUsageMessage("the reference RDP/1 server fleetsim is tested against");
  gflags::SetVersionString(FLEETSIM_VERSION);
  gflags::ParseCommandLineFlags(&argc, &argv, /*remove_flags=*/true);
  if (FLAGS_log_dir.empty()) FLAGS_logtostderr = true;  // no log files in /tmp by surprise
  google::InitGoogleLogging(argv[0]);
  if (argc > 1) {
    fprintf(stderr, "fleetsim-target: unexpected argument '%s' (flags only; see --help)\n",
            argv[1]);
    return 1;
  }
  std::string error;
  fleetsim::target::TargetConfig config = ConfigFromFlags(&error);
  if (error.empty()) {
    if (absl::Status s = fleetsim::target::ValidateConfig(config); !s.ok()) {
      error = std::string(s.message());
    }
  }
  if (!error.empty()) {
    fprintf(stderr, "fleetsim-target: %s\n", error.c_str());
    return 1;
  }
  return fleetsim::target::Master(config).Run();
}
