// Copyright fleetsim authors.

#include "src/scenario_check.h"

#include <arpa/inet.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "src/hexdump.h"
#include "src/message_eval.h"

namespace fleetsim {

namespace {

std::string StepText(const Program& p, const Step& s) {
  switch (s.kind) {
    case StepKind::kSend:
      return absl::StrCat("send ", p.messages[s.message].name);
    case StepKind::kExpect:
      return absl::StrCat(
          "expect ", p.messages[s.message].name,
          s.check.empty() ? "" : absl::StrCat(" (", s.check.size(), " checks)"),
          s.capture.empty() ? "" : absl::StrCat(" (captures ", s.capture.size(), ")"));
    case StepKind::kOnline:
      return "online";
    case StepKind::kPause:
      return "wait";
    case StepKind::kLoop:
      return absl::StrCat("loop",
                          s.duration.var >= 0
                              ? absl::StrCat(" every $", p.vars[s.duration.var])
                              : absl::StrCat(" every ", absl::FormatDuration(s.duration.fixed)));
    case StepKind::kEndLoop:
      return "end loop";
    case StepKind::kClose:
      return "close";
  }
  return "?";
}

}  // namespace

std::string DescribeProgram(const Program& p) {
  std::string out = absl::StrFormat("scenario %s (%s): %u members, %u messages, seed %u\n",
                                    p.name.empty() ? "(unnamed)" : p.name, p.file,
                                    p.total_members(), p.messages.size(), p.seed);
  for (size_t i = 0; i < p.hosts.size(); ++i) absl::StrAppend(&out, "target ", p.hosts[i], "\n");
  for (const Port& port : p.ports) {
    absl::StrAppend(&out, "port ", port.name, " ", port.port, " framing ",
                    p.framings[port.framing].name, "\n");
  }
  absl::StrAppend(&out, "source addresses: ", p.sources.size(), "\n");
  MessageEval eval(p.seed);
  std::vector<uint64_t> vars(p.vars.size(), 0);
  for (const Role& role : p.roles) {
    absl::StrAppendFormat(&out, "\nrole %s: %u members from id %u\n", role.name, role.count,
                          role.first_id);
    MemberContext ctx;
    ctx.id = role.first_id;
    ctx.index = 0;
    ctx.vars = vars.data();
    for (const ConnSpec& c : role.conns) {
      absl::StrAppendFormat(&out, "  connection %s -> port %s%s\n", c.name, p.ports[c.port].name,
                            c.open.kind == OpenPolicy::Kind::kEvery ? " (periodic)" : "");
      for (size_t i = 0; i < c.steps.size(); ++i) {
        absl::StrAppendFormat(&out, "    %2u. %s\n", i, StepText(p, c.steps[i]));
      }
      for (const Step& s : c.on_stop) absl::StrAppend(&out, "    on stop: ", StepText(p, s), "\n");
      uint32_t seq = 0;
      std::vector<const std::vector<Step>*> lists = {&c.steps, &c.on_stop};
      for (const auto* list : lists) {
        for (const Step& s : *list) {
          if (s.kind != StepKind::kSend) continue;
          const Message& m = p.messages[s.message];
          ctx.seq = ++seq;
          std::string bytes(m.format.size(), '\0');
          eval.Encode(p, m, ctx, bytes.data());
          absl::StrAppendFormat(&out,
                                "\n  message %s (member %u, $seq %u): format '%s', %u bytes\n",
                                m.name, ctx.id, ctx.seq, m.format.spec(), bytes.size());
          std::vector<Value> vals(m.format.value_count());
          m.format.Decode(bytes, vals.data());
          for (size_t v = 0; v < vals.size(); ++v) {
            const FieldInfo f = m.format.field(v);
            absl::StrAppendFormat(&out, "    [%2u] %c @%-3u %s\n", v, f.code, f.offset,
                                  vals[v].DebugString());
          }
          absl::StrAppend(&out, HexDump(bytes));
        }
      }
    }
  }
  absl::StrAppend(&out, "\n(captured variables are 0 in this dump: ", p.vars.size(),
                  " of them)\nOK\n");
  return out;
}

}  // namespace fleetsim
