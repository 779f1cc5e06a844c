// Copyright fleetsim authors.
//
// HostFiguresJson: the stats-line JSON for one host. Keys are a contract with the stats
// thread and the README; add keys freely, never rename one.

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "src/host_figures.h"
#include "src/utf8.h"

namespace fleetsim {
namespace {

using json = nlohmann::json;

// Two decimals are plenty for percentages and rates in a log line, and keep it short.
double R(double v, int decimals = 2) {
  const double scale = std::pow(10.0, decimals);
  return std::round(v * scale) / scale;
}

template <typename T>
void PutOpt(json& j, const char* key, const std::optional<T>& v) {
  if (v.has_value()) j[key] = *v;
}
void PutOptR(json& j, const char* key, const std::optional<double>& v) {
  if (v.has_value()) j[key] = R(*v);
}

json CpuJson(const HostFigures& f) {
  json j = json::object();
  if (f.cpu.has_value()) {
    const CpuRates& c = *f.cpu;
    j["busy_pct"] = R(c.all.busy_pct);
    for (int i = 0; i < kNumCpuModes; ++i) {
      j[absl::StrCat(CpuModeName(static_cast<CpuMode>(i)), "_pct")] = R(c.all.pct[i]);
    }
    j["cores_busy"] = R(c.cores_busy, 3);
    if (c.cpus > 0) j["cpus"] = c.cpus;
    json per = json::object();
    for (const auto& [cpu, p] : c.per_cpu) per[std::to_string(cpu)] = R(p.busy_pct);
    j["per_cpu_busy_pct"] = per;
  }
  PutOptR(j, "ctxt_ps", f.ctxt_ps);
  PutOptR(j, "intr_ps", f.intr_ps);
  PutOptR(j, "forks_ps", f.forks_ps);
  return j;
}

json MemJson(const MemFigures& m) {
  return json{{"total_bytes", m.total_bytes},
              {"used_bytes", m.used_bytes},
              {"available_bytes", m.available_bytes},
              {"available_estimated", m.available_estimated},
              {"used_pct", R(m.used_pct)},
              {"free_bytes", m.free_bytes},
              {"buffers_bytes", m.buffers_bytes},
              {"cached_bytes", m.cached_bytes},
              {"buff_cache_bytes", m.buff_cache_bytes},
              {"shared_bytes", m.shared_bytes},
              {"swap_total_bytes", m.swap_total_bytes},
              {"swap_used_bytes", m.swap_used_bytes}};
}

json DiskDeviceJson(const DiskRates& r) {
  json j{{"r_s", R(r.r_s)},          {"w_s", R(r.w_s)},       {"read_kBps", R(r.rkBps)},
         {"write_kBps", R(r.wkBps)}, {"rrqm_s", R(r.rrqm_s)}, {"wrqm_s", R(r.wrqm_s)}};
  PutOptR(j, "d_s", r.d_s);
  PutOptR(j, "discard_kBps", r.dkBps);
  PutOptR(j, "f_s", r.f_s);
  PutOptR(j, "r_await_ms", r.r_await_ms);
  PutOptR(j, "w_await_ms", r.w_await_ms);
  PutOptR(j, "await_ms", r.await_ms);
  PutOptR(j, "aqu_sz", r.aqu_sz);
  PutOptR(j, "util_pct", r.util_pct);
  return j;
}

json DiskJson(const HostFigures& f) {
  json j = json::object();
  if (!f.disk.has_value()) return j;
  const DiskTotals& t = f.disk->total;
  j["read_kBps"] = R(t.rkBps);
  j["write_kBps"] = R(t.wkBps);
  j["r_s"] = R(t.r_s);
  j["w_s"] = R(t.w_s);
  PutOptR(j, "await_ms", t.await_ms);
  PutOptR(j, "util_pct", t.util_pct);
  json counted = json::array();
  for (const std::string& d : t.devices) counted.push_back(Utf8Safe(d));
  j["counted"] = counted;
  json devices = json::object();
  for (const std::string& name : f.disks_in_use) {
    auto it = f.disk->devices.find(name);
    if (it != f.disk->devices.end()) devices[Utf8Safe(name)] = DiskDeviceJson(it->second);
  }
  j["devices"] = devices;
  return j;
}

json NetRatesJson(const NetRates& r) {
  return json{{"rx_Bps", R(r.rx_Bps)},         {"tx_Bps", R(r.tx_Bps)},
              {"rx_pps", R(r.rx_pps)},         {"tx_pps", R(r.tx_pps)},
              {"rx_errs_ps", R(r.rx_errs_ps)}, {"tx_errs_ps", R(r.tx_errs_ps)},
              {"rx_drop_ps", R(r.rx_drop_ps)}, {"tx_drop_ps", R(r.tx_drop_ps)}};
}

json NetJson(const HostFigures& f) {
  if (!f.net.has_value()) return json::object();
  json j = NetRatesJson(f.net->total);
  json counted = json::array();
  for (const std::string& n : f.net->counted) counted.push_back(Utf8Safe(n));
  j["counted"] = counted;
  json ifs = json::object();
  for (const std::string& name : f.nics_in_use) {
    auto it = f.net->interfaces.find(name);
    if (it != f.net->interfaces.end()) ifs[Utf8Safe(name)] = NetRatesJson(it->second);
  }
  j["interfaces"] = ifs;
  return j;
}

json TcpJson(const TcpFigures& t) {
  json j = json::object();
  PutOpt(j, "inuse", t.inuse);
  PutOpt(j, "tw", t.tw);
  PutOpt(j, "orphan", t.orphan);
  PutOpt(j, "alloc", t.alloc);
  PutOpt(j, "mem_bytes", t.mem_bytes);
  PutOpt(j, "sockets_used", t.sockets_used);
  PutOpt(j, "estab", t.estab);
  PutOpt(j, "listen_overflows", t.listen_overflows);
  PutOpt(j, "listen_drops", t.listen_drops);
  PutOptR(j, "active_opens_ps", t.active_opens_ps);
  PutOptR(j, "passive_opens_ps", t.passive_opens_ps);
  PutOptR(j, "retrans_segs_ps", t.retrans_segs_ps);
  PutOptR(j, "retrans_pct", t.retrans_pct);
  return j;
}

}  // namespace

json HostFiguresJson(const HostFigures& f) {
  json j = json::object();
  PutOptR(j, "interval_s", f.interval_s);
  j["cpu"] = CpuJson(f);
  if (f.load.has_value()) {
    j["load1"] = f.load->load1;
    j["load5"] = f.load->load5;
    j["load15"] = f.load->load15;
  }
  PutOpt(j, "procs_running", f.procs_running);
  PutOpt(j, "procs_blocked", f.procs_blocked);
  j["mem"] = f.mem.has_value() ? MemJson(*f.mem) : json::object();
  j["disk"] = DiskJson(f);
  j["net"] = NetJson(f);
  j["tcp"] = TcpJson(f.tcp);
  if (f.process_watched) {
    json p = json::object();
    if (f.process.has_value()) {
      const ProcessFigures& pf = *f.process;
      p["pid"] = pf.pid;
      p["name"] = Utf8Safe(pf.name);
      p["state"] = std::string(1, pf.state);
      PutOptR(p, "cpu_pct", pf.cpu_pct);
      p["rss_bytes"] = pf.rss_bytes;
      PutOpt(p, "fds", pf.fds);
      p["threads"] = pf.threads;
    } else {
      p["error"] = Utf8Safe(f.process_error);
    }
    j["process"] = p;
  }
  return j;
}

}  // namespace fleetsim
