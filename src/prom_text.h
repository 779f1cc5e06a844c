// Copyright fleetsim authors.
//
// prom_text: builds a Prometheus text exposition (format 0.0.4): families with HELP and
// TYPE lines, samples grouped under their family, label values and help escaped, floats
// in their shortest exact form. Knows nothing about what is measured. Thread-compatible.

#ifndef FLEETSIM_SRC_PROM_TEXT_H_
#define FLEETSIM_SRC_PROM_TEXT_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace fleetsim {

enum class PromType { kCounter, kGauge, kUntyped };

using PromLabels = std::vector<std::pair<std::string, std::string>>;

class PromText {
 public:
  // Declares a family; samples added under `name` render together in declaration order.
  // REQUIRES: counters end in "_total", other types do not (promtool's lint); a name is
  // declared once (a second declaration is ignored).
  void Family(absl::string_view name, PromType type, absl::string_view help);
  // REQUIRES: Family(name) was declared. A family without samples is not rendered.
  void Add(absl::string_view name, const PromLabels& labels, double value);
  void Add(absl::string_view name, const PromLabels& labels, uint64_t value);
  void Add(absl::string_view name, double value) { Add(name, {}, value); }
  void Add(absl::string_view name, uint64_t value) { Add(name, {}, value); }
  bool Has(absl::string_view name) const;

  std::string Render() const;

 private:
  struct Fam {
    std::string name, help;
    PromType type;
    std::vector<std::string> lines;  // "name{labels} value"
  };
  void AddLine(absl::string_view name, const PromLabels& labels, const std::string& value);

  std::vector<Fam> families_;
  std::map<std::string, size_t, std::less<>> index_;
};

// "MemAvailable" -> "mem_available", "Active(anon)" -> "active_anon", "SReclaimable" ->
// "s_reclaimable", "DirectMap2M" -> "direct_map2m", "HugePages_Total" ->
// "huge_pages_total": kernel keys made lint-clean (no camelCase, no "_m" unit look-alike).
std::string SnakeCase(absl::string_view key);

// Shortest decimal text that parses back to `v` ("254.58", "1e+21", "NaN", "+Inf").
std::string FormatPromValue(double v);

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_PROM_TEXT_H_
