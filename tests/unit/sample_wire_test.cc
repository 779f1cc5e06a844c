// Copyright fleetsim authors.

#include "src/sample_wire.h"

#include "gtest/gtest.h"
#include "src/host_figures.h"
#include "tests/testlib/testdata.h"

namespace fleetsim {
namespace {

using json = nlohmann::json;

HostSample Edge(const char* t, int64_t mono) {
  HostSampler sampler(testing::FixtureRoots(std::string("proc_edge/") + t), WatchSpec{0, "srv"}, 0);
  HostSample s = sampler.Sample();
  s.mono_ns = mono;
  return s;
}

// Through the wire as text, the way the collector gets it.
HostSample RoundTrip(const HostSample& s, json* inventory = nullptr) {
  Inventory inv = ReadInventory(testing::FixtureRoots("proc_edge/t0"));
  const std::string text = SampleToJson(s, &inv).dump();
  HostSample out;
  absl::Status st = SampleFromJson(json::parse(text), &out, inventory);
  EXPECT_TRUE(st.ok()) << st;
  return out;
}

TEST(SampleWireTest, RoundTripGivesTheSameFigures) {
  HostSample a = Edge("t0", 1'000'000'000), b = Edge("t1", 5'000'000'000);
  json inv;
  HostSample a2 = RoundTrip(a), b2 = RoundTrip(b, &inv);
  EXPECT_EQ(HostFiguresJson(DeriveHostFigures(&a2, b2)), HostFiguresJson(DeriveHostFigures(&a, b)));
  EXPECT_EQ(b2.mono_ns, 5'000'000'000);
  EXPECT_EQ(b2.user_hz, b.user_hz);
  EXPECT_EQ(b2.page_size, b.page_size);
  EXPECT_EQ(b2.meminfo->entries.size(), b.meminfo->entries.size());
  EXPECT_EQ(b2.process->comm, "(a) b)");
  EXPECT_EQ(b2.process->vm_hwm_bytes, b.process->vm_hwm_bytes);
  EXPECT_EQ(b2.stat->intr, b.stat->intr);
  EXPECT_EQ(inv["hostname"], "edgehost");
  EXPECT_EQ(inv["logical_cpus"], 8);
  // Old 4-stat partition lines survive the trip.
  for (const DiskStat& d : *b2.disks) {
    if (d.name == "sda1") {
      EXPECT_EQ(d.n_stats, 4);
      EXPECT_TRUE(d.partition);
    }
  }
}

TEST(SampleWireTest, RawCountersAndTimestampAreShipped) {
  HostSample b = Edge("t1", 42);
  Inventory inv;
  json j = SampleToJson(b, &inv);
  EXPECT_EQ(j["format"], kSampleFormat);
  EXPECT_EQ(j["mono_ns"], 42);
  EXPECT_EQ(j["user_hz"], 100);
  EXPECT_EQ(j["stat"]["cpus"]["0"], json({700, 25, 350, 5100, 40, 5, 10, 5, 50, 2}));
  EXPECT_EQ(j["meminfo"]["MemTotal"], 1000000ull * 1024);
  EXPECT_EQ(j["meminfo_counts"]["HugePages_Total"], 0);
  EXPECT_EQ(j["sockstat"]["TCP"]["inuse"], 1020);
  EXPECT_EQ(j["snmp"]["Tcp"]["MaxConn"], -1);
  EXPECT_TRUE(j.contains("inventory"));
  EXPECT_FALSE(SampleToJson(b, nullptr).contains("inventory"));
}

TEST(SampleWireTest, WatchedButMissingProcess) {
  HostSample s;
  s.mono_ns = 1;
  s.process_watched = true;
  s.process_error = "no process named 'x'";
  HostSample out;
  ASSERT_TRUE(SampleFromJson(json::parse(SampleToJson(s, nullptr).dump()), &out, nullptr).ok());
  EXPECT_TRUE(out.process_watched);
  EXPECT_FALSE(out.process.has_value());
  EXPECT_EQ(out.process_error, "no process named 'x'");
}

TEST(SampleWireTest, MalformedInputIsAnErrorNeverAThrow) {
  HostSample good = Edge("t1", 7);
  const json base = json::parse(SampleToJson(good, nullptr).dump());
  std::vector<json> bad;
  bad.push_back(json());
  bad.push_back(json::array());
  bad.push_back(json("string"));
  json j = base;
  j.erase("format");
  bad.push_back(j);
  j = base;
  j["format"] = "fleetsim-agent-sample/2";
  bad.push_back(j);
  j = base;
  j["mono_ns"] = "soon";
  bad.push_back(j);
  j = base;
  j["user_hz"] = 0;
  bad.push_back(j);
  j = base;
  j["stat"]["cpus"]["0"] = json({1, 2});
  bad.push_back(j);
  j = base;
  j["stat"]["cpus"]["x"] = json({1, 2, 3, 4});
  bad.push_back(j);
  j = base;
  j["stat"]["cpu"] = 5;
  bad.push_back(j);
  j = base;
  j["loadavg"]["load1"] = "high";
  bad.push_back(j);
  j = base;
  j["meminfo"]["MemTotal"] = -1;
  bad.push_back(j);
  j = base;
  j["disks"][0]["stats"] = json({1, 2, 3});
  bad.push_back(j);
  j = base;
  j["disks"][0]["major"] = "8";
  bad.push_back(j);
  j = base;
  j["net_dev"][0]["stats"][3] = 1.5;
  bad.push_back(j);
  j = base;
  j["snmp"]["Tcp"] = json::array();
  bad.push_back(j);
  j = base;
  j["sockstat"]["TCP"]["inuse"] = "many";
  bad.push_back(j);
  j = base;
  j["process"]["utime"] = -3;
  bad.push_back(j);
  j = base;
  j["process"] = 17;
  bad.push_back(j);
  for (size_t i = 0; i < bad.size(); ++i) {
    HostSample out;
    absl::Status st;
    EXPECT_NO_THROW(st = SampleFromJson(bad[i], &out, nullptr)) << i;
    EXPECT_TRUE(absl::IsInvalidArgument(st)) << i << ": " << bad[i].dump().substr(0, 200);
  }
  // Unknown keys from a newer agent are fine.
  j = base;
  j["new_section"] = {{"x", 1}};
  HostSample out;
  EXPECT_TRUE(SampleFromJson(j, &out, nullptr).ok());
}

}  // namespace
}  // namespace fleetsim
