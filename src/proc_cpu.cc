// Copyright fleetsim authors.

#include "src/proc_cpu.h"

#include <iterator>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "src/proc_file.h"

namespace fleetsim {
namespace {

constexpr const char* kCpuModeNames[] = {"user", "nice",    "system", "idle",  "iowait",
                                         "irq",  "softirq", "steal",  "guest", "guest_nice"};
static_assert(std::size(kCpuModeNames) == kNumCpuModes);

// The first whitespace-delimited token of `rest` as a number. Used for the `intr` line,
// which can be 100+ KiB (one column per IRQ): it is never split.
std::optional<uint64_t> FirstNumber(absl::string_view rest) {
  size_t b = rest.find_first_not_of(" \t");
  if (b == absl::string_view::npos) return std::nullopt;
  rest.remove_prefix(b);
  rest = rest.substr(0, rest.find_first_of(" \t"));
  uint64_t v;
  if (!absl::SimpleAtoi(rest, &v)) return std::nullopt;
  return v;
}

std::optional<CpuTimes> ParseCpuColumns(absl::string_view rest) {
  CpuTimes t;
  int i = 0;
  for (absl::string_view tok : SplitFields(rest)) {
    if (i == kNumCpuModes) break;  // columns a future kernel adds are ignored
    if (!absl::SimpleAtoi(tok, &t.ticks[i])) return std::nullopt;
    ++i;
  }
  // Kernels before 2.6.11 print fewer columns; 4 (user nice system idle) is the minimum.
  if (i < 4) return std::nullopt;
  return t;
}

}  // namespace

const char* CpuModeName(CpuMode m) { return kCpuModeNames[static_cast<int>(m)]; }

ProcStat ParseProcStat(absl::string_view text) {
  ProcStat s;
  for (absl::string_view line : SplitLines(text)) {
    const size_t sp = line.find_first_of(" \t");
    if (sp == absl::string_view::npos) continue;
    const absl::string_view key = line.substr(0, sp);
    const absl::string_view rest = line.substr(sp);
    if (key.substr(0, 3) == "cpu") {
      std::optional<CpuTimes> t = ParseCpuColumns(rest);
      if (!t.has_value()) continue;
      if (key.size() == 3) {
        s.total = *t;
      } else {
        int n;
        if (absl::SimpleAtoi(key.substr(3), &n) && n >= 0) s.per_cpu[n] = *t;
      }
    } else if (key == "intr") {
      s.intr = FirstNumber(rest);
    } else if (key == "ctxt") {
      s.ctxt = FirstNumber(rest);
    } else if (key == "btime") {
      s.btime = FirstNumber(rest);
    } else if (key == "processes") {
      s.processes = FirstNumber(rest);
    } else if (key == "procs_running") {
      s.procs_running = FirstNumber(rest);
    } else if (key == "procs_blocked") {
      s.procs_blocked = FirstNumber(rest);
    } else if (key == "softirq") {
      s.softirq = FirstNumber(rest);
    }
  }
  return s;
}

std::optional<LoadAvg> ParseLoadAvg(absl::string_view text) {
  std::vector<absl::string_view> f = SplitFields(text.substr(0, text.find('\n')));
  LoadAvg l;
  if (f.size() < 3 || !absl::SimpleAtod(f[0], &l.load1) || !absl::SimpleAtod(f[1], &l.load5) ||
      !absl::SimpleAtod(f[2], &l.load15)) {
    return std::nullopt;
  }
  if (f.size() >= 4) {
    std::vector<absl::string_view> rt = absl::StrSplit(f[3], '/');
    if (rt.size() == 2) {
      if (!absl::SimpleAtoi(rt[0], &l.runnable)) l.runnable = 0;
      if (!absl::SimpleAtoi(rt[1], &l.threads)) l.threads = 0;
    }
  }
  if (f.size() >= 5 && !absl::SimpleAtoi(f[4], &l.last_pid)) l.last_pid = 0;
  return l;
}

}  // namespace fleetsim
