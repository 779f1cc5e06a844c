// Copyright fleetsim authors.

#include "src/proc_net.h"

#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "src/proc_file.h"

namespace fleetsim {
namespace {

constexpr NetDevFieldName kNetDevNames[] = {
    {"receive", "bytes"},       {"receive", "packets"},   {"receive", "errs"},
    {"receive", "drop"},        {"receive", "fifo"},      {"receive", "frame"},
    {"receive", "compressed"},  {"receive", "multicast"}, {"transmit", "bytes"},
    {"transmit", "packets"},    {"transmit", "errs"},     {"transmit", "drop"},
    {"transmit", "fifo"},       {"transmit", "colls"},    {"transmit", "carrier"},
    {"transmit", "compressed"},
};
static_assert(std::size(kNetDevNames) == kNumNetDevFields);

// Signed parse with an unsigned fallback, so a u64 counter past 2^63 keeps its bits.
bool ParseI64(absl::string_view s, int64_t* v) {
  if (absl::SimpleAtoi(s, v)) return true;
  uint64_t u;
  if (!absl::SimpleAtoi(s, &u)) return false;
  *v = static_cast<int64_t>(u);
  return true;
}

// "Tcp: a b c" -> ("Tcp", "a b c"); false when the line has no "Proto:" prefix.
bool SplitProto(absl::string_view line, absl::string_view* proto, absl::string_view* rest) {
  const size_t colon = line.find(':');
  if (colon == absl::string_view::npos || colon == 0) return false;
  *proto = absl::StripAsciiWhitespace(line.substr(0, colon));
  *rest = line.substr(colon + 1);
  return !proto->empty();
}

}  // namespace

NetDevFieldName NetDevFieldNameOf(NetDevField f) { return kNetDevNames[static_cast<int>(f)]; }

std::vector<NetDevStat> ParseNetDev(absl::string_view text) {
  std::vector<NetDevStat> out;
  for (absl::string_view line : SplitLines(text)) {
    const size_t colon = line.rfind(':');
    if (colon == absl::string_view::npos) continue;
    NetDevStat s;
    s.name = std::string(absl::StripAsciiWhitespace(line.substr(0, colon)));
    if (s.name.empty() || s.name.find('|') != std::string::npos) continue;
    std::vector<absl::string_view> f = SplitFields(line.substr(colon + 1));
    if (f.size() < kNumNetDevFields) continue;
    bool ok = true;
    for (int i = 0; i < kNumNetDevFields && ok; ++i) ok = absl::SimpleAtoi(f[i], &s.v[i]);
    if (ok) out.push_back(std::move(s));
  }
  return out;
}

std::optional<int64_t> Lookup(const ProtoTable& t, absl::string_view proto,
                              absl::string_view field) {
  auto p = t.find(std::string(proto));
  if (p == t.end()) return std::nullopt;
  auto f = p->second.find(std::string(field));
  if (f == p->second.end()) return std::nullopt;
  return f->second;
}

ProtoTable ParseNetSnmp(absl::string_view text) {
  ProtoTable table;
  std::vector<absl::string_view> lines = SplitLines(text);
  for (size_t i = 0; i + 1 < lines.size();) {
    absl::string_view hp, hrest, vp, vrest;
    if (!SplitProto(lines[i], &hp, &hrest) || !SplitProto(lines[i + 1], &vp, &vrest) || hp != vp) {
      ++i;  // out of step: resynchronise on the next line
      continue;
    }
    std::vector<absl::string_view> names = SplitFields(hrest);
    std::vector<absl::string_view> values = SplitFields(vrest);
    i += 2;
    if (names.size() != values.size() || names.empty()) continue;
    std::map<std::string, int64_t> fields;
    bool ok = true;
    for (size_t k = 0; k < names.size() && ok; ++k) {
      int64_t v;
      ok = ParseI64(values[k], &v);
      fields[std::string(names[k])] = v;
    }
    // A header paired with another header (both non-numeric) is not a pair.
    if (!ok) {
      i -= 1;
      continue;
    }
    table[std::string(hp)] = std::move(fields);
  }
  return table;
}

void ParseSockstat(absl::string_view text, ProtoTable* table) {
  for (absl::string_view line : SplitLines(text)) {
    absl::string_view proto, rest;
    if (!SplitProto(line, &proto, &rest)) continue;
    std::vector<absl::string_view> f = SplitFields(rest);
    auto& fields = (*table)[std::string(proto)];
    for (size_t k = 0; k + 1 < f.size(); k += 2) {
      int64_t v;
      if (ParseI64(f[k + 1], &v)) fields[std::string(f[k])] = v;
    }
  }
}

}  // namespace fleetsim
