// Copyright fleetsim authors.
//
// proc_net: pure parsers for /proc/net/dev, /proc/net/snmp + /proc/net/netstat (header/
// value line pairs) and /proc/net/sockstat + sockstat6 ("PROTO: key value ..."). All are
// per network namespace of the reader. No I/O.

#ifndef FLEETSIM_SRC_PROC_NET_H_
#define FLEETSIM_SRC_PROC_NET_H_

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace fleetsim {

// The 16 columns of /proc/net/dev, in file order (net/core/net-procfs.c). All 64-bit.
enum class NetDevField : int {
  kRxBytes,
  kRxPackets,
  kRxErrs,
  kRxDrop,  // rx_dropped + rx_missed_errors
  kRxFifo,
  kRxFrame,  // length + over + crc + frame errors
  kRxCompressed,
  kRxMulticast,
  kTxBytes,
  kTxPackets,
  kTxErrs,
  kTxDrop,
  kTxFifo,
  kTxColls,
  kTxCarrier,
  kTxCompressed,
};
inline constexpr int kNumNetDevFields = 16;

// node_exporter's names: {"receive","bytes"}, ..., {"transmit","colls"}.
struct NetDevFieldName {
  const char* direction;  // "receive" | "transmit"
  const char* what;       // "bytes", "packets", "errs", "drop", ...
};
NetDevFieldName NetDevFieldNameOf(NetDevField f);

struct NetDevStat {
  std::string name;
  std::array<uint64_t, kNumNetDevFields> v{};
  // Filled by the sampler: no /sys/class/net/<name>/device link (lo, veth, bridges, bonds).
  bool is_virtual = false;
  uint64_t operator[](NetDevField f) const { return v[static_cast<int>(f)]; }
};

// Splits each line at its *last* colon (old kernels print "eth0:1234" with no space) and
// needs 16 numbers after it (extra ones ignored). Header lines and odd lines are skipped.
std::vector<NetDevStat> ParseNetDev(absl::string_view text);

// protocol -> field -> value, e.g. table["Tcp"]["CurrEstab"], table["TCP"]["inuse"].
// Signed: /proc/net/snmp prints MaxConn as -1. Counters above 2^63 are not expected.
using ProtoTable = std::map<std::string, std::map<std::string, int64_t>>;

// The value, or nullopt when the protocol or the field is absent.
std::optional<int64_t> Lookup(const ProtoTable& t, absl::string_view proto,
                              absl::string_view field);

// /proc/net/snmp and /proc/net/netstat: a header line of names followed by a value line
// with the same "Proto:" prefix. Fields are zipped by name, so columns added by newer
// kernels are harmless; a pair whose counts differ is dropped (the rest is kept).
ProtoTable ParseNetSnmp(absl::string_view text);

// /proc/net/sockstat and sockstat6: "TCP: inuse 1 orphan 0 tw 2 alloc 1 mem 267",
// "sockets: used 15", "TCP6: inuse 0". Unknown keys are kept; merges into *table, so both
// files can share one table (their protocol names differ).
void ParseSockstat(absl::string_view text, ProtoTable* table);

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_PROC_NET_H_
