// Copyright fleetsim authors.

#include "src/inventory.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "src/proc_meminfo.h"

namespace fleetsim {
namespace {

template <typename T>
std::optional<T> ReadNumber(const std::string& path) {
  std::optional<std::string> line = ReadFirstLine(path);
  T v;
  if (!line.has_value() || !absl::SimpleAtoi(*line, &v)) return std::nullopt;
  return v;
}

// Sockets and cores from sysfs topology, for arches whose cpuinfo lacks physical/core id.
void TopologyFromSysfs(const SysRoots& roots, CpuTopology* t) {
  std::set<int64_t> packages;
  std::set<std::pair<int64_t, int64_t>> cores;
  const std::string base = roots.sys + "/devices/system/cpu";
  for (const std::string& name : ListDir(base)) {
    int cpu;
    if (name.size() < 4 || name.compare(0, 3, "cpu") != 0 ||
        !absl::SimpleAtoi(name.substr(3), &cpu)) {
      continue;
    }
    const std::string topo = absl::StrCat(base, "/", name, "/topology/");
    std::optional<int64_t> pkg = ReadNumber<int64_t>(topo + "physical_package_id");
    std::optional<int64_t> core = ReadNumber<int64_t>(topo + "core_id");
    if (!pkg.has_value() || !core.has_value()) continue;
    packages.insert(*pkg);
    cores.insert({*pkg, *core});
  }
  if (t->sockets == 0) t->sockets = static_cast<int>(packages.size());
  if (t->cores == 0) t->cores = static_cast<int>(cores.size());
}

}  // namespace

CpuTopology ParseCpuinfo(absl::string_view text) {
  CpuTopology t;
  std::set<std::string> packages;
  std::set<std::pair<std::string, std::string>> cores;
  std::string physical_id, core_id;
  bool in_block = false;
  auto end_block = [&]() {
    if (in_block && !physical_id.empty()) {
      packages.insert(physical_id);
      if (!core_id.empty()) cores.insert({physical_id, core_id});
    }
    physical_id.clear();
    core_id.clear();
    in_block = false;
  };
  for (absl::string_view line : SplitLines(text)) {
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos) {
      if (absl::StripAsciiWhitespace(line).empty()) end_block();
      continue;
    }
    const absl::string_view key = absl::StripAsciiWhitespace(line.substr(0, colon));
    const absl::string_view value = absl::StripAsciiWhitespace(line.substr(colon + 1));
    if (key == "processor") {
      end_block();
      in_block = true;
      ++t.logical;
    } else if (key == "model name" && t.model.empty()) {
      t.model = std::string(value);
    } else if (key == "physical id") {
      physical_id = std::string(value);
    } else if (key == "core id") {
      core_id = std::string(value);
    }
  }
  end_block();
  t.sockets = static_cast<int>(packages.size());
  t.cores = static_cast<int>(cores.size());
  return t;
}

Inventory ReadInventory(const SysRoots& roots) {
  Inventory inv;
  inv.user_hz = sysconf(_SC_CLK_TCK);
  inv.page_size = sysconf(_SC_PAGESIZE);
  struct utsname u;
  const bool have_uname = uname(&u) == 0;
  inv.hostname =
      ReadFirstLine(roots.proc + "/sys/kernel/hostname").value_or(have_uname ? u.nodename : "");
  inv.kernel_release =
      ReadFirstLine(roots.proc + "/sys/kernel/osrelease").value_or(have_uname ? u.release : "");

  CpuTopology topo;
  if (absl::StatusOr<std::string> c = ReadProcFile(roots.proc + "/cpuinfo"); c.ok()) {
    topo = ParseCpuinfo(*c);
  }
  if (topo.sockets == 0 || topo.cores == 0) TopologyFromSysfs(roots, &topo);
  inv.cpu_model = topo.model;
  inv.logical_cpus = topo.logical;
  inv.sockets = topo.sockets;
  inv.cores = topo.cores;
  if (inv.cores > 0) inv.threads_per_core = inv.logical_cpus / inv.cores;

  if (absl::StatusOr<std::string> m = ReadProcFile(roots.proc + "/meminfo"); m.ok()) {
    inv.mem_total_bytes = ParseMeminfo(*m).Get("MemTotal").value_or(0);
  }

  for (const std::string& name : ListDir(roots.sys + "/block")) {
    const std::string dir = roots.sys + "/block/" + name;
    DiskInfo d;
    d.name = name;
    d.size_bytes = ReadNumber<uint64_t>(dir + "/size").value_or(0) * 512;
    if (d.size_bytes == 0) continue;  // empty loop devices, ejected media
    if (std::optional<int> r = ReadNumber<int>(dir + "/queue/rotational"); r.has_value()) {
      d.rotational = *r != 0;
    }
    d.is_virtual = !PathExists(dir + "/device");
    inv.disks.push_back(std::move(d));
  }

  for (const std::string& name : ListDir(roots.sys + "/class/net")) {
    const std::string dir = roots.sys + "/class/net/" + name;
    NicInfo n;
    n.name = name;
    // Reading `speed` fails with EINVAL on a down link or a virtual device; -1 = unknown.
    if (std::optional<int64_t> s = ReadNumber<int64_t>(dir + "/speed"); s.has_value() && *s > 0) {
      n.speed_mbps = *s;
    }
    n.operstate = ReadFirstLine(dir + "/operstate").value_or("");
    n.mtu = ReadNumber<int64_t>(dir + "/mtu");
    n.address = ReadFirstLine(dir + "/address").value_or("");
    n.is_virtual = !PathExists(dir + "/device");
    inv.nics.push_back(std::move(n));
  }
  return inv;
}

}  // namespace fleetsim
