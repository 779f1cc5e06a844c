// Copyright fleetsim authors.
//
// agent_runner: starts the real bin/fleetsim-agent for an end-to-end test on a free
// loopback port, waits until it answers, and fetches from it.

#ifndef FLEETSIM_TESTS_TESTLIB_AGENT_RUNNER_H_
#define FLEETSIM_TESTS_TESTLIB_AGENT_RUNNER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "src/http_get.h"
#include "tests/testlib/files.h"
#include "tests/testlib/subprocess.h"

namespace fleetsim::testing {

class AgentRunner {
 public:
  // Starts the agent with --listen=<host>:<free port> plus `flags`, then waits up to
  // 10 s for GET /metrics to answer 200. Returns null (after logging the agent's output)
  // if it does not.
  static std::unique_ptr<AgentRunner> Start(const std::vector<std::string>& flags,
                                            const std::string& host = "127.0.0.1");
  ~AgentRunner();

  const std::string& address() const { return address_; }  // "127.0.0.1:port"
  int port() const { return port_; }
  Subprocess& process() { return *process_; }
  std::string Log() const { return process_->Log(); }

  // GET `path` from the agent.
  HttpGetResult Get(const std::string& path, absl::Duration timeout = absl::Seconds(5)) const;

 private:
  AgentRunner() = default;
  TempDir dir_;
  std::unique_ptr<Subprocess> process_;
  std::string address_;
  int port_ = 0;
};

// GET http://<address><path> with a deadline.
HttpGetResult HttpGet(const std::string& address, const std::string& path,
                      absl::Duration timeout = absl::Seconds(5));

}  // namespace fleetsim::testing

#endif  // FLEETSIM_TESTS_TESTLIB_AGENT_RUNNER_H_
