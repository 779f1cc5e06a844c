// Copyright fleetsim authors.
//
// End to end on fixture trees, as node_exporter's end-to-end-test.sh does: the real
// binary reads tests/testdata/proc_edge/t1 through --proc_root/--sys_root, and its
// /metrics and /sample must equal the golden files under tests/testdata/golden, minus
// what depends on the moment or the build. Run with FLEETSIM_UPDATE_GOLDEN=1 to rewrite
// them after an intended change, then review the diff.

#include <stdlib.h>

#include <sstream>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testlib/agent_runner.h"
#include "tests/testlib/files.h"
#include "tests/testlib/testdata.h"

namespace fleetsim {
namespace {

using testing::AgentRunner;
using testing::TestDataPath;

// Lines that vary run to run: the agent's own process, timing, version, request counts.
std::string Stable(const std::string& metrics) {
  std::stringstream in(metrics);
  std::string line, out;
  while (std::getline(in, line)) {
    bool skip = false;
    for (const char* prefix : {"process_", "fleetsim_agent_scrape_duration_seconds",
                               "fleetsim_agent_build_info", "fleetsim_agent_http_requests_total"}) {
      if (absl::StartsWith(line, prefix) || absl::StrContains(line, std::string(" ") + prefix)) {
        skip = true;
      }
    }
    if (!skip) out += line + "\n";
  }
  return out;
}

void CompareWithGolden(const std::string& name, const std::string& got) {
  const std::string path = TestDataPath("golden/" + name);
  const char* update = getenv("FLEETSIM_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    testing::WriteFile(path, got);
    GTEST_SKIP() << "rewrote " << path;
  }
  const std::string want = testing::ReadFile(path);
  ASSERT_FALSE(want.empty()) << path << " missing: run with FLEETSIM_UPDATE_GOLDEN=1";
  if (got == want) return;
  // Report the first differing line rather than two large blobs.
  std::stringstream g(got), w(want);
  std::string gl, wl;
  int n = 0;
  while (true) {
    ++n;
    const bool gok = static_cast<bool>(std::getline(g, gl));
    const bool wok = static_cast<bool>(std::getline(w, wl));
    if (!gok && !wok) break;
    if (gl != wl || gok != wok) {
      ADD_FAILURE() << name << " differs at line " << n << "\n  golden: " << (wok ? wl : "<eof>")
                    << "\n  got:    " << (gok ? gl : "<eof>");
      return;
    }
  }
}

std::unique_ptr<AgentRunner> StartOnEdgeFixture() {
  return AgentRunner::Start({"--proc_root=" + TestDataPath("proc_edge/t1/proc"),
                             "--sys_root=" + TestDataPath("proc_edge/t1/sys"), "--watch_name=srv"});
}

TEST(AgentFixtureTest, MetricsMatchTheGoldenFile) {
  std::unique_ptr<AgentRunner> agent = StartOnEdgeFixture();
  ASSERT_NE(agent, nullptr);
  HttpGetResult m = agent->Get("/metrics");
  ASSERT_EQ(m.status, 200) << m.error;
  CompareWithGolden("agent_metrics_edge_t1.txt", Stable(m.body));
}

TEST(AgentFixtureTest, SampleMatchesTheGoldenFile) {
  std::unique_ptr<AgentRunner> agent = StartOnEdgeFixture();
  ASSERT_NE(agent, nullptr);
  HttpGetResult s = agent->Get("/sample");
  ASSERT_EQ(s.status, 200) << s.error;
  nlohmann::json j = nlohmann::json::parse(s.body);
  EXPECT_GT(j["mono_ns"].get<int64_t>(), 0);
  j.erase("mono_ns");  // the moment of the read
  CompareWithGolden("agent_sample_edge_t1.json", j.dump(1) + "\n");
}

}  // namespace
}  // namespace fleetsim
