// Copyright fleetsim authors.

#include "src/prom_text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "glog/logging.h"
#include "src/utf8.h"

namespace fleetsim {
namespace {

const char* TypeName(PromType t) {
  switch (t) {
    case PromType::kCounter:
      return "counter";
    case PromType::kGauge:
      return "gauge";
    case PromType::kUntyped:
      return "untyped";
  }
  return "untyped";
}

std::string Escape(absl::string_view s, bool quote) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string FormatPromValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return ec == std::errc() ? std::string(buf, end) : absl::StrCat(v);
}

std::string SnakeCase(absl::string_view key) {
  std::string out;
  for (size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    if (!absl::ascii_isalnum(c)) {  // "Active(anon)", "Committed_AS", "NFS_Unstable"
      if (!out.empty() && out.back() != '_') out += '_';
      continue;
    }
    if (absl::ascii_isupper(c) && i > 0) {
      const char p = key[i - 1];
      const bool next_lower = i + 1 < key.size() && absl::ascii_islower(key[i + 1]);
      // lower->Upper ("MemAvailable"), or the last capital of a run of two or more before
      // lowercase ("TCPSynRetrans" -> tcp_syn_retrans). A lone leading capital stays
      // joined ("SReclaimable" -> sreclaimable) and so does digit->Upper ("2M" -> 2m).
      const bool run = absl::ascii_isupper(p) && i >= 2 && absl::ascii_isupper(key[i - 2]);
      if (absl::ascii_islower(p) || (run && next_lower)) {
        if (!out.empty() && out.back() != '_') out += '_';
      }
    }
    out += absl::ascii_tolower(c);
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  // promtool lints tokens that read as abbreviated units ("_s_", "_sec_", "_m_"): join such
  // a token to the next one ("sec_page_tables" -> "secpage_tables").
  static constexpr absl::string_view kAbbrev[] = {"s",  "ms", "us", "ns", "sec", "b", "kb",
                                                  "mb", "gb", "tb", "pb", "m",   "h", "d"};
  std::vector<std::string> tokens = absl::StrSplit(out, '_', absl::SkipEmpty());
  std::string joined;
  for (size_t i = 0; i < tokens.size(); ++i) {
    joined += tokens[i];
    const bool abbrev =
        std::find(std::begin(kAbbrev), std::end(kAbbrev), tokens[i]) != std::end(kAbbrev);
    if (i + 1 < tokens.size() && !abbrev) joined += '_';
  }
  return joined;
}

void PromText::Family(absl::string_view name, PromType type, absl::string_view help) {
  if (index_.count(name) > 0) return;
  DCHECK_EQ(type == PromType::kCounter, absl::EndsWith(name, "_total")) << name;
  index_.emplace(std::string(name), families_.size());
  families_.push_back(Fam{std::string(name), std::string(help), type, {}});
}

bool PromText::Has(absl::string_view name) const { return index_.count(name) > 0; }

void PromText::AddLine(absl::string_view name, const PromLabels& labels, const std::string& value) {
  auto it = index_.find(name);
  DCHECK(it != index_.end()) << "undeclared family " << name;
  if (it == index_.end()) return;
  std::string line(name);
  if (!labels.empty()) {
    line += '{';
    for (size_t i = 0; i < labels.size(); ++i) {
      if (i > 0) line += ',';
      // Label values must be UTF-8; an interface or process name need not be.
      absl::StrAppend(&line, labels[i].first, "=\"", Escape(Utf8Safe(labels[i].second), true),
                      "\"");
    }
    line += '}';
  }
  absl::StrAppend(&line, " ", value);
  families_[it->second].lines.push_back(std::move(line));
}

void PromText::Add(absl::string_view name, const PromLabels& labels, double value) {
  AddLine(name, labels, FormatPromValue(value));
}

void PromText::Add(absl::string_view name, const PromLabels& labels, uint64_t value) {
  AddLine(name, labels, absl::StrCat(value));
}

std::string PromText::Render() const {
  std::string out;
  for (const Fam& f : families_) {
    if (f.lines.empty()) continue;
    absl::StrAppend(&out, "# HELP ", f.name, " ", Escape(f.help, false), "\n# TYPE ", f.name, " ",
                    TypeName(f.type), "\n");
    for (const std::string& l : f.lines) absl::StrAppend(&out, l, "\n");
  }
  return out;
}

}  // namespace fleetsim
