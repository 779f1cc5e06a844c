// Copyright fleetsim authors.

#include "src/scenario.h"

#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "src/message_eval.h"

namespace fleetsim {
namespace {

// A small valid scenario; the bad ones below are edits of it.
constexpr char kBase[] = R"(scenario: mini
seed: 5
vars:
  hb: 2s
target:
  host: 127.0.0.1
  ports: {access: 7101, report: 7102}
  sources: ["127.0.0.2-127.0.0.4"]
framing:
  length: {offset: 8, format: "!H", counts: after}
  max_frame: 4106
identities:
  mac: {pack: "!HI", values: [0x0200, $id]}
  sn: {text: "FS{id:014d}"}
messages:
  login:
    format: "!HBBIH 6s16sH"
    values: [0x4653, 1, 0x01, $seq, $len, $mac, $sn, 3]
  login_ack:
    format: "!HBBIH BIH"
    fields: [magic, version, cmd, seq, body_len, status, session, heartbeat_s]
  heartbeat:
    format: "!HBBIH I"
    values: [0x4653, 1, 0x02, $seq, $len, $session]
  heartbeat_ack:
    format: "!HBBIH BQ"
    fields: [magic, version, cmd, seq, body_len, status, server_ms]
roles:
  device:
    count: 10
    ramp: {rate: 100}
    connections:
      access:
        port: access
        steps:
          - send: login
          - expect:
              message: login_ack
              check: {status: 0, seq: $seq}
              capture: {session: session, heartbeat_s: heartbeat_s}
          - online
          - loop:
              every: ${heartbeat_s}s
              steps:
                - send: heartbeat
                - expect: heartbeat_ack
)";

absl::StatusOr<std::unique_ptr<Program>> Compile(const std::string& text,
                                                 std::vector<std::string> sets = {}) {
  return CompileScenario(text, "mini.yaml", sets);
}

std::string Edit(const std::string& from, const std::string& to) {
  std::string s = kBase;
  size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

TEST(ScenarioTest, BaseCompiles) {
  auto p = Compile(kBase);
  ASSERT_TRUE(p.ok()) << p.status();
  const Program& prog = **p;
  EXPECT_EQ(prog.name, "mini");
  EXPECT_EQ(prog.seed, 5u);
  EXPECT_EQ(prog.sources.size(), 3u);
  ASSERT_EQ(prog.roles.size(), 1u);
  EXPECT_EQ(prog.roles[0].count, 10u);
  EXPECT_EQ(prog.vars, (std::vector<std::string>{"session", "heartbeat_s"}));
  // send login, expect, online, loop, send hb, expect, end loop
  ASSERT_EQ(prog.roles[0].conns[0].steps.size(), 7u);
  EXPECT_EQ(prog.roles[0].conns[0].steps[3].kind, StepKind::kLoop);
  EXPECT_EQ(prog.roles[0].conns[0].steps[3].target, 7);
  EXPECT_EQ(prog.roles[0].conns[0].steps[6].target, 3);
  EXPECT_EQ(prog.roles[0].conns[0].steps[3].duration.var, 1);
  // Exchanges: login (its expect shares it), heartbeat (paced).
  ASSERT_EQ(prog.exchanges.size(), 2u);
  EXPECT_EQ(prog.exchanges[1].name, "heartbeat");
  EXPECT_TRUE(prog.exchanges[1].paced);
  EXPECT_EQ(prog.framings[0].adjust, 10);
}

TEST(ScenarioTest, EncodesLikePythonStruct) {
  auto p = Compile(kBase);
  ASSERT_TRUE(p.ok()) << p.status();
  const Program& prog = **p;
  MessageEval eval(1);
  MemberContext ctx;
  ctx.id = 7;
  ctx.seq = 1;
  std::vector<uint64_t> vars = {0xAABBCCDD, 30};
  ctx.vars = vars.data();
  std::string out(prog.messages[0].format.size(), '\0');
  eval.Encode(prog, prog.messages[0], ctx, out.data());
  // struct.pack('!HBBIH6s16sH', 0x4653, 1, 1, 1, 24, b'\x02\x00\x00\x00\x00\x07',
  //             b'FS00000000000007', 3)
  const std::string want = std::string("\x46\x53\x01\x01\x00\x00\x00\x01\x00\x18", 10) +
                           std::string("\x02\x00\x00\x00\x00\x07", 6) + "FS00000000000007" +
                           std::string("\x00\x03", 2);
  EXPECT_EQ(out, want);
  std::string hb(prog.messages[2].format.size(), '\0');
  eval.Encode(prog, prog.messages[2], ctx, hb.data());
  EXPECT_EQ(hb.substr(10), std::string("\xAA\xBB\xCC\xDD", 4));
}

TEST(ScenarioTest, OverridesSetCountsAndVars) {
  auto p = Compile(kBase, {"device.count=1234", "seed=9", "vars.hb=5s"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ((*p)->roles[0].count, 1234u);
  EXPECT_EQ((*p)->seed, 9u);
  auto bad = Compile(kBase, {"device.cont=5"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("--set device.cont=5"), std::string::npos);
  auto notnum = Compile(kBase, {"device.count=many"});
  ASSERT_FALSE(notnum.ok());
  EXPECT_NE(notnum.status().message().find("roles.device.count"), std::string::npos)
      << notnum.status();
  auto split = SplitOverrides({"a.b=1,c.d=2", "e=3"});
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(*split, (std::vector<std::string>{"a.b=1", "c.d=2", "e=3"}));
  EXPECT_FALSE(SplitOverrides({"nokey"}).ok());
}

struct BadCase {
  const char* name;
  std::string text;
  std::vector<std::string> want;  // substrings of the error
};

TEST(ScenarioTest, BadScenariosNameFileLineAndField) {
  const std::vector<BadCase> cases = {
      {"yaml syntax", Edit("  hb: 2s", "  hb: [2s"), {"mini.yaml:", "YAML syntax error"}},
      {"unknown top-level key", Edit("seed: 5", "sed: 5"), {"mini.yaml:2:", "unknown key 'sed'"}},
      {"reserved key", Edit("seed: 5", "events: []"), {"mini.yaml:2:", "not supported yet"}},
      {"bad format string",
       Edit("\"!HBBIH 6s16sH\"", "\"!HBBIH 6s16z\""),
       {"mini.yaml:17:", "messages.login.format", "'z'"}},
      {"format/values mismatch",
       Edit("$mac, $sn, 3]", "$mac, $sn]"),
       {"mini.yaml:18:", "messages.login.values", "takes 8 values, 7 given"}},
      {"unknown variable",
       Edit("$len, $session]", "$len, $sesion]"),
       {"mini.yaml:24:", "messages.heartbeat.values[5]", "unknown variable '$sesion'"}},
      {"value out of range",
       Edit("[0x4653, 1, 0x01, $seq", "[0x4653, 300, 0x01, $seq"),
       {"mini.yaml:18:", "messages.login.values[1]", "300"}},
      {"bytes for a number",
       Edit("[0x4653, 1, 0x01, $seq", "[0x4653, \"x\", 0x01, $seq"),
       {"mini.yaml:18:", "values[1]"}},
      {"identity too long for its field",
       Edit("6s16sH", "6s8sH"),
       {"mini.yaml:18:", "identity 'sn'", "8s"}},
      {"unknown port",
       Edit("port: access", "port: acess"),
       {"mini.yaml:34:", "connections.access.port", "no port named 'acess'"}},
      {"unknown message",
       Edit("- send: login", "- send: logn"),
       {"mini.yaml:36:", "steps[0].send", "no message 'logn'"}},
      {"unknown field in check",
       Edit("check: {status: 0", "check: {stats: 0"),
       {"mini.yaml:39:", "check.stats", "has no field 'stats'"}},
      {"unknown field in capture",
       Edit("capture: {session: session", "capture: {session: sesion"),
       {"mini.yaml:40:", "capture.session", "has no field 'sesion'"}},
      {"captured var without unit",
       Edit("every: ${heartbeat_s}s", "every: ${heartbeat_s}"),
       {"mini.yaml:43:", "loop.every", "needs a unit"}},
      {"duration without unit",
       Edit("hb: 2s", "hb: 2s\n  t: 5"),
       {}},  // vars may hold anything; only a use of it is checked (see below)
      {"bad duration use",
       Edit("- expect: heartbeat_ack", "- expect: {message: heartbeat_ack, timeout: 5}"),
       {"mini.yaml:46:", "timeout", "unit"}},
      {"missing roles", Edit("roles:", "rolez:"), {"unknown key 'rolez'"}},
      {"negative count", Edit("count: 10", "count: -3"), {"mini.yaml:30:", "roles.device.count"}},
      {"no framing",
       Edit("framing:\n  length: {offset: 8, format: \"!H\", counts: after}\n  max_frame: 4106\n",
            ""),
       {"framing", "missing"}},
      {"bad length format",
       Edit("format: \"!H\"", "format: \"!h\""),
       {"mini.yaml:10:", "framing.length.format"}},
      {"bad source range",
       Edit("127.0.0.2-127.0.0.4", "127.0.0.9-127.0.0.4"),
       {"mini.yaml:8:", "runs backwards"}},
      {"var a role never captures",
       Edit("      access:\n", "      access:\n        on_stop: [{send: heartbeat}]\n"),
       {}},  // captured by the same role: fine
      {"send a receive-only message",
       Edit("- send: heartbeat", "- send: heartbeat_ack"),
       {"mini.yaml:45:", "has no values"}},
      {"nested loop",
       Edit("                - expect: heartbeat_ack",
            "                - expect: heartbeat_ack\n                - loop: {every: 1s, steps: "
            "[online]}"),
       {"loops do not nest"}},
  };
  for (const BadCase& c : cases) {
    auto p = Compile(c.text);
    if (c.want.empty()) {
      EXPECT_TRUE(p.ok()) << c.name << ": " << p.status();
      continue;
    }
    ASSERT_FALSE(p.ok()) << c.name << " compiled";
    for (const std::string& w : c.want) {
      EXPECT_NE(p.status().message().find(w), std::string::npos)
          << c.name << ": '" << w << "' not in: " << p.status().message();
    }
  }
}

TEST(ScenarioTest, DefaultScenarioCompiles) {
  const char* src = getenv("FLEETSIM_SRC_DIR");
  std::string dir = src != nullptr ? src : ".";
  auto p = LoadScenario(dir + "/conf/scenarios/rdp.yaml", {"device.count=200000"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ((*p)->roles.size(), 2u);
  EXPECT_EQ((*p)->sources.size(), 16u);
  auto missing = LoadScenario(dir + "/conf/scenarios/none.yaml", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("none.yaml"), std::string::npos);
}

}  // namespace
}  // namespace fleetsim
