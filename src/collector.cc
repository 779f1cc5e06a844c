// Copyright fleetsim authors.

#include "src/collector.h"

#include <unistd.h>

#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "glog/logging.h"
#include "src/http_get.h"
#include "src/sample_wire.h"
#include "src/utf8.h"

namespace fleetsim {
namespace {

using json = nlohmann::json;

struct Fetched {
  std::optional<HostSample> sample;
  json inventory;
  std::string error;
};

Fetched Decode(const HttpGetResult& r) {
  Fetched f;
  if (!r.ok) {
    f.error = r.error;
    return f;
  }
  if (r.status != 200) {
    absl::string_view body = r.body;
    f.error = Utf8Safe(
        absl::StrCat("HTTP ", r.status, ": ", body.substr(0, body.find('\n')).substr(0, 120)));
    return f;
  }
  json j = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    f.error = "response is not JSON";
    return f;
  }
  HostSample s;
  if (absl::Status st = SampleFromJson(j, &s, &f.inventory); !st.ok()) {
    f.error = std::string(st.message());
    return f;
  }
  f.sample = std::move(s);
  return f;
}

std::string Pct(const json& j, const char* section, const char* key) {
  auto s = j.find(section);
  if (s == j.end() || !s->is_object()) return "-";
  auto v = s->find(key);
  if (v == s->end() || !v->is_number()) return "-";
  return absl::StrFormat("%.1f%%", v->get<double>());
}

std::string Mem(const json& j) {
  auto m = j.find("mem");
  if (m == j.end() || !m->contains("used_bytes") || !m->contains("total_bytes")) return "-";
  const double gib = 1024.0 * 1024 * 1024;
  return absl::StrFormat("%.1f/%.1fGiB", (*m)["used_bytes"].get<double>() / gib,
                         (*m)["total_bytes"].get<double>() / gib);
}

std::string HostLine(const json& j) {
  return absl::StrCat("cpu ", Pct(j, "cpu", "busy_pct"), " mem ", Mem(j), " disk ",
                      Pct(j, "disk", "util_pct"));
}

std::string InventoryLineOrThrow(const json& inv) {
  const double gib = 1024.0 * 1024 * 1024;
  std::vector<std::string> disks, nics;
  for (const json& d : inv.value("disks", json::array())) {
    if (d.value("virtual", false)) continue;
    std::string rot = !d.contains("rotational")     ? ""
                      : d["rotational"].get<bool>() ? " rotational"
                                                    : " ssd";
    disks.push_back(absl::StrFormat("%s %.0fGiB%s", d.value("name", "?"),
                                    d.value("size_bytes", 0.0) / gib, rot));
  }
  for (const json& n : inv.value("nics", json::array())) {
    if (n.value("virtual", false)) continue;
    nics.push_back(absl::StrCat(
        n.value("name", "?"), " ",
        n.contains("speed_mbps") ? absl::StrCat(n["speed_mbps"].dump(), "Mb/s") : "speed?"));
  }
  return absl::StrFormat(
      "%s kernel %s, %s, %d socket(s) x %d core(s) x %d thread(s) = %d CPUs, %.1fGiB RAM, "
      "disks [%s], nics [%s]",
      inv.value("hostname", "?"), inv.value("kernel", "?"), inv.value("cpu_model", "?"),
      inv.value("sockets", 0), inv.value("cores", 0) / std::max(1, inv.value("sockets", 1)),
      inv.value("threads_per_core", 0), inv.value("logical_cpus", 0),
      inv.value("mem_total_bytes", 0.0) / gib, absl::StrJoin(disks, ", "),
      absl::StrJoin(nics, ", "));
}

// The inventory comes from the agent: a key of an unexpected type must not make the
// summary throw (json::value() does) into the caller's log line.
std::string InventoryLine(const json& inv) {
  if (!inv.is_object()) return "(not known yet)";
  try {
    return InventoryLineOrThrow(inv);
  } catch (const json::exception&) {
    return "(inventory in an unexpected format)";
  }
}

// Derives figures for `cur` against *base and advances the base, except when `cur` is
// less than `min` after it on the same clock: then gauges only, and the base stays.
HostFigures Advance(std::optional<HostSample>* base, HostSample cur, absl::Duration min) {
  if (base->has_value()) {
    const int64_t dt = cur.mono_ns - (*base)->mono_ns;
    if (dt >= 0 && dt < absl::ToInt64Nanoseconds(min)) return DeriveHostFigures(nullptr, cur);
  }
  HostFigures f = DeriveHostFigures(base->has_value() ? &**base : nullptr, cur);
  *base = std::move(cur);
  return f;
}

CollectorOptions MakeOptions(std::vector<std::string> agents, absl::Duration timeout) {
  CollectorOptions o;
  o.agents = std::move(agents);
  o.timeout = timeout;
  return o;
}
}  // namespace

Collector::Collector(std::vector<std::string> agents, absl::Duration timeout)
    : Collector(MakeOptions(std::move(agents), timeout)) {}

Collector::Collector(CollectorOptions options)
    : options_(std::move(options)), local_sampler_(options_.local_roots, WatchSpec{}, getpid()) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& name : options_.agents) {
    Agent a;
    a.name = name;
    absl::StatusOr<SockAddr> addr = ResolveHostPort(name);
    if (addr.ok()) {
      a.addr = *addr;
    } else {
      a.error = std::string(addr.status().message());
      LOG(WARNING) << "collector: agent " << name << " stays stale: " << a.error;
    }
    agents_.push_back(std::move(a));
  }
  local_inventory_ = InventoryToJson(ReadInventory(options_.local_roots));
}

absl::StatusOr<std::vector<std::string>> Collector::ParseAgentList(absl::string_view csv) {
  std::vector<std::string> out;
  for (absl::string_view item : absl::StrSplit(csv, ',', absl::SkipWhitespace())) {
    std::string host;
    int port;
    const std::string s(absl::StripAsciiWhitespace(item));
    if (absl::Status st = SplitHostPort(s, &host, &port); !st.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--agents: ", st.message()));
    }
    out.push_back(s);
  }
  return out;
}

void Collector::Poll() {
  // Nothing here is expected to throw (JSON is parsed without exceptions, samples are
  // decoded with checked accessors), but this runs next to the load: contain anything.
  try {
    std::lock_guard<std::mutex> poll_lock(poll_mu_);
    HostSample local = local_sampler_.Sample();
    std::vector<HttpGetRequest> requests;
    std::vector<size_t> which;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (size_t i = 0; i < agents_.size(); ++i) {
        if (!agents_[i].addr.has_value()) continue;
        requests.push_back(HttpGetRequest{*agents_[i].addr, agents_[i].name, "/sample"});
        which.push_back(i);
      }
    }
    std::vector<HttpGetResult> results =
        HttpGetAll(requests, options_.timeout, options_.max_response_bytes);
    std::vector<Fetched> fetched;
    fetched.reserve(results.size());
    for (const HttpGetResult& r : results) fetched.push_back(Decode(r));
    const absl::Time now = absl::Now();

    std::lock_guard<std::mutex> lock(mu_);
    local_figures_ = Advance(&local_last_, std::move(local), options_.min_rate_interval);
    for (size_t k = 0; k < which.size(); ++k) {
      Agent& a = agents_[which[k]];
      Fetched& f = fetched[k];
      if (!f.sample.has_value()) {
        if (!a.stale || a.error != f.error) {
          LOG(WARNING) << "collector: agent " << a.name << " is stale: " << f.error;
        }
        a.stale = true;
        a.error = std::move(f.error);
        ++a.consecutive_failures;
        continue;  // `last` stays: the next good sample's rates span the gap
      }
      if (a.stale && a.last_ok.has_value())
        LOG(INFO) << "collector: agent " << a.name << " is back";
      if (const std::optional<ProcessSample>& p = f.sample->process; p.has_value()) {
        const std::pair<int64_t, uint64_t> id{p->pid, p->starttime};
        if (a.process_identity.has_value() && *a.process_identity != id) ++a.restarts;
        a.process_identity = id;
      }
      a.figures = Advance(&a.last, std::move(*f.sample), options_.min_rate_interval);
      if (!f.inventory.is_null()) a.inventory = std::move(f.inventory);
      a.stale = false;
      a.error.clear();
      a.consecutive_failures = 0;
      a.last_ok = now;
    }
  } catch (const std::exception& e) {
    LOG_EVERY_T(ERROR, 60) << "collector: poll failed: " << e.what();
  } catch (...) {
    LOG_EVERY_T(ERROR, 60) << "collector: poll failed";
  }
}

json Collector::ServersJson() const {
  std::lock_guard<std::mutex> lock(mu_);
  json out = json::object();
  const absl::Time now = absl::Now();
  for (const Agent& a : agents_) {
    json j;
    if (a.stale) {
      j = {{"stale", true}, {"error", a.error}, {"consecutive_failures", a.consecutive_failures}};
      if (a.last_ok.has_value()) {
        j["last_ok_age_s"] = std::round(absl::ToDoubleSeconds(now - *a.last_ok) * 10) / 10;
      }
    } else {
      j = HostFiguresJson(a.figures);
      j["stale"] = false;
      if (j.contains("process")) j["process"]["restarts"] = a.restarts;
    }
    out[a.name] = std::move(j);
  }
  return out;
}

json Collector::GeneratorJson() const {
  std::lock_guard<std::mutex> lock(mu_);
  json j = HostFiguresJson(local_figures_);
  j["stale"] = false;
  bool bottleneck = false;
  if (local_figures_.cpu.has_value()) {
    bottleneck = local_figures_.cpu->all.busy_pct >= options_.bottleneck_busy_pct;
  }
  j["bottleneck"] = bottleneck;
  return j;
}

std::string Collector::HumanSummary() const {
  const json servers = ServersJson();
  const json gen = GeneratorJson();
  std::vector<std::string> parts;
  for (const auto& [name, j] : servers.items()) {
    parts.push_back(j.value("stale", true) ? absl::StrCat("srv ", name, " STALE")
                                           : absl::StrCat("srv ", name, " ", HostLine(j)));
  }
  std::string gen_line = absl::StrCat("gen cpu ", Pct(gen, "cpu", "busy_pct"));
  if (gen.value("bottleneck", false)) absl::StrAppend(&gen_line, " BOTTLENECK");
  parts.push_back(gen_line);
  return absl::StrJoin(parts, " | ");
}

json Collector::InventoryJson() const {
  std::lock_guard<std::mutex> lock(mu_);
  json servers = json::object();
  for (const Agent& a : agents_) servers[a.name] = a.inventory;
  return json{{"generator", local_inventory_}, {"servers", servers}};
}

std::string Collector::InventorySummary() const {
  const json inv = InventoryJson();
  std::vector<std::string> lines{absl::StrCat("generator: ", InventoryLine(inv["generator"]))};
  for (const auto& [name, j] : inv["servers"].items()) {
    lines.push_back(absl::StrCat("server ", name, ": ", InventoryLine(j)));
  }
  return absl::StrJoin(lines, "\n");
}

int Collector::live_agents() const {
  std::lock_guard<std::mutex> lock(mu_);
  int n = 0;
  for (const Agent& a : agents_) n += a.stale ? 0 : 1;
  return n;
}

}  // namespace fleetsim
