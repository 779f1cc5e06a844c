// Copyright fleetsim authors.

#include "src/proc_meminfo.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "src/proc_file.h"

namespace fleetsim {

std::optional<uint64_t> Meminfo::Get(absl::string_view key) const {
  for (const MeminfoEntry& e : entries) {
    if (e.key == key) return e.value;
  }
  return std::nullopt;
}

Meminfo ParseMeminfo(absl::string_view text) {
  Meminfo m;
  for (absl::string_view line : SplitLines(text)) {
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos || colon == 0) continue;
    std::vector<absl::string_view> f = SplitFields(line.substr(colon + 1));
    MeminfoEntry e;
    e.key = std::string(absl::StripAsciiWhitespace(line.substr(0, colon)));
    if (f.empty() || f.size() > 2 || !absl::SimpleAtoi(f[0], &e.value)) continue;
    if (f.size() == 2) {
      // procfs: 3 fields means the unit must be kB (1024 bytes, whatever the name says).
      if (f[1] != "kB") continue;
      e.value *= 1024;
      e.bytes = true;
    }
    m.entries.push_back(std::move(e));
  }
  return m;
}

}  // namespace fleetsim
