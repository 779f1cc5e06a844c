// Copyright fleetsim authors.

#include "tests/testlib/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/time/clock.h"
#include "glog/logging.h"

extern char** environ;

namespace fleetsim::testing {

std::string BinDir() {
  const char* dir = getenv("FLEETSIM_BIN_DIR");
  return dir != nullptr && *dir != '\0' ? dir : "bin";
}

std::string BinPath(const std::string& name) { return BinDir() + "/" + name; }

Subprocess Subprocess::Start(const std::vector<std::string>& argv, const std::string& log_path,
                             const std::vector<std::string>& env) {
  CHECK(!argv.empty());
  std::vector<std::string> envs;
  for (char** e = environ; *e != nullptr; ++e) envs.emplace_back(*e);
  for (const auto& kv : env) envs.push_back(kv);
  std::vector<char*> cargv, cenv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  for (const auto& e : envs) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);

  int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  PCHECK(log_fd >= 0) << log_path;
  pid_t pid = fork();
  PCHECK(pid >= 0);
  if (pid == 0) {
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    // A new process group, so Stop() can reach grandchildren a program forks.
    setpgid(0, 0);
    execve(cargv[0], cargv.data(), cenv.data());
    _exit(127);
  }
  close(log_fd);
  Subprocess p;
  p.pid_ = pid;
  p.log_path_ = log_path;
  return p;
}

Subprocess::Subprocess(Subprocess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      status_(std::move(other.status_)),
      log_path_(std::move(other.log_path_)) {}

Subprocess& Subprocess::operator=(Subprocess&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0 && running()) Stop(absl::Seconds(2));
    pid_ = std::exchange(other.pid_, -1);
    status_ = std::move(other.status_);
    log_path_ = std::move(other.log_path_);
  }
  return *this;
}

Subprocess::~Subprocess() {
  if (pid_ > 0 && running()) {
    kill(-pid_, SIGKILL);
    kill(pid_, SIGKILL);
    Wait(absl::Seconds(10));
  }
}

bool Subprocess::running() {
  if (status_.has_value() || pid_ <= 0) return false;
  int st;
  pid_t r = waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    status_ = st;
    return false;
  }
  return true;
}

void Subprocess::Signal(int sig) {
  if (running()) kill(pid_, sig);
}

std::optional<int> Subprocess::Wait(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (running()) {
    if (absl::Now() >= deadline) return std::nullopt;
    absl::SleepFor(absl::Milliseconds(5));  // polling a child's exit; bounded by deadline
  }
  return status_;
}

int Subprocess::Stop(absl::Duration grace) {
  Signal(SIGTERM);
  std::optional<int> st = Wait(grace);
  if (!st.has_value()) {
    kill(-pid_, SIGKILL);
    kill(pid_, SIGKILL);
    st = Wait(absl::Seconds(10));
  }
  // Reap anything left in its group (a crashed master's workers).
  kill(-pid_, SIGKILL);
  return st.value_or(-1);
}

std::string Subprocess::Log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int ExitCode(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

}  // namespace fleetsim::testing
