// Copyright fleetsim authors.
//
// The scenario compiler's behaviour half: roles, their connections and the steps each
// connection runs.

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/counters.h"
#include "src/scenario_compiler.h"
#include "src/status_macros.h"

namespace fleetsim {

namespace {

// A count or id that may be written as a vars constant ($devices).
absl::StatusOr<uint64_t> UintOrConst(const YamlRef& v,
                                     const absl::flat_hash_map<std::string, YAML::Node>& consts,
                                     const std::string* file) {
  if (v.IsScalar() && !v.Scalar().empty() && v.Scalar()[0] == '$') {
    std::string name = v.Scalar().substr(1);
    if (name.size() > 2 && name.front() == '{' && name.back() == '}') {
      name = name.substr(1, name.size() - 2);
    }
    auto it = consts.find(name);
    if (it == consts.end()) return v.Error(absl::StrCat("unknown variable '$", name, "'"));
    return YamlRef(file, it->second, absl::StrCat("vars.", name)).Uint();
  }
  return v.Uint();
}

absl::StatusOr<FailAction> ParseFailAction(const YamlRef& v) {
  ASSIGN_OR_RETURN(std::string s, v.String());
  if (s == "continue") return FailAction::kContinue;
  if (s == "reconnect") return FailAction::kReconnect;
  if (s == "give_up") return FailAction::kGiveUp;
  return v.Error(absl::StrCat("'", s, "': expected continue, reconnect or give_up"));
}

}  // namespace

int ScenarioCompiler::ExchangeIndex(const std::string& name, int role) {
  for (size_t i = 0; i < p_->exchanges.size(); ++i) {
    if (p_->exchanges[i].name == name) return static_cast<int>(i);
  }
  Exchange x;
  x.name = name;
  x.role = static_cast<uint16_t>(role);
  p_->exchanges.push_back(x);
  return static_cast<int>(p_->exchanges.size() - 1);
}

absl::StatusOr<int> ScenarioCompiler::MessageIndex(const YamlRef& at, const std::string& name,
                                                   bool to_send, int role) const {
  auto it = message_index_.find(name);
  if (it == message_index_.end()) {
    std::vector<std::string> names;
    for (const Message& m : p_->messages) names.push_back(m.name);
    return at.Error(
        absl::StrCat("no message '", name, "' (messages: ", absl::StrJoin(names, ", "), ")"));
  }
  const Message& m = p_->messages[it->second];
  if (to_send && m.values.empty()) {
    return at.Error(absl::StrCat("message '", name, "' has no values: it cannot be sent"));
  }
  if (!to_send && m.fields.empty()) {
    return at.Error(absl::StrCat("message '", name, "' has no fields: it cannot be expected"));
  }
  if (to_send) RETURN_IF_ERROR(CheckRoleVars(at, role, message_vars_[it->second]));
  return it->second;
}

absl::Status ScenarioCompiler::CheckRoleVars(const YamlRef& at, int role,
                                             const std::set<int>& used) const {
  for (int slot : used) {
    if (!role_captures_[role].count(slot)) {
      return at.Error(absl::StrCat("uses $", p_->vars[slot], ", which role '", p_->roles[role].name,
                                   "' never captures"));
    }
  }
  return absl::OkStatus();
}

absl::Status ScenarioCompiler::CompileRoles(const YamlRef& roles) {
  RETURN_IF_ERROR(CompileRoleList(roles));
  if (p_->exchanges.size() > kExchangeSlots) {
    return roles.Error(absl::StrCat("more than ", kExchangeSlots,
                                    " named exchanges (sends and their answers) over the run"));
  }
  return absl::OkStatus();
}

absl::Status ScenarioCompiler::CompileRoleList(const YamlRef& roles) {
  for (auto it = roles.node().begin(); it != roles.node().end(); ++it) {
    Role role;
    role.name = it->first.Scalar();
    const int r = static_cast<int>(p_->roles.size());
    YamlRef d = roles.Child(role.name);
    role.loc = SourceLoc{file_, d.line(), d.path()};
    RETURN_IF_ERROR(d.ExpectMap());
    RETURN_IF_ERROR(d.CheckKeys({"count", "first_id", "ramp", "connections"}));
    ASSIGN_OR_RETURN(uint64_t count, UintOrConst(d.Child("count"), consts_, &file_));
    if (count > (1u << 30)) return d.ErrorAt("count", "more than 2^30 members");
    role.count = static_cast<uint32_t>(count);
    if (d.Has("first_id")) {
      ASSIGN_OR_RETURN(uint64_t first, UintOrConst(d.Child("first_id"), consts_, &file_));
      if (first + count > (uint64_t{1} << 32)) {
        return d.ErrorAt("first_id", "member numbers must stay below 2^32");
      }
      role.first_id = static_cast<uint32_t>(first);
    }
    if (d.Has("ramp")) {
      YamlRef ramp = d.Child("ramp");
      std::vector<YamlRef> phases;
      if (ramp.IsSeq()) {
        for (size_t i = 0; i < ramp.size(); ++i) phases.push_back(ramp.At(i));
      } else {
        phases.push_back(ramp);
      }
      for (size_t i = 0; i < phases.size(); ++i) {
        const YamlRef& ph = phases[i];
        RETURN_IF_ERROR(ph.ExpectMap());
        RETURN_IF_ERROR(ph.CheckKeys({"rate", "for"}));
        RampPhase phase;
        ASSIGN_OR_RETURN(phase.rate, ph.Child("rate").Double());
        if (phase.rate < 0) return ph.ErrorAt("rate", "negative");
        if (ph.Has("for")) {
          ASSIGN_OR_RETURN(phase.duration, ConstDuration(ph.Child("for")));
        } else if (i + 1 != phases.size()) {
          return ph.Error("every phase but the last needs for: (how long it lasts)");
        }
        role.ramp.push_back(phase);
      }
    }
    p_->roles.push_back(std::move(role));

    YamlRef conns = d.Child("connections");
    RETURN_IF_ERROR(conns.ExpectMap());
    if (conns.size() == 0) return conns.Error("no connections");
    if (conns.size() > static_cast<size_t>(kMaxConnsPerDevice)) {
      return conns.Error(absl::StrCat("more than ", kMaxConnsPerDevice, " connections"));
    }
    // Names first, for requires:.
    for (auto c = conns.node().begin(); c != conns.node().end(); ++c) {
      ConnSpec spec;
      spec.name = c->first.Scalar();
      p_->roles[r].conns.push_back(std::move(spec));
    }
    for (size_t i = 0; i < p_->roles[r].conns.size(); ++i) {
      ConnSpec& spec = p_->roles[r].conns[i];
      RETURN_IF_ERROR(CompileConn(conns.Child(spec.name), r, &spec));
    }
    // Which connection makes the member count as online.
    Role& ro = p_->roles[r];
    int marked = -1;
    for (size_t i = 0; i < ro.conns.size(); ++i) {
      if (!ro.conns[i].marks_online) continue;
      if (marked >= 0) {
        return conns.Error(absl::StrCat("connections '", ro.conns[marked].name, "' and '",
                                        ro.conns[i].name, "' both have an online step"));
      }
      marked = static_cast<int>(i);
    }
    if (marked < 0) {
      // Default: online after the first successful expect of the first kept connection.
      for (size_t i = 0; i < ro.conns.size() && marked < 0; ++i) {
        if (ro.conns[i].open.kind != OpenPolicy::Kind::kAtStart) continue;
        marked = static_cast<int>(i);
        std::vector<Step>& steps = ro.conns[i].steps;
        size_t at = 0;
        for (size_t s = 0; s < steps.size(); ++s) {
          if (steps[s].kind == StepKind::kExpect) {
            at = s + 1;
            break;
          }
        }
        Step online;
        online.kind = StepKind::kOnline;
        steps.insert(steps.begin() + at, online);
        for (Step& s : steps) {  // loop jump targets moved by one
          if ((s.kind == StepKind::kLoop || s.kind == StepKind::kEndLoop) && s.target >= at) {
            ++s.target;
          }
        }
        ro.conns[i].marks_online = true;
      }
      if (marked < 0) return conns.Error("no connection is opened at start (all use open:)");
    }
    ro.online_conn = static_cast<uint16_t>(marked);
    for (size_t i = 0; i < ro.conns.size(); ++i) {
      int req = ro.conns[i].open.requires_conn;
      if (req >= 0 && req != marked) {
        return conns.Child(ro.conns[i].name)
            .Child("open")
            .ErrorAt("requires",
                     absl::StrCat("'", ro.conns[req].name,
                                  "' is not the connection that marks the member online ('",
                                  ro.conns[marked].name, "')"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ScenarioCompiler::CompileConn(const YamlRef& c, int role, ConnSpec* conn) {
  RETURN_IF_ERROR(c.ExpectMap());
  RETURN_IF_ERROR(
      c.CheckKeys({"port", "open", "steps", "on_stop", "on_frame", "on_error", "backoff"}));
  YamlRef port = c.Child("port");
  ASSIGN_OR_RETURN(std::string pname, port.String());
  auto pit = port_index_.find(pname);
  if (pit == port_index_.end()) {
    std::vector<std::string> names;
    for (const Port& p : p_->ports) names.push_back(p.name);
    return port.Error(absl::StrCat("no port named '", pname, "' in target.ports (",
                                   absl::StrJoin(names, ", "), ")"));
  }
  conn->port = static_cast<uint16_t>(pit->second);
  if (c.Has("open")) {
    YamlRef o = c.Child("open");
    RETURN_IF_ERROR(o.ExpectMap());
    RETURN_IF_ERROR(o.CheckKeys({"every", "jitter", "requires", "fallback"}));
    conn->open.kind = OpenPolicy::Kind::kEvery;
    ASSIGN_OR_RETURN(conn->open.every, DynamicDuration(o.Child("every"), role));
    if (o.Has("fallback")) {
      ASSIGN_OR_RETURN(conn->open.every.fallback, ConstDuration(o.Child("fallback")));
    }
    if (o.Has("jitter")) {
      ASSIGN_OR_RETURN(conn->open.jitter, o.Child("jitter").Fraction());
    }
    if (o.Has("requires")) {
      ASSIGN_OR_RETURN(std::string req, o.Child("requires").String());
      const Role& ro = p_->roles[role];
      for (size_t i = 0; i < ro.conns.size(); ++i) {
        if (ro.conns[i].name == req) conn->open.requires_conn = static_cast<int16_t>(i);
      }
      if (conn->open.requires_conn < 0 || ro.conns[conn->open.requires_conn].name == conn->name) {
        return o.ErrorAt("requires", absl::StrCat("no other connection named '", req, "'"));
      }
    }
  }
  if (c.Has("on_error")) {
    ASSIGN_OR_RETURN(conn->on_error, ParseFailAction(c.Child("on_error")));
  }
  if (c.Has("backoff")) {
    YamlRef b = c.Child("backoff");
    RETURN_IF_ERROR(b.ExpectMap());
    RETURN_IF_ERROR(b.CheckKeys({"initial", "max", "multiplier", "jitter"}));
    if (b.Has("initial")) {
      ASSIGN_OR_RETURN(conn->backoff.initial, ConstDuration(b.Child("initial")));
    }
    if (b.Has("max")) {
      ASSIGN_OR_RETURN(conn->backoff.max, ConstDuration(b.Child("max")));
    }
    if (b.Has("multiplier")) {
      ASSIGN_OR_RETURN(conn->backoff.multiplier, b.Child("multiplier").Double());
      if (conn->backoff.multiplier < 1) return b.ErrorAt("multiplier", "must be >= 1");
    }
    if (b.Has("jitter")) {
      ASSIGN_OR_RETURN(conn->backoff.jitter, b.Child("jitter").Fraction());
    }
    if (conn->backoff.max < conn->backoff.initial) return b.Error("max < initial");
  }
  YamlRef steps = c.Child("steps");
  RETURN_IF_ERROR(steps.ExpectSeq());
  if (steps.size() == 0) return steps.Error("no steps");
  RETURN_IF_ERROR(CompileSteps(steps, role, false, true, &conn->steps));
  for (const Step& s : conn->steps) conn->marks_online |= s.kind == StepKind::kOnline;
  if (c.Has("on_stop")) {
    YamlRef st = c.Child("on_stop");
    RETURN_IF_ERROR(st.ExpectSeq());
    RETURN_IF_ERROR(CompileSteps(st, role, false, false, &conn->on_stop));
  }
  if (c.Has("on_frame")) {
    YamlRef hs = c.Child("on_frame");
    RETURN_IF_ERROR(hs.ExpectSeq());
    for (size_t i = 0; i < hs.size(); ++i) {
      YamlRef h = hs.At(i);
      RETURN_IF_ERROR(h.ExpectMap());
      RETURN_IF_ERROR(h.CheckKeys({"message", "match", "capture", "reply"}));
      Handler handler;
      ASSIGN_OR_RETURN(std::string mname, h.Child("message").String());
      ASSIGN_OR_RETURN(int m, MessageIndex(h.Child("message"), mname, false, role));
      handler.message = static_cast<uint16_t>(m);
      handler.exchange = static_cast<uint16_t>(ExchangeIndex(mname, role));
      const Message& msg = p_->messages[m];
      if (h.Has("match")) {
        ASSIGN_OR_RETURN(handler.match, CompileChecks(h.Child("match"), msg, role));
      }
      if (h.Has("capture")) {
        ASSIGN_OR_RETURN(handler.capture, CompileCaptures(h.Child("capture"), msg));
      }
      if (h.Has("reply")) {
        ASSIGN_OR_RETURN(std::string rname, h.Child("reply").String());
        ASSIGN_OR_RETURN(int rm, MessageIndex(h.Child("reply"), rname, true, role));
        handler.reply = static_cast<uint16_t>(rm);
      }
      conn->handlers.push_back(std::move(handler));
    }
  }
  return absl::OkStatus();
}

absl::Status ScenarioCompiler::CompileSteps(const YamlRef& steps, int role, bool in_loop,
                                            bool allow_loop, std::vector<Step>* out) {
  int last_exchange = -1;
  for (size_t i = 0; i < steps.size(); ++i) {
    YamlRef s = steps.At(i);
    Step step;
    step.loc = SourceLoc{file_, s.line(), s.path()};
    std::string kind;
    if (s.IsScalar()) {
      kind = s.Scalar();
      if (kind != "online" && kind != "close") {
        return s.Error(absl::StrCat("'", kind,
                                    "': a bare step is online or close; others are "
                                    "maps (send: MSG, expect: MSG, wait: 1s, loop: {...})"));
      }
    } else {
      RETURN_IF_ERROR(s.ExpectMap());
      for (const char* k : {"send", "expect", "online", "wait", "loop", "close"}) {
        if (!s.Has(k)) continue;
        if (!kind.empty())
          return s.Error(
              absl::StrCat("a step is one of send, expect, wait, "
                           "loop, online, close; this one has both ",
                           kind, " and ", k));
        kind = k;
      }
      if (kind.empty()) {
        return s.Error("a step is one of send:, expect:, wait:, loop:, online, close");
      }
    }
    if (kind == "send") {
      RETURN_IF_ERROR(s.CheckKeys({"send", "name"}));
      step.kind = StepKind::kSend;
      ASSIGN_OR_RETURN(std::string mname, s.Child("send").String());
      ASSIGN_OR_RETURN(int m, MessageIndex(s.Child("send"), mname, true, role));
      step.message = static_cast<uint16_t>(m);
      std::string xname = mname;
      if (s.Has("name")) {
        ASSIGN_OR_RETURN(xname, s.Child("name").String());
      }
      last_exchange = ExchangeIndex(xname, role);
      step.exchange = static_cast<uint16_t>(last_exchange);
      if (in_loop) p_->exchanges[last_exchange].paced = true;
    } else if (kind == "expect") {
      step.kind = StepKind::kExpect;
      RETURN_IF_ERROR(s.CheckKeys({"expect"}));
      RETURN_IF_ERROR(CompileExpect(s.Child("expect"), role, last_exchange, &step));
      last_exchange = -1;  // one answer per send
    } else if (kind == "online") {
      step.kind = StepKind::kOnline;
      if (!allow_loop) return s.Error("online belongs in steps, not on_stop");
    } else if (kind == "close") {
      step.kind = StepKind::kClose;
    } else if (kind == "wait") {
      RETURN_IF_ERROR(s.CheckKeys({"wait"}));
      step.kind = StepKind::kPause;
      ASSIGN_OR_RETURN(step.duration, DynamicDuration(s.Child("wait"), role));
    } else {  // loop
      if (!allow_loop) return s.Error("loop belongs in steps, not on_stop");
      if (in_loop) return s.Error("loops do not nest");
      RETURN_IF_ERROR(s.CheckKeys({"loop"}));
      YamlRef l = s.Child("loop");
      RETURN_IF_ERROR(l.ExpectMap());
      RETURN_IF_ERROR(l.CheckKeys({"every", "jitter", "count", "fallback", "steps"}));
      step.kind = StepKind::kLoop;
      ASSIGN_OR_RETURN(step.duration, DynamicDuration(l.Child("every"), role));
      if (l.Has("fallback")) {
        ASSIGN_OR_RETURN(step.duration.fallback, ConstDuration(l.Child("fallback")));
      }
      if (step.duration.var < 0 && step.duration.fixed <= absl::ZeroDuration()) {
        return l.ErrorAt("every", "a loop period must be positive");
      }
      if (l.Has("jitter")) {
        ASSIGN_OR_RETURN(step.jitter, l.Child("jitter").Fraction());
      }
      if (l.Has("count")) {
        ASSIGN_OR_RETURN(uint64_t n, UintOrConst(l.Child("count"), consts_, &file_));
        step.loop_count = static_cast<uint32_t>(n);
      }
      YamlRef body = l.Child("steps");
      RETURN_IF_ERROR(body.ExpectSeq());
      if (body.size() == 0) return body.Error("empty loop");
      const size_t loop_at = out->size();
      out->push_back(step);
      RETURN_IF_ERROR(CompileSteps(body, role, true, true, out));
      Step end;
      end.kind = StepKind::kEndLoop;
      end.target = static_cast<uint16_t>(loop_at);
      end.loc = step.loc;
      out->push_back(end);
      (*out)[loop_at].target = static_cast<uint16_t>(out->size());
      continue;
    }
    out->push_back(std::move(step));
  }
  if (out->size() > 0xFFF0) return steps.Error("too many steps");
  return absl::OkStatus();
}

absl::Status ScenarioCompiler::CompileExpect(const YamlRef& e, int role, int last_exchange,
                                             Step* step) {
  std::string mname;
  YamlRef at = e;
  if (e.IsScalar()) {
    mname = e.Scalar();
  } else {
    RETURN_IF_ERROR(e.ExpectMap());
    RETURN_IF_ERROR(e.CheckKeys({"message", "match", "check", "capture", "timeout", "on_fail"}));
    at = e.Child("message");
    ASSIGN_OR_RETURN(mname, at.String());
  }
  ASSIGN_OR_RETURN(int m, MessageIndex(at, mname, false, role));
  step->message = static_cast<uint16_t>(m);
  step->exchange =
      static_cast<uint16_t>(last_exchange >= 0 ? last_exchange : ExchangeIndex(mname, role));
  step->duration.fixed = absl::Seconds(10);  // default reply timeout
  if (!e.IsMap()) return absl::OkStatus();
  const Message& msg = p_->messages[m];
  if (e.Has("match")) {
    ASSIGN_OR_RETURN(step->match, CompileChecks(e.Child("match"), msg, role));
  }
  if (e.Has("check")) {
    ASSIGN_OR_RETURN(step->check, CompileChecks(e.Child("check"), msg, role));
  }
  if (e.Has("capture")) {
    ASSIGN_OR_RETURN(step->capture, CompileCaptures(e.Child("capture"), msg));
  }
  if (e.Has("timeout")) {
    ASSIGN_OR_RETURN(step->duration, DynamicDuration(e.Child("timeout"), role));
    if (step->duration.var < 0 && step->duration.fixed <= absl::ZeroDuration()) {
      return e.ErrorAt("timeout", "must be positive");
    }
  }
  if (e.Has("on_fail")) {
    step->has_on_fail = true;
    ASSIGN_OR_RETURN(step->on_fail, ParseFailAction(e.Child("on_fail")));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<FieldCheck>> ScenarioCompiler::CompileChecks(const YamlRef& m,
                                                                        const Message& msg,
                                                                        int role) {
  RETURN_IF_ERROR(m.ExpectMap());
  std::vector<FieldCheck> out;
  for (auto it = m.node().begin(); it != m.node().end(); ++it) {
    FieldCheck fc;
    fc.field = it->first.Scalar();
    YamlRef v = m.Child(fc.field);
    int idx = -1;
    for (size_t i = 0; i < msg.fields.size(); ++i) {
      if (msg.fields[i] == fc.field) idx = static_cast<int>(i);
    }
    if (idx < 0) {
      return v.Error(absl::StrCat("message '", msg.name, "' has no field '", fc.field,
                                  "' (fields: ", absl::StrJoin(msg.fields, ", "), ")"));
    }
    fc.value_index = static_cast<uint16_t>(idx);
    YamlRef operand = v;
    if (v.IsMap()) {
      RETURN_IF_ERROR(v.CheckKeys({"eq", "ne"}));
      if (v.size() != 1) return v.Error("give one of eq: or ne:");
      fc.negate = v.Has("ne");
      operand = v.Child(fc.negate ? "ne" : "eq");
    }
    std::set<int> used;
    if (operand.IsScalar() && operand.Scalar() == "$seq") {
      fc.operand.source = ValueSource::kSeq;
    } else {
      ASSIGN_OR_RETURN(fc.operand, CompileValue(operand, msg.format, idx, false, &used));
      switch (fc.operand.source) {
        case ValueSource::kLiteral:
        case ValueSource::kVar:
        case ValueSource::kIdentity:
          break;
        case ValueSource::kId:
        case ValueSource::kIndex:
        case ValueSource::kSeq:
        case ValueSource::kClockMs:
        case ValueSource::kClockUs:
        case ValueSource::kClockS:
        case ValueSource::kRandom:
          if (fc.operand.source == ValueSource::kId || fc.operand.source == ValueSource::kIndex) {
            break;
          }
          return operand.Error(
              "a check compares with a literal, $seq, $id, an identity or a "
              "captured variable");
      }
    }
    RETURN_IF_ERROR(CheckRoleVars(operand, role, used));
    out.push_back(std::move(fc));
  }
  return out;
}

absl::StatusOr<std::vector<FieldCapture>> ScenarioCompiler::CompileCaptures(const YamlRef& m,
                                                                            const Message& msg) {
  RETURN_IF_ERROR(m.ExpectMap());
  std::vector<FieldCapture> out;
  for (auto it = m.node().begin(); it != m.node().end(); ++it) {
    const std::string& var = it->first.Scalar();
    YamlRef v = m.Child(var);
    ASSIGN_OR_RETURN(std::string field, v.String());
    int idx = -1;
    for (size_t i = 0; i < msg.fields.size(); ++i) {
      if (msg.fields[i] == field) idx = static_cast<int>(i);
    }
    if (idx < 0) {
      return v.Error(absl::StrCat("message '", msg.name, "' has no field '", field,
                                  "' (fields: ", absl::StrJoin(msg.fields, ", "), ")"));
    }
    if (msg.format.field(idx).is_bytes) {
      return v.Error(absl::StrCat("field '", field, "' is bytes; only numbers can be captured"));
    }
    FieldCapture fc;
    fc.value_index = static_cast<uint16_t>(idx);
    fc.var = static_cast<uint16_t>(var_slot_.at(var));
    out.push_back(fc);
  }
  return out;
}

}  // namespace fleetsim
