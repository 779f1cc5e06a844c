// Copyright fleetsim authors.
//
// agent_metrics: the agent's GET /metrics body from one HostSample, the inventory and
// the agent's own process sample. Names follow node_exporter (node_cpu_seconds_total,
// node_disk_written_bytes_total, node_network_receive_bytes_total, node_sockstat_TCP_inuse,
// node_load1, ...) except where node_exporter's names fail `promtool check metrics`:
// meminfo and snmp/netstat keys are snake_cased (node_memory_mem_available_bytes,
// node_netstat_tcp_curr_estab) and MIB counters are typed counters with "_total". The
// watched process and the inventory are under fleetsim_agent_*. Pure.

#ifndef FLEETSIM_SRC_AGENT_METRICS_H_
#define FLEETSIM_SRC_AGENT_METRICS_H_

#include <optional>
#include <string>

#include "src/host_sample.h"
#include "src/inventory.h"

namespace fleetsim {

// The agent's own process, read from the real /proc whatever --proc_root says.
struct AgentSelf {
  ProcessSample process;
  std::optional<uint64_t> btime;  // the real /proc/stat btime
};

// `self` gives the process_* metrics client libraries export; `scrape_seconds` is how
// long reading the sample took.
std::string RenderAgentMetrics(const HostSample& s, const Inventory& inv,
                               const std::optional<AgentSelf>& self, double scrape_seconds);

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_AGENT_METRICS_H_
