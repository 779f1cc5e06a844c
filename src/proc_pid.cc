// Copyright fleetsim authors.

#include "src/proc_pid.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "src/proc_file.h"

namespace fleetsim {

std::optional<PidStat> ParsePidStat(absl::string_view text) {
  const size_t open = text.find('(');
  const size_t close = text.rfind(')');
  if (open == absl::string_view::npos || close == absl::string_view::npos || close < open) {
    return std::nullopt;
  }
  PidStat s;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text.substr(0, open)), &s.pid)) {
    return std::nullopt;
  }
  s.comm = std::string(text.substr(open + 1, close - open - 1));
  // f[0] is field 3 (state).
  std::vector<absl::string_view> f = SplitFields(text.substr(close + 1));
  auto field = [&f](int n) { return f[n - 3]; };
  if (f.size() < 24 - 2 || field(3).size() != 1) return std::nullopt;
  s.state = field(3)[0];
  if (!absl::SimpleAtoi(field(4), &s.ppid) || !absl::SimpleAtoi(field(14), &s.utime) ||
      !absl::SimpleAtoi(field(15), &s.stime) || !absl::SimpleAtoi(field(20), &s.num_threads) ||
      !absl::SimpleAtoi(field(22), &s.starttime) || !absl::SimpleAtoi(field(23), &s.vsize) ||
      !absl::SimpleAtoi(field(24), &s.rss_pages)) {
    return std::nullopt;
  }
  return s;
}

PidStatus ParsePidStatus(absl::string_view text) {
  PidStatus st;
  for (absl::string_view line : SplitLines(text)) {
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos) continue;
    const absl::string_view key = line.substr(0, colon);
    const absl::string_view rest = absl::StripAsciiWhitespace(line.substr(colon + 1));
    if (key == "Name") {
      st.name = std::string(rest);
      continue;
    }
    std::vector<absl::string_view> f = SplitFields(rest);
    uint64_t u;
    if (f.empty() || !absl::SimpleAtoi(f[0], &u)) continue;
    const uint64_t scale = (f.size() == 2 && f[1] == "kB") ? 1024 : 1;
    if (key == "VmRSS") {
      st.vm_rss_bytes = u * scale;
    } else if (key == "VmHWM") {
      st.vm_hwm_bytes = u * scale;
    } else if (key == "Threads") {
      st.threads = static_cast<int64_t>(u);
    } else if (key == "voluntary_ctxt_switches") {
      st.voluntary_ctxt_switches = u;
    } else if (key == "nonvoluntary_ctxt_switches") {
      st.nonvoluntary_ctxt_switches = u;
    }
  }
  return st;
}

}  // namespace fleetsim
