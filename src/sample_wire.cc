// Copyright fleetsim authors.

#include "src/sample_wire.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "src/utf8.h"

namespace fleetsim {
namespace {

using json = nlohmann::json;

json TicksJson(const CpuTimes& t) { return json(t.ticks); }

json TableJson(const ProtoTable& t) {
  json j = json::object();
  for (const auto& [proto, fields] : t) j[proto] = json(fields);
  return j;
}

// Typed accessors that report instead of throwing. `what` names the key in errors.
bool GetU64(const json& j, const char* key, uint64_t* v) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_unsigned()) return false;
  *v = it->get<uint64_t>();
  return true;
}
bool GetI64(const json& j, const char* key, int64_t* v) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return false;
  *v = it->get<int64_t>();
  return true;
}
std::optional<uint64_t> OptU64(const json& j, const char* key) {
  uint64_t v;
  if (!GetU64(j, key, &v)) return std::nullopt;
  return v;
}
std::string GetStr(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}
bool GetBool(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

absl::Status Bad(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("sample: bad or missing ", what));
}

bool DecodeTicks(const json& j, CpuTimes* t) {
  if (!j.is_array() || j.size() < 4) return false;
  for (size_t i = 0; i < j.size() && i < t->ticks.size(); ++i) {
    if (!j[i].is_number_unsigned()) return false;
    t->ticks[i] = j[i].get<uint64_t>();
  }
  return true;
}

absl::Status DecodeStat(const json& j, ProcStat* st) {
  if (!j.is_object()) return Bad("stat");
  if (auto it = j.find("cpu"); it != j.end()) {
    CpuTimes t;
    if (!DecodeTicks(*it, &t)) return Bad("stat.cpu");
    st->total = t;
  }
  if (auto it = j.find("cpus"); it != j.end()) {
    if (!it->is_object()) return Bad("stat.cpus");
    for (const auto& [k, v] : it->items()) {
      int n;
      CpuTimes t;
      if (!absl::SimpleAtoi(k, &n) || n < 0 || !DecodeTicks(v, &t)) return Bad("stat.cpus");
      st->per_cpu[n] = t;
    }
  }
  st->ctxt = OptU64(j, "ctxt");
  st->btime = OptU64(j, "btime");
  st->processes = OptU64(j, "processes");
  st->procs_running = OptU64(j, "procs_running");
  st->procs_blocked = OptU64(j, "procs_blocked");
  st->intr = OptU64(j, "intr");
  st->softirq = OptU64(j, "softirq");
  return absl::OkStatus();
}

absl::Status DecodeTable(const json& j, const char* what, ProtoTable* t) {
  if (!j.is_object()) return Bad(what);
  for (const auto& [proto, fields] : j.items()) {
    if (!fields.is_object()) return Bad(what);
    auto& out = (*t)[proto];
    for (const auto& [k, v] : fields.items()) {
      if (!v.is_number_integer()) return Bad(what);
      out[k] = v.get<int64_t>();
    }
  }
  return absl::OkStatus();
}

absl::Status DecodeDisks(const json& j, std::vector<DiskStat>* disks) {
  if (!j.is_array()) return Bad("disks");
  for (const json& d : j) {
    uint64_t major, minor;
    auto stats = d.find("stats");
    if (!d.is_object() || !GetU64(d, "major", &major) || !GetU64(d, "minor", &minor) ||
        stats == d.end() || !stats->is_array()) {
      return Bad("disks[]");
    }
    std::vector<uint64_t> v;
    for (const json& x : *stats) {
      if (!x.is_number_unsigned()) return Bad("disks[].stats");
      v.push_back(x.get<uint64_t>());
    }
    DiskStat ds;
    if (!DiskStatFromStats(major, minor, GetStr(d, "name"), v, &ds)) return Bad("disks[].stats");
    ds.partition = GetBool(d, "partition");
    ds.is_virtual = GetBool(d, "virtual");
    disks->push_back(std::move(ds));
  }
  return absl::OkStatus();
}

absl::Status DecodeNetDev(const json& j, std::vector<NetDevStat>* nics) {
  if (!j.is_array()) return Bad("net_dev");
  for (const json& n : j) {
    auto stats = n.find("stats");
    if (!n.is_object() || stats == n.end() || !stats->is_array() ||
        stats->size() < static_cast<size_t>(kNumNetDevFields)) {
      return Bad("net_dev[]");
    }
    NetDevStat s;
    s.name = GetStr(n, "name");
    for (int i = 0; i < kNumNetDevFields; ++i) {
      if (!(*stats)[i].is_number_unsigned()) return Bad("net_dev[].stats");
      s.v[i] = (*stats)[i].get<uint64_t>();
    }
    s.is_virtual = GetBool(n, "virtual");
    nics->push_back(std::move(s));
  }
  return absl::OkStatus();
}

absl::Status DecodeProcess(const json& j, HostSample* s) {
  if (!j.is_object()) return Bad("process");
  s->process_watched = true;
  s->process_error = GetStr(j, "error");
  int64_t pid;
  if (!GetI64(j, "pid", &pid)) return absl::OkStatus();  // watched, not found
  ProcessSample p;
  p.pid = pid;
  p.comm = GetStr(j, "comm");
  const std::string state = GetStr(j, "state");
  p.state = state.empty() ? '?' : state[0];
  if (!GetU64(j, "utime", &p.utime) || !GetU64(j, "stime", &p.stime) ||
      !GetU64(j, "starttime", &p.starttime) || !GetI64(j, "threads", &p.threads) ||
      !GetU64(j, "rss_bytes", &p.rss_bytes)) {
    return Bad("process fields");
  }
  GetU64(j, "vsize_bytes", &p.vsize_bytes);
  p.fds = OptU64(j, "fds");
  p.vm_hwm_bytes = OptU64(j, "vm_hwm_bytes");
  p.voluntary_ctxt_switches = OptU64(j, "voluntary_ctxt_switches");
  p.nonvoluntary_ctxt_switches = OptU64(j, "nonvoluntary_ctxt_switches");
  s->process = std::move(p);
  return absl::OkStatus();
}

absl::Status Decode(const json& j, HostSample* s, json* inventory) {
  if (!j.is_object()) return Bad("top-level object");
  const std::string format = GetStr(j, "format");
  if (format.rfind("fleetsim-agent-sample/1", 0) != 0) return Bad("format");
  if (!GetI64(j, "mono_ns", &s->mono_ns) || !GetI64(j, "user_hz", &s->user_hz) || s->user_hz <= 0) {
    return Bad("mono_ns/user_hz");
  }
  if (!GetI64(j, "page_size", &s->page_size) || s->page_size <= 0) s->page_size = 4096;
  if (auto it = j.find("stat"); it != j.end()) {
    ProcStat st;
    if (absl::Status e = DecodeStat(*it, &st); !e.ok()) return e;
    s->stat = std::move(st);
  }
  if (auto it = j.find("loadavg"); it != j.end()) {
    if (!it->is_object()) return Bad("loadavg");
    LoadAvg l;
    auto num = [&](const char* k, double* v) {
      auto f = it->find(k);
      if (f == it->end() || !f->is_number()) return false;
      *v = f->get<double>();
      return true;
    };
    if (!num("load1", &l.load1) || !num("load5", &l.load5) || !num("load15", &l.load15)) {
      return Bad("loadavg");
    }
    GetU64(*it, "runnable", &l.runnable);
    GetU64(*it, "threads", &l.threads);
    GetU64(*it, "last_pid", &l.last_pid);
    s->loadavg = l;
  }
  if (auto it = j.find("meminfo"); it != j.end()) {
    if (!it->is_object()) return Bad("meminfo");
    Meminfo m;
    for (const auto& [k, v] : it->items()) {
      if (!v.is_number_unsigned()) return Bad("meminfo");
      m.entries.push_back({k, v.get<uint64_t>(), true});
    }
    if (auto c = j.find("meminfo_counts"); c != j.end() && c->is_object()) {
      for (const auto& [k, v] : c->items()) {
        if (v.is_number_unsigned()) m.entries.push_back({k, v.get<uint64_t>(), false});
      }
    }
    s->meminfo = std::move(m);
  }
  if (auto it = j.find("disks"); it != j.end()) {
    std::vector<DiskStat> d;
    if (absl::Status e = DecodeDisks(*it, &d); !e.ok()) return e;
    s->disks = std::move(d);
  }
  if (auto it = j.find("net_dev"); it != j.end()) {
    std::vector<NetDevStat> n;
    if (absl::Status e = DecodeNetDev(*it, &n); !e.ok()) return e;
    s->net_dev = std::move(n);
  }
  for (auto [key, field] :
       {std::pair{"snmp", &HostSample::snmp}, std::pair{"netstat", &HostSample::netstat},
        std::pair{"sockstat", &HostSample::sockstat}}) {
    if (auto it = j.find(key); it != j.end()) {
      ProtoTable t;
      if (absl::Status e = DecodeTable(*it, key, &t); !e.ok()) return e;
      s->*field = std::move(t);
    }
  }
  if (auto it = j.find("process"); it != j.end()) {
    if (absl::Status e = DecodeProcess(*it, s); !e.ok()) return e;
  }
  if (inventory != nullptr) {
    auto it = j.find("inventory");
    *inventory = it != j.end() && it->is_object() ? *it : json();
  }
  return absl::OkStatus();
}

}  // namespace

json InventoryToJson(const Inventory& inv) {
  json disks = json::array();
  for (const DiskInfo& d : inv.disks) {
    json dj{{"name", Utf8Safe(d.name)}, {"size_bytes", d.size_bytes}, {"virtual", d.is_virtual}};
    if (d.rotational.has_value()) dj["rotational"] = *d.rotational;
    disks.push_back(std::move(dj));
  }
  json nics = json::array();
  for (const NicInfo& n : inv.nics) {
    json nj{{"name", Utf8Safe(n.name)},
            {"operstate", Utf8Safe(n.operstate)},
            {"address", Utf8Safe(n.address)},
            {"virtual", n.is_virtual}};
    if (n.speed_mbps.has_value()) nj["speed_mbps"] = *n.speed_mbps;
    if (n.mtu.has_value()) nj["mtu"] = *n.mtu;
    nics.push_back(std::move(nj));
  }
  return json{{"hostname", Utf8Safe(inv.hostname)},
              {"kernel", Utf8Safe(inv.kernel_release)},
              {"cpu_model", Utf8Safe(inv.cpu_model)},
              {"logical_cpus", inv.logical_cpus},
              {"sockets", inv.sockets},
              {"cores", inv.cores},
              {"threads_per_core", inv.threads_per_core},
              {"mem_total_bytes", inv.mem_total_bytes},
              {"user_hz", inv.user_hz},
              {"page_size", inv.page_size},
              {"disks", disks},
              {"nics", nics}};
}

json SampleToJson(const HostSample& s, const Inventory* inventory) {
  json j{{"format", kSampleFormat},
         {"mono_ns", s.mono_ns},
         {"user_hz", s.user_hz},
         {"page_size", s.page_size}};
  if (s.stat.has_value()) {
    const ProcStat& st = *s.stat;
    json sj = json::object();
    if (st.total.has_value()) sj["cpu"] = TicksJson(*st.total);
    json cpus = json::object();
    for (const auto& [n, t] : st.per_cpu) cpus[std::to_string(n)] = TicksJson(t);
    sj["cpus"] = cpus;
    for (auto [k, v] :
         {std::pair{"ctxt", st.ctxt}, std::pair{"btime", st.btime},
          std::pair{"processes", st.processes}, std::pair{"procs_running", st.procs_running},
          std::pair{"procs_blocked", st.procs_blocked}, std::pair{"intr", st.intr},
          std::pair{"softirq", st.softirq}}) {
      if (v.has_value()) sj[k] = *v;
    }
    j["stat"] = sj;
  }
  if (s.loadavg.has_value()) {
    const LoadAvg& l = *s.loadavg;
    j["loadavg"] = {{"load1", l.load1},       {"load5", l.load5},     {"load15", l.load15},
                    {"runnable", l.runnable}, {"threads", l.threads}, {"last_pid", l.last_pid}};
  }
  if (s.meminfo.has_value()) {
    json bytes = json::object(), counts = json::object();
    for (const MeminfoEntry& e : s.meminfo->entries) (e.bytes ? bytes : counts)[e.key] = e.value;
    j["meminfo"] = bytes;
    j["meminfo_counts"] = counts;
  }
  if (s.disks.has_value()) {
    json arr = json::array();
    for (const DiskStat& d : *s.disks) {
      json stats = json::array();
      if (d.n_stats == 4) {
        stats = {d[DiskField::kReads], d[DiskField::kReadSectors], d[DiskField::kWrites],
                 d[DiskField::kWriteSectors]};
      } else {
        for (int i = 0; i < d.n_stats; ++i) stats.push_back(d.v[i]);
      }
      arr.push_back({{"name", d.name},
                     {"major", d.major},
                     {"minor", d.minor},
                     {"stats", stats},
                     {"partition", d.partition},
                     {"virtual", d.is_virtual}});
    }
    j["disks"] = arr;
  }
  if (s.net_dev.has_value()) {
    json arr = json::array();
    for (const NetDevStat& n : *s.net_dev) {
      arr.push_back({{"name", n.name}, {"stats", n.v}, {"virtual", n.is_virtual}});
    }
    j["net_dev"] = arr;
  }
  if (s.snmp.has_value()) j["snmp"] = TableJson(*s.snmp);
  if (s.netstat.has_value()) j["netstat"] = TableJson(*s.netstat);
  if (s.sockstat.has_value()) j["sockstat"] = TableJson(*s.sockstat);
  if (s.process_watched) {
    json p = json::object();
    if (s.process.has_value()) {
      const ProcessSample& ps = *s.process;
      p = {
          {"pid", ps.pid},         {"comm", ps.comm},           {"state", std::string(1, ps.state)},
          {"utime", ps.utime},     {"stime", ps.stime},         {"starttime", ps.starttime},
          {"threads", ps.threads}, {"rss_bytes", ps.rss_bytes}, {"vsize_bytes", ps.vsize_bytes}};
      if (ps.fds.has_value()) p["fds"] = *ps.fds;
      if (ps.vm_hwm_bytes.has_value()) p["vm_hwm_bytes"] = *ps.vm_hwm_bytes;
      if (ps.voluntary_ctxt_switches.has_value()) {
        p["voluntary_ctxt_switches"] = *ps.voluntary_ctxt_switches;
      }
      if (ps.nonvoluntary_ctxt_switches.has_value()) {
        p["nonvoluntary_ctxt_switches"] = *ps.nonvoluntary_ctxt_switches;
      }
    } else {
      p["error"] = s.process_error;
    }
    j["process"] = p;
  }
  if (inventory != nullptr) j["inventory"] = InventoryToJson(*inventory);
  return j;
}

absl::Status SampleFromJson(const json& j, HostSample* s, json* inventory) {
  *s = HostSample();
  // The accessors above check types before every get<>(), so nothing should throw; this
  // is the boundary where a peer's bytes meet a throwing library, so it is guarded too.
  try {
    return Decode(j, s, inventory);
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("sample: ", e.what()));
  }
}

}  // namespace fleetsim
