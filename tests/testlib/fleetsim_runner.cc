// Copyright fleetsim authors.

#include "tests/testlib/fleetsim_runner.h"

#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/testlib/wait.h"

namespace fleetsim::testing {

std::string SrcDir() {
  const char* d = getenv("FLEETSIM_SRC_DIR");
  return d != nullptr && *d != '\0' ? d : ".";
}

std::unique_ptr<FleetsimRun> FleetsimRun::Start(const std::vector<std::string>& args,
                                                const std::vector<std::string>& env) {
  std::unique_ptr<FleetsimRun> r(new FleetsimRun());
  r->stats_path_ = r->dir_.File("stats.jsonl");
  std::vector<std::string> argv = {BinPath("fleetsim"), "--stats_file=" + r->stats_path_};
  bool interval = false;
  for (const std::string& a : args) interval = interval || absl::StartsWith(a, "--stats_interval");
  if (!interval) argv.push_back("--stats_interval=1s");
  argv.insert(argv.end(), args.begin(), args.end());
  r->proc_ =
      std::make_unique<Subprocess>(Subprocess::Start(argv, r->dir_.File("fleetsim.log"), env));
  return r;
}

std::vector<nlohmann::json> FleetsimRun::Lines() const {
  std::vector<nlohmann::json> out;
  for (const std::string& l : ReadCompleteLines(stats_path_)) {
    nlohmann::json j = nlohmann::json::parse(l, nullptr, /*allow_exceptions=*/false);
    if (!j.is_discarded()) out.push_back(std::move(j));
  }
  return out;
}

nlohmann::json FleetsimRun::FinalLine() const {
  for (const nlohmann::json& j : Lines()) {
    if (j.value("final", false)) return j;
  }
  return nlohmann::json();
}

bool FleetsimRun::WaitLine(const std::function<bool(const nlohmann::json&)>& pred,
                           absl::Duration timeout) {
  return WaitUntil(
      [&] {
        for (const nlohmann::json& j : Lines()) {
          if (pred(j)) return true;
        }
        return false;
      },
      timeout, absl::Milliseconds(100));
}

int FleetsimRun::Wait(absl::Duration timeout) {
  std::optional<int> st = proc_->Wait(timeout);
  return st.has_value() ? ExitCode(*st) : -1;
}

std::string RdpPortsSet(int access, int report, int user) {
  return absl::StrCat("--set=target.ports.access=", access, ",target.ports.report=", report,
                      ",target.ports.user=", user);
}

}  // namespace fleetsim::testing
