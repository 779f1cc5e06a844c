// Copyright fleetsim authors.
//
// fleetsim-agent: serves this host's CPU, memory, disk, network, socket and watched-
// process counters over HTTP for fleetsim's collector (GET /sample) and for Prometheus
// (GET /metrics). Read-only; loopback clients only unless --allow says otherwise.

#include <signal.h>

#include <cstdlib>

#include "absl/strings/numbers.h"
#include "gflags/gflags.h"
#include "glog/logging.h"
#include "src/agent_server.h"
#include "src/duration.h"

DEFINE_string(listen, "127.0.0.1:9310",
              "Numeric address:port to serve on; [::]:9310 or 0.0.0.0:9310 to reach it from "
              "other hosts (then set --allow too).");
DEFINE_string(allow, "127.0.0.0/8,::1/128",
              "Comma-separated client networks (CIDR) allowed; others get 403.");
DEFINE_string(proc_root, "/proc", "Where procfs is mounted (a host's /proc in a container).");
DEFINE_string(sys_root, "/sys", "Where sysfs is mounted.");
DEFINE_int64(watch_pid, 0, "PID of the server under test to sample (CPU, RSS, fds, threads).");
DEFINE_string(watch_name, "",
              "Name of the server under test (comm or argv[0] basename); the oldest match "
              "is followed across restarts. Exclusive with --watch_pid.");
DEFINE_int32(max_clients, 10000,
             "Concurrent connections served; new ones wait in the backlog above this.");
DEFINE_int32(max_request_bytes, 8192, "Largest request line + headers accepted (431 above).");
DEFINE_string(client_timeout, "10s", "Idle connections are closed after this long.");

namespace {

// Fills *config from the flags, or returns the first flag error.
absl::Status ConfigFromFlags(fleetsim::AgentConfig* config) {
  config->listen = FLAGS_listen;
  absl::StatusOr<fleetsim::AllowList> allow = fleetsim::AllowList::Parse(FLAGS_allow);
  if (!allow.ok()) return allow.status();
  config->allow = *allow;
  config->roots.proc = FLAGS_proc_root;
  config->roots.sys = FLAGS_sys_root;
  if (FLAGS_watch_pid < 0) return absl::InvalidArgumentError("--watch_pid must be > 0");
  if (FLAGS_watch_pid > 0 && !FLAGS_watch_name.empty()) {
    return absl::InvalidArgumentError("--watch_pid and --watch_name are exclusive");
  }
  config->watch.pid = FLAGS_watch_pid;
  config->watch.name = FLAGS_watch_name;
  config->max_clients = FLAGS_max_clients;
  if (FLAGS_max_request_bytes < 0) {
    return absl::InvalidArgumentError("--max_request_bytes must be positive");
  }
  config->max_request_bytes = static_cast<size_t>(FLAGS_max_request_bytes);
  absl::StatusOr<absl::Duration> timeout =
      fleetsim::ParseDuration(FLAGS_client_timeout, "--client_timeout");
  if (!timeout.ok()) return timeout.status();
  if (*timeout < absl::Seconds(1)) {
    return absl::InvalidArgumentError("--client_timeout must be at least 1s");
  }
  config->client_timeout = *timeout;
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  FLAGS_logtostderr = true;  // a daemon under systemd: stderr goes to the journal
  gflags::SetUsageMessage(
      "fleetsim-agent [--listen=127.0.0.1:9310] [--allow=CIDR,...] "
      "[--watch_name=NAME | --watch_pid=PID]");
  gflags::SetVersionString(FLEETSIM_VERSION);
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  google::InitGoogleLogging(argv[0]);

  fleetsim::AgentConfig config;
  if (absl::Status s = ConfigFromFlags(&config); !s.ok()) {
    LOG(ERROR) << s.message();
    return 2;
  }
  // Block the stop signals before libmicrohttpd starts its thread (which inherits the
  // mask), then wait for one here: no handler runs async, no work happens in a signal.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  signal(SIGPIPE, SIG_IGN);

  absl::StatusOr<std::unique_ptr<fleetsim::AgentServer>> server =
      fleetsim::AgentServer::Start(std::move(config));
  if (!server.ok()) {
    LOG(ERROR) << server.status().message();
    return 1;
  }
  for (;;) {
    int sig = 0;
    if (sigwait(&stop, &sig) != 0) continue;
    if (sig == SIGHUP) {
      LOG(INFO) << "SIGHUP: nothing to reload (the inventory is read at start)";
      continue;
    }
    LOG(INFO) << "signal " << sig << ": stopping";
    break;
  }
  server->reset();
  return 0;
}
