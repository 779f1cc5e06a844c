// Copyright fleetsim authors.
//
// agent_server: fleetsim-agent's HTTP endpoint on libmicrohttpd. Read-only: GET (or HEAD)
// /metrics (Prometheus text) and /sample (JSON, sample_wire.h); 404 for other paths,
// 405 for other methods, 413 for a request body, 403 for clients outside --allow.
// libmicrohttpd parses HTTP, bounds each connection's memory (so oversized headers get
// 431/414 and malformed requests 400), limits concurrent connections and drops idle
// ones. It runs one internal epoll thread, which is the only thread calling the handler.

#ifndef FLEETSIM_SRC_AGENT_SERVER_H_
#define FLEETSIM_SRC_AGENT_SERVER_H_

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "src/cidr.h"
#include "src/host_sample.h"
#include "src/inventory.h"
#include "src/process_watcher.h"

struct MHD_Daemon;
struct MHD_Connection;

namespace fleetsim {

struct AgentConfig {
  std::string listen = "127.0.0.1:9310";    // --listen (numeric host:port; port 0 = any)
  AllowList allow = AllowList::Loopback();  // --allow
  SysRoots roots;                           // --proc_root, --sys_root
  WatchSpec watch;                          // --watch_pid, --watch_name
  // --max_clients. Above the limit libmicrohttpd stops accepting until a connection
  // closes, so the limit must exceed the idle connections a misbehaving peer may hold
  // (each costs ~10 KiB); --client_timeout is what reclaims them.
  int max_clients = 10000;
  size_t max_request_bytes = 8192;                    // --max_request_bytes: request line + headers
  absl::Duration client_timeout = absl::Seconds(10);  // --client_timeout: idle connections
};

// Counts of handled requests by outcome (exported on /metrics). Errors libmicrohttpd
// answers itself (400, 414, 431) and connections refused at the limit are not seen here.
struct AgentRequestCounts {
  std::atomic<uint64_t> ok{0}, forbidden{0}, not_found{0}, bad_method{0}, body_refused{0};
};

class AgentServer {
 public:
  // Binds, reads the inventory once and starts serving. Errors (bad address, port in
  // use, fd limit) are returned with what to change. Raises RLIMIT_NOFILE's soft limit
  // toward max_clients; clamps max_clients (logged) if the hard limit is lower.
  static absl::StatusOr<std::unique_ptr<AgentServer>> Start(AgentConfig config);
  ~AgentServer();  // stops the daemon, closing every connection
  AgentServer(const AgentServer&) = delete;
  AgentServer& operator=(const AgentServer&) = delete;

  // The bound address, e.g. "127.0.0.1:9310".
  const std::string& address() const { return address_; }
  int max_clients() const { return config_.max_clients; }
  const AgentRequestCounts& counts() const { return counts_; }

 private:
  friend struct AgentServerCallbacks;  // libmicrohttpd's C callbacks, in the .cc
  explicit AgentServer(AgentConfig config);
  int Handle(MHD_Connection* c, const char* url, const char* method, size_t* upload_data_size,
             void** con_cls);
  std::string RenderMetrics();
  std::string RenderSample();

  const AgentConfig config_;
  std::string address_;
  Inventory inventory_;
  std::optional<uint64_t> real_btime_;  // for the agent's own start time
  AgentRequestCounts counts_;
  std::mutex mu_;  // the daemon has one thread; this keeps the sampler safe regardless
  HostSampler sampler_ ABSL_GUARDED_BY(mu_);
  ProcessWatcher self_watcher_ ABSL_GUARDED_BY(mu_);
  MHD_Daemon* daemon_ = nullptr;
};

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_AGENT_SERVER_H_
