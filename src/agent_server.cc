// Copyright fleetsim authors.

#include "src/agent_server.h"

#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "src/agent_metrics.h"
#include "src/mono_clock.h"
#include "src/net_address.h"
#include "src/proc_cpu.h"
#include "src/sample_wire.h"
#include "src/unique_fd.h"

namespace fleetsim {

struct AgentServerCallbacks {
  static MHD_Result Access(void* cls, MHD_Connection* c, const char* url, const char* method,
                           const char* /*version*/, const char* /*upload_data*/,
                           size_t* upload_data_size, void** con_cls) {
    return static_cast<AgentServer*>(cls)->Handle(c, url, method, upload_data_size, con_cls)
               ? MHD_YES
               : MHD_NO;
  }

  // libmicrohttpd's own messages ("Server reached connection limit", bad requests): one
  // per 10 s at most, so a flood cannot fill the disk.
  static void Log(void* /*cls*/, const char* fmt, va_list ap) {
    char buf[512];
    vsnprintf(buf, sizeof(buf), fmt, ap);
    LOG_EVERY_T(WARNING, 10) << "libmicrohttpd: " << buf;
  }
};

namespace {

int kConnectionMarker;  // *con_cls value once a request's headers have been handled

bool Respond(MHD_Connection* c, unsigned int code, const std::string& body,
             const char* content_type, bool close) {
  MHD_Response* r = MHD_create_response_from_buffer(body.size(), const_cast<char*>(body.data()),
                                                    MHD_RESPMEM_MUST_COPY);
  if (r == nullptr) return false;
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
  if (code == MHD_HTTP_METHOD_NOT_ALLOWED) MHD_add_response_header(r, "Allow", "GET, HEAD");
  if (close) MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
  const MHD_Result ok = MHD_queue_response(c, code, r);
  MHD_destroy_response(r);
  return ok == MHD_YES;
}

absl::StatusOr<UniqueFd> Listen(const std::string& listen, std::string* bound) {
  absl::StatusOr<SockAddr> addr = ParseNumericHostPort(listen, /*allow_port_zero=*/true);
  if (!addr.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--listen: ", addr.status().message()));
  }
  UniqueFd fd(socket(addr->family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return absl::InternalError(absl::StrCat("socket: ", strerror(errno)));
  int one = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (addr->family() == AF_INET6) {
    int zero = 0;  // "[::]:port" also takes IPv4 clients; the allow list sees them as IPv4
    setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
  }
  if (bind(fd.get(), addr->get(), addr->len) != 0) {
    return absl::UnavailableError(absl::StrCat("--listen=", listen, ": bind: ", strerror(errno)));
  }
  // The kernel caps the backlog at net.core.somaxconn.
  if (::listen(fd.get(), 4096) != 0) {
    return absl::UnavailableError(absl::StrCat("listen: ", strerror(errno)));
  }
  SockAddr got;
  got.len = sizeof(got.ss);
  getsockname(fd.get(), reinterpret_cast<sockaddr*>(&got.ss), &got.len);
  *bound = FormatSockAddr(got.get());
  return fd;
}

// Each connection needs an fd; keep 64 for /proc reads, logs and the listen socket.
int FitToFdLimit(int max_clients) {
  constexpr rlim_t kReserve = 64;
  rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return max_clients;
  const rlim_t want = static_cast<rlim_t>(max_clients) + kReserve;
  if (rl.rlim_cur < want) {
    rl.rlim_cur = std::min(want, rl.rlim_max);
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
  }
  if (rl.rlim_cur < want) {
    const int fit = rl.rlim_cur > kReserve ? static_cast<int>(rl.rlim_cur - kReserve) : 1;
    LOG(WARNING) << "--max_clients=" << max_clients << " lowered to " << fit
                 << ": RLIMIT_NOFILE is " << rl.rlim_cur << " (raise the hard limit)";
    return fit;
  }
  return max_clients;
}

}  // namespace

AgentServer::AgentServer(AgentConfig config)
    : config_(std::move(config)),
      sampler_(config_.roots, config_.watch, getpid()),
      self_watcher_("/proc", WatchSpec{getpid(), ""}, sysconf(_SC_PAGESIZE), 0) {}

absl::StatusOr<std::unique_ptr<AgentServer>> AgentServer::Start(AgentConfig config) {
  if (config.max_clients < 1) return absl::InvalidArgumentError("--max_clients must be >= 1");
  if (config.max_request_bytes < 1024) {
    return absl::InvalidArgumentError("--max_request_bytes must be >= 1024");
  }
  config.max_clients = FitToFdLimit(config.max_clients);
  std::unique_ptr<AgentServer> s(new AgentServer(std::move(config)));
  absl::StatusOr<UniqueFd> fd = Listen(s->config_.listen, &s->address_);
  if (!fd.ok()) return fd.status();
  s->inventory_ = ReadInventory(s->config_.roots);
  if (absl::StatusOr<std::string> st = ReadProcFile("/proc/stat"); st.ok()) {
    s->real_btime_ = ParseProcStat(*st).btime;
  }
  const unsigned int timeout_s = static_cast<unsigned int>(
      std::max<int64_t>(1, absl::ToInt64Seconds(s->config_.client_timeout)));
  // The pool holds the request line, headers and the response headers; a request that
  // does not fit is answered 431/414 by libmicrohttpd. Bodies are refused (413) anyway.
  const size_t pool = s->config_.max_request_bytes + 4096;
  // clang-format off
  s->daemon_ = MHD_start_daemon(
      MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, nullptr, nullptr,
      &AgentServerCallbacks::Access, s.get(),
      // The logger must come first, or libmicrohttpd prints early messages itself.
      MHD_OPTION_EXTERNAL_LOGGER, &AgentServerCallbacks::Log, nullptr,
      MHD_OPTION_LISTEN_SOCKET, fd->get(),
      MHD_OPTION_CONNECTION_LIMIT, static_cast<unsigned int>(s->config_.max_clients),
      MHD_OPTION_CONNECTION_TIMEOUT, timeout_s,
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool,
      MHD_OPTION_STRICT_FOR_CLIENT, 1,
      MHD_OPTION_END);
  // clang-format on
  if (s->daemon_ == nullptr) {
    return absl::InternalError("libmicrohttpd failed to start (see the log above)");
  }
  fd->Release();  // the daemon owns and closes it
  LOG(INFO) << "fleetsim-agent " << FLEETSIM_VERSION << " listening on " << s->address_
            << " allow=" << s->config_.allow.ToString() << " max_clients=" << s->config_.max_clients
            << " proc=" << s->config_.roots.proc << " sys=" << s->config_.roots.sys;
  return s;
}

AgentServer::~AgentServer() {
  if (daemon_ != nullptr) MHD_stop_daemon(daemon_);
}

int AgentServer::Handle(MHD_Connection* c, const char* url, const char* method,
                        size_t* upload_data_size, void** con_cls) {
  if (*con_cls != nullptr) {
    // Only reached if a client sends a body after we answered: discard it.
    *upload_data_size = 0;
    return true;
  }
  *con_cls = &kConnectionMarker;
  const MHD_ConnectionInfo* ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (ci == nullptr || ci->client_addr == nullptr || !config_.allow.Allows(ci->client_addr)) {
    ++counts_.forbidden;
    const std::string who = ci != nullptr && ci->client_addr != nullptr
                                ? FormatSockAddr(ci->client_addr)
                                : std::string("unknown");
    LOG_EVERY_T(WARNING, 10) << "refused " << who << ": not in --allow";
    return Respond(c, MHD_HTTP_FORBIDDEN, "forbidden: client address not in --allow\n",
                   "text/plain", true);
  }
  const std::string m = method;
  if (m != MHD_HTTP_METHOD_GET && m != MHD_HTTP_METHOD_HEAD) {
    ++counts_.bad_method;
    return Respond(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed: GET or HEAD only\n",
                   "text/plain", true);
  }
  if (MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH) != nullptr ||
      MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING) !=
          nullptr) {
    ++counts_.body_refused;
    return Respond(c, MHD_HTTP_CONTENT_TOO_LARGE, "request bodies are not accepted\n", "text/plain",
                   true);
  }
  const std::string path = url;
  if (path == "/metrics") {
    ++counts_.ok;
    return Respond(c, MHD_HTTP_OK, RenderMetrics(), "text/plain; version=0.0.4; charset=utf-8",
                   false);
  }
  if (path == "/sample") {
    ++counts_.ok;
    return Respond(c, MHD_HTTP_OK, RenderSample(), "application/json", false);
  }
  ++counts_.not_found;
  return Respond(c, MHD_HTTP_NOT_FOUND, "not found: try /metrics or /sample\n", "text/plain",
                 false);
}

std::string AgentServer::RenderMetrics() {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t t0 = MonoNanos();
  HostSample s = sampler_.Sample();
  const double took = (MonoNanos() - t0) / 1e9;
  std::string unused;
  std::optional<AgentSelf> self;
  if (std::optional<ProcessSample> p = self_watcher_.Sample(&unused); p.has_value()) {
    self = AgentSelf{std::move(*p), real_btime_};
  }
  std::string text = RenderAgentMetrics(s, inventory_, self, took);
  absl::StrAppend(&text,
                  "# HELP fleetsim_agent_http_requests_total Requests handled, by outcome.\n"
                  "# TYPE fleetsim_agent_http_requests_total counter\n");
  for (auto [code, n] :
       {std::pair{"200", &counts_.ok}, std::pair{"403", &counts_.forbidden},
        std::pair{"404", &counts_.not_found}, std::pair{"405", &counts_.bad_method},
        std::pair{"413", &counts_.body_refused}}) {
    absl::StrAppend(&text, "fleetsim_agent_http_requests_total{code=\"", code, "\"} ", n->load(),
                    "\n");
  }
  return text;
}

std::string AgentServer::RenderSample() {
  std::lock_guard<std::mutex> lock(mu_);
  // A process name or hostname need not be UTF-8: replace bad bytes rather than throw.
  return SampleToJson(sampler_.Sample(), &inventory_)
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace fleetsim
