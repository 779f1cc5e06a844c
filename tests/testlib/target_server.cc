// Copyright fleetsim authors.

#include "tests/testlib/target_server.h"

#include <signal.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/testlib/net.h"
#include "tests/testlib/wait.h"

namespace fleetsim::testing {

std::unique_ptr<TargetServer> TargetServer::Start(const std::vector<std::string>& flags,
                                                  std::string* error) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::unique_ptr<TargetServer> t(new TargetServer());
    t->ports_ = FreePorts(3);
    t->counters_path_ = t->dir_.File("counters.json");
    const std::string ready = t->dir_.File("ready.json");
    std::vector<std::string> argv = {
        BinPath("fleetsim-target"),
        absl::StrCat("--ports=", t->ports_[0], ",", t->ports_[1], ",", t->ports_[2]),
        "--counters_file=" + t->counters_path_, "--ready_file=" + ready};
    argv.insert(argv.end(), flags.begin(), flags.end());
    t->spawned_at_ = absl::Now();
    t->proc_ = std::make_unique<Subprocess>(Subprocess::Start(argv, t->dir_.File("target.log")));
    Subprocess* p = t->proc_.get();
    const bool ready_ok =
        WaitUntil([&] { return access(ready.c_str(), F_OK) == 0 || !p->running(); },
                  absl::Seconds(10), absl::Milliseconds(2));
    if (ready_ok && access(ready.c_str(), F_OK) == 0) {
      t->ready_after_ms_ = absl::ToInt64Milliseconds(absl::Now() - t->spawned_at_);
      // The master writes a first snapshot before the ready file; Counters() wants newer.
      t->last_snapshot_ = t->ReadCounters().value("snapshot", int64_t{0});
      return t;
    }
    *error = absl::StrCat("fleetsim-target did not become ready; log:\n", t->Log());
    t->proc_->Stop(absl::Seconds(2));
    // A port taken between FreePorts() and bind() is worth another try; nothing else is.
    if (t->Log().find("Address already in use") == std::string::npos) break;
  }
  return nullptr;
}

TargetServer::~TargetServer() {
  if (proc_ != nullptr && proc_->running()) proc_->Stop(absl::Seconds(5));
}

nlohmann::json TargetServer::ReadCounters() const {
  return nlohmann::json::parse(ReadFile(counters_path_), nullptr, /*allow_exceptions=*/false);
}

nlohmann::json TargetServer::Counters() {
  nlohmann::json j;
  proc_->Signal(SIGUSR1);
  const bool fresh = WaitUntil(
      [&] {
        j = ReadCounters();
        return j.is_object() && j.value("snapshot", int64_t{0}) > last_snapshot_;
      },
      absl::Seconds(5), absl::Milliseconds(2));
  if (!fresh) return nlohmann::json();
  last_snapshot_ = j["snapshot"].get<int64_t>();
  return j;
}

bool TargetServer::WaitCounters(const std::function<bool(const nlohmann::json&)>& pred,
                                absl::Duration timeout, nlohmann::json* last) {
  nlohmann::json j;
  const bool ok = WaitUntil(
      [&] {
        j = Counters();
        return j.is_object() && pred(j);
      },
      timeout, absl::Milliseconds(10));
  if (last != nullptr) *last = j;
  return ok;
}

int TargetServer::Stop(absl::Duration grace) { return ExitCode(proc_->Stop(grace)); }

}  // namespace fleetsim::testing
