// Copyright fleetsim authors.

#include "tests/testlib/agent_runner.h"

#include "glog/logging.h"
#include "src/net_address.h"
#include "tests/testlib/net.h"
#include "tests/testlib/wait.h"

namespace fleetsim::testing {

HttpGetResult HttpGet(const std::string& address, const std::string& path, absl::Duration timeout) {
  absl::StatusOr<SockAddr> addr = ParseNumericHostPort(address);
  if (!addr.ok()) {
    HttpGetResult r;
    r.error = std::string(addr.status().message());
    return r;
  }
  return HttpGetAll({HttpGetRequest{*addr, address, path}}, timeout, 64 << 20)[0];
}

std::unique_ptr<AgentRunner> AgentRunner::Start(const std::vector<std::string>& flags,
                                                const std::string& host) {
  std::unique_ptr<AgentRunner> a(new AgentRunner());
  a->port_ = FreePorts(1)[0];
  a->address_ = host + ":" + std::to_string(a->port_);
  std::vector<std::string> argv{BinPath("fleetsim-agent"), "--listen=" + a->address_};
  argv.insert(argv.end(), flags.begin(), flags.end());
  a->process_ = std::make_unique<Subprocess>(Subprocess::Start(argv, a->dir_.File("agent.log")));
  const bool up = WaitUntil(
      [&] { return !a->process_->running() || a->Get("/metrics", absl::Seconds(1)).status == 200; },
      absl::Seconds(10), absl::Milliseconds(20));
  if (!up || !a->process_->running()) {
    LOG(ERROR) << "fleetsim-agent did not come up:\n" << a->Log();
    return nullptr;
  }
  return a;
}

AgentRunner::~AgentRunner() {
  if (process_ != nullptr) process_->Stop(absl::Seconds(5));
}

HttpGetResult AgentRunner::Get(const std::string& path, absl::Duration timeout) const {
  return HttpGet(address_, path, timeout);
}

}  // namespace fleetsim::testing
