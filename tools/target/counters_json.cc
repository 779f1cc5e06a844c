// Copyright fleetsim authors.

#include "tools/target/counters_json.h"

#include "nlohmann/json.hpp"

namespace fleetsim::target {

namespace {

using Json = nlohmann::ordered_json;

int64_t Gauge(const CounterValues& v, Counter up, Counter down) { return v.Diff(up, down); }

}  // namespace

std::string CountersJson(const CountersReport& r) {
  const CounterValues& v = r.totals;
  Json commands = Json::object();
  for (int c = 0; c < kNumCommands; ++c) {
    Json one = Json::object();
    for (int k = 0; k < kNumCmdCounters; ++k) {
      one[CmdCounterName(static_cast<CmdCounter>(k))] = v.cmd[c][k];
    }
    commands[CommandName(static_cast<Command>(c))] = std::move(one);
  }
  Json j = Json::object();
  j["commands"] = std::move(commands);
  j["protocol_errors"] = v.Get(Counter::kProtocolErrors);
  j["connections"] = {{"accepted", v.Get(Counter::kConnAccepted)},
                      {"open", Gauge(v, Counter::kConnAccepted, Counter::kConnClosed)},
                      {"closed", v.Get(Counter::kConnClosed)},
                      {"refused", v.Get(Counter::kConnRefused)}};
  j["devices"] = {
      {"online", Gauge(v, Counter::kDeviceSessionsStarted, Counter::kDeviceSessionsEnded)},
      {"ever", v.Get(Counter::kDevicesEver)},
      {"table_full", v.Get(Counter::kDeviceTableFull)}};
  j["users"] = {{"ever", v.Get(Counter::kUsersEver)},
                {"online", Gauge(v, Counter::kUserSessionsStarted, Counter::kUserSessionsEnded)},
                {"table_full", v.Get(Counter::kUserTableFull)}};
  j["faults"] = {
      {"delayed", v.Get(Counter::kFaultDelayed)},       {"dropped", v.Get(Counter::kFaultDropped)},
      {"garbage", v.Get(Counter::kFaultGarbage)},       {"closed", v.Get(Counter::kFaultClosed)},
      {"fragmented", v.Get(Counter::kFaultFragmented)}, {"busy", v.Get(Counter::kFaultBusy)},
      {"stalled", v.Get(Counter::kFaultStalled)}};
  j["sessions"] = {{"started", v.Get(Counter::kDeviceSessionsStarted)},
                   {"ended", v.Get(Counter::kDeviceSessionsEnded)},
                   {"logged_out", v.Get(Counter::kSessionsLoggedOut)},
                   {"conn_closed", v.Get(Counter::kSessionsConnClosed)},
                   {"expired", v.Get(Counter::kSessionsExpired)},
                   {"replaced", v.Get(Counter::kSessionsReplaced)}};
  j["wrong_port"] = v.Get(Counter::kWrongPort);
  j["report_payload_bytes"] = v.Get(Counter::kReportPayloadBytes);
  j["snapshot"] = r.snapshot;
  j["final"] = r.final;
  j["procs"] = r.per_proc.size();
  j["pid"] = r.pid;
  j["uptime_s"] = r.uptime_s;
  Json procs = Json::array();
  for (const ProcCounters& p : r.per_proc) {
    uint64_t received = 0;
    for (int c = 0; c < kNumCommands; ++c) {
      received += p.values.cmd[c][static_cast<int>(CmdCounter::kReceived)];
    }
    procs.push_back({{"index", p.index},
                     {"pid", p.pid},
                     {"connections",
                      {{"accepted", p.values.Get(Counter::kConnAccepted)},
                       {"open", Gauge(p.values, Counter::kConnAccepted, Counter::kConnClosed)}}},
                     {"received", received}});
  }
  j["per_proc"] = std::move(procs);
  return j.dump();
}

}  // namespace fleetsim::target
