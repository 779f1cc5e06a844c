// Copyright fleetsim authors.

#include <string>

#include "gtest/gtest.h"
#include "tools/target/config.h"

namespace fleetsim::target {
namespace {

std::string Error(const TargetConfig& c) { return std::string(ValidateConfig(c).message()); }

TEST(ConfigTest, ParsesPorts) {
  auto p = ParsePorts("7101,7102,7103");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)[2], 7103);
  EXPECT_FALSE(ParsePorts("7101,7102").ok());
  EXPECT_FALSE(ParsePorts("7101,7102,7103,7104").ok());
  EXPECT_FALSE(ParsePorts("7101,7101,7103").ok());
  EXPECT_FALSE(ParsePorts("7101,0,7103").ok());
  EXPECT_FALSE(ParsePorts("7101,x,7103").ok());
  EXPECT_NE(ParsePorts("1,2").status().message().find("--ports"), absl::string_view::npos);
}

TEST(ConfigTest, DefaultsAreValid) { EXPECT_TRUE(ValidateConfig(TargetConfig{}).ok()); }

TEST(ConfigTest, ErrorsNameTheFlag) {
  TargetConfig c;
  c.host = "localhost";
  EXPECT_NE(Error(c).find("--host"), std::string::npos);
  c = TargetConfig{};
  c.heartbeat_s = 0;
  EXPECT_NE(Error(c).find("--heartbeat_s"), std::string::npos);
  c = TargetConfig{};
  c.faults.drop_ratio = 1.5;
  EXPECT_NE(Error(c).find("--drop_ratio"), std::string::npos);
  c = TargetConfig{};
  c.faults.drop_ratio = 0.5;
  c.faults.garbage_ratio = 0.4;
  c.faults.close_ratio = 0.2;
  EXPECT_NE(Error(c).find("over 1"), std::string::npos);
  c = TargetConfig{};
  c.faults.delay_jitter_ms = -1;
  EXPECT_NE(Error(c).find("--delay_jitter_ms"), std::string::npos);
  c = TargetConfig{};
  c.faults.stall_for_s = -1;
  EXPECT_NE(Error(c).find("--stall_for_s"), std::string::npos);
  c = TargetConfig{};
  c.procs = -1;
  EXPECT_NE(Error(c).find("--procs"), std::string::npos);
  c = TargetConfig{};
  c.max_devices = 0;
  EXPECT_NE(Error(c).find("--max_devices"), std::string::npos);
}

TEST(ConfigTest, PlansEnoughProcessesAndAtLeastOnePerCore) {
  TargetConfig c;  // 200000 connections
  auto p = PlanProcs(c, 2, 20000);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->conns_per_proc, 20000 - kFdHeadroom);
  EXPECT_EQ(p->procs, 11);  // ceil(200000 / 19936)
  EXPECT_FALSE(p->short_of_max);
  c.max_connections = 10;
  EXPECT_EQ(PlanProcs(c, 4, 20000)->procs, 4);
  c.procs = 2;  // explicit: taken as given, with a warning flag if it cannot hold the max
  c.max_connections = 200000;
  EXPECT_EQ(PlanProcs(c, 4, 20000)->procs, 2);
  EXPECT_TRUE(PlanProcs(c, 4, 20000)->short_of_max);
  c.procs = 0;
  c.max_connections = 100000000;
  EXPECT_FALSE(PlanProcs(c, 2, 20000).ok());
  EXPECT_FALSE(PlanProcs(TargetConfig{}, 2, 50).ok());  // an fd limit too low to work
}

}  // namespace
}  // namespace fleetsim::target
