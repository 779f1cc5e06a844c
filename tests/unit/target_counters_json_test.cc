// Copyright fleetsim authors.

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tools/target/counters_json.h"

namespace fleetsim::target {
namespace {

TEST(CountersJsonTest, HasTheDocumentedShape) {
  CountersReport r;
  r.snapshot = 3;
  ProcCounters p;
  p.index = 0;
  p.pid = 1234;
  p.values.cmd[static_cast<int>(Command::kLogin)][static_cast<int>(CmdCounter::kReceived)] = 5;
  p.values.scalar[static_cast<int>(Counter::kConnAccepted)] = 4;
  p.values.scalar[static_cast<int>(Counter::kConnClosed)] = 1;
  p.values.scalar[static_cast<int>(Counter::kDeviceSessionsStarted)] = 3;
  p.values.scalar[static_cast<int>(Counter::kDeviceSessionsEnded)] = 1;
  r.per_proc.push_back(p);
  r.totals.Add(p.values);
  auto j = nlohmann::json::parse(CountersJson(r));
  for (const char* cmd :
       {"LOGIN", "HEARTBEAT", "LOGOUT", "REPORT", "USER_LOGIN", "QUERY", "UNKNOWN"}) {
    for (const char* k : {"received", "responded", "rejected", "faulted"}) {
      ASSERT_TRUE(j["commands"][cmd][k].is_number_unsigned()) << cmd << "." << k;
    }
  }
  EXPECT_EQ(j["commands"]["LOGIN"]["received"], 5);
  EXPECT_TRUE(j["protocol_errors"].is_number());
  EXPECT_EQ(j["connections"]["accepted"], 4);
  EXPECT_EQ(j["connections"]["open"], 3);
  EXPECT_EQ(j["devices"]["online"], 2);
  EXPECT_TRUE(j["devices"]["ever"].is_number());
  EXPECT_TRUE(j["users"]["ever"].is_number());
  for (const char* f :
       {"delayed", "dropped", "garbage", "closed", "fragmented", "busy", "stalled"}) {
    EXPECT_TRUE(j["faults"][f].is_number()) << f;
  }
  EXPECT_EQ(j["snapshot"], 3);
  EXPECT_EQ(j["procs"], 1);
  EXPECT_EQ(j["per_proc"][0]["pid"], 1234);
  EXPECT_EQ(j["per_proc"][0]["received"], 5);
  // Keys appear in the documented order (the file is read by people too).
  EXPECT_EQ(j.begin().key(), "commands");
}

TEST(CountersJsonTest, GaugesSurviveSessionsEndedOnAnotherProcess) {
  CountersReport r;
  ProcCounters a, b;
  a.values.scalar[static_cast<int>(Counter::kDeviceSessionsStarted)] = 1;
  b.values.scalar[static_cast<int>(Counter::kDeviceSessionsEnded)] = 1;
  r.totals.Add(a.values);
  r.totals.Add(b.values);
  auto j = nlohmann::json::parse(CountersJson(r));
  EXPECT_EQ(j["devices"]["online"], 0);
}

}  // namespace
}  // namespace fleetsim::target
