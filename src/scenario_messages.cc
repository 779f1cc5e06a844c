// Copyright fleetsim authors.
//
// The scenario compiler's message half: names collected up front, identities, messages and
// the values they are built from.

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/byte_literal.h"
#include "src/scenario_compiler.h"
#include "src/status_macros.h"

namespace fleetsim {

namespace {

// Builtin variables, in the order ValueSource lists them.
struct Builtin {
  const char* name;
  ValueSource source;
};
constexpr Builtin kBuiltins[] = {
    {"id", ValueSource::kId},          {"index", ValueSource::kIndex},
    {"seq", ValueSource::kSeq},        {"now_ms", ValueSource::kClockMs},
    {"now_us", ValueSource::kClockUs}, {"now_s", ValueSource::kClockS},
};

// Strips "$name" or "${name}" to "name"; returns "" if `text` is not a reference.
std::string RefName(const std::string& text) {
  if (text.size() < 2 || text[0] != '$' || text[1] == '$') return "";
  if (text[1] == '{') {
    if (text.back() != '}') return "";
    return text.substr(2, text.size() - 3);
  }
  return text.substr(1);
}

// Walks steps (and loop bodies) calling fn(expect-or-handler map) on every capture owner.
void ForEachCaptureMap(const YAML::Node& steps, const std::function<void(const YAML::Node&)>& fn) {
  if (!steps || !steps.IsSequence()) return;
  for (const YAML::Node& s : steps) {
    if (!s || !s.IsMap()) continue;
    const YAML::Node expect = s["expect"];
    if (expect && expect.IsMap() && expect["capture"]) fn(expect["capture"]);
    const YAML::Node loop = s["loop"];
    if (loop && loop.IsMap()) ForEachCaptureMap(loop["steps"], fn);
    if (s["capture"]) fn(s["capture"]);  // on_frame handlers
  }
}

// A text template over the member's number and index ({id}, {index}), as identities and
// inline text values use.
absl::StatusOr<TextTemplate> CompileMemberText(const std::string& text) {
  return TextTemplate::Compile(text, [](absl::string_view name) -> absl::StatusOr<int> {
    if (name == "id") return 0;
    if (name == "index") return 1;
    return absl::InvalidArgumentError(
        absl::StrCat("unknown name '", name, "' (a member's text knows id and index)"));
  });
}

// The longest a template renders for member numbers, which are below 2^32 and never
// negative: the largest number has the most digits in every base.
uint32_t MaxRendered(const TextTemplate& t) {
  const int64_t most[2] = {0xFFFFFFFF, 0xFFFFFFFF};
  return static_cast<uint32_t>(t.RenderToString(absl::MakeConstSpan(most, 2)).size());
}

}  // namespace

absl::Status ScenarioCompiler::CollectNames(const YamlRef& roles) {
  RETURN_IF_ERROR(roles.ExpectMap());
  if (roles.size() == 0) return roles.Error("no roles");
  for (auto it = roles.node().begin(); it != roles.node().end(); ++it) {
    const std::string& name = it->first.Scalar();
    int r = static_cast<int>(role_index_.size());
    role_index_[name] = r;
    role_captures_.emplace_back();
    const YAML::Node& conns = it->second["connections"];
    if (!conns || !conns.IsMap()) continue;  // reported properly by CompileRoles
    for (auto c = conns.begin(); c != conns.end(); ++c) {
      for (const char* list : {"steps", "on_stop", "on_frame"}) {
        ForEachCaptureMap(c->second[list], [&](const YAML::Node& cap) {
          if (!cap || !cap.IsMap()) return;
          for (auto v = cap.begin(); v != cap.end(); ++v) {
            const std::string& var = v->first.Scalar();
            auto [slot, inserted] = var_slot_.try_emplace(var, static_cast<int>(var_slot_.size()));
            if (inserted) p_->vars.push_back(var);
            role_captures_[r].insert(slot->second);
          }
        });
      }
    }
  }
  if (var_slot_.size() > static_cast<size_t>(kMaxVars)) {
    return roles.Error(absl::StrCat("more than ", kMaxVars, " captured variables (",
                                    absl::StrJoin(p_->vars, ", "), ")"));
  }
  return absl::OkStatus();
}

absl::Status ScenarioCompiler::CompileIdentities(const YamlRef& ids) {
  RETURN_IF_ERROR(ids.ExpectMap());
  for (auto it = ids.node().begin(); it != ids.node().end(); ++it) {
    Identity id;
    id.name = it->first.Scalar();
    YamlRef d = ids.Child(id.name);
    RETURN_IF_ERROR(d.ExpectMap());
    RETURN_IF_ERROR(d.CheckKeys({"text", "pack", "values"}));
    if (d.Has("text") == d.Has("pack")) {
      return d.Error("an identity is either text: \"FS{id:014d}\" or pack: with values:");
    }
    if (d.Has("text")) {
      id.kind = Identity::Kind::kText;
      YamlRef t = d.Child("text");
      ASSIGN_OR_RETURN(std::string text, t.String());
      auto tmpl = CompileMemberText(text);
      if (!tmpl.ok()) return t.Error(tmpl.status().message());
      id.text = std::move(*tmpl);
      id.max_size = MaxRendered(id.text);
    } else {
      id.kind = Identity::Kind::kPack;
      ASSIGN_OR_RETURN(id.pack, CompileFormat(d.Child("pack")));
      ASSIGN_OR_RETURN(id.pack_values,
                       CompileValues(d.Child("values"), id.pack, /*restricted=*/true, nullptr));
      id.max_size = static_cast<uint32_t>(id.pack.size());
    }
    identity_index_[id.name] = static_cast<int>(p_->identities.size());
    p_->identities.push_back(std::move(id));
  }
  return absl::OkStatus();
}

absl::Status ScenarioCompiler::CompileMessages(const YamlRef& msgs) {
  RETURN_IF_ERROR(msgs.ExpectMap());
  // Names first, so nothing depends on the order messages are written in.
  for (auto it = msgs.node().begin(); it != msgs.node().end(); ++it) {
    message_index_[it->first.Scalar()] = static_cast<int>(message_index_.size());
  }
  for (auto it = msgs.node().begin(); it != msgs.node().end(); ++it) {
    Message m;
    m.name = it->first.Scalar();
    YamlRef d = msgs.Child(m.name);
    m.loc = SourceLoc{file_, d.line(), d.path()};
    RETURN_IF_ERROR(d.ExpectMap());
    RETURN_IF_ERROR(d.CheckKeys({"format", "values", "fields"}));
    ASSIGN_OR_RETURN(m.format, CompileFormat(d.Child("format")));
    if (!d.Has("values") && !d.Has("fields")) {
      return d.Error("a message needs values: (to be sent) or fields: (to be expected)");
    }
    std::set<int> used;
    if (d.Has("values")) {
      ASSIGN_OR_RETURN(m.values,
                       CompileValues(d.Child("values"), m.format, /*restricted=*/false, &used));
    }
    if (d.Has("fields")) {
      YamlRef fs = d.Child("fields");
      RETURN_IF_ERROR(fs.ExpectSeq());
      if (fs.size() != m.format.value_count()) {
        return fs.Error(absl::StrCat("format '", m.format.spec(), "' holds ",
                                     m.format.value_count(), " values, ", fs.size(),
                                     " field names given"));
      }
      for (size_t i = 0; i < fs.size(); ++i) {
        ASSIGN_OR_RETURN(std::string name, fs.At(i).String());
        for (const std::string& prev : m.fields) {
          if (prev == name) return fs.At(i).Error(absl::StrCat("field '", name, "' twice"));
        }
        m.fields.push_back(name);
      }
    }
    message_vars_.push_back(std::move(used));
    p_->messages.push_back(std::move(m));
  }
  return absl::OkStatus();
}

absl::StatusOr<Format> ScenarioCompiler::CompileFormat(const YamlRef& f) {
  ASSIGN_OR_RETURN(std::string spec, f.String());
  ASSIGN_OR_RETURN(std::string subst, Substitute(f, spec));
  auto fmt = Format::Compile(subst);
  if (!fmt.ok()) return f.Error(fmt.status().message());
  return *std::move(fmt);
}

absl::StatusOr<std::vector<ValueExpr>> ScenarioCompiler::CompileValues(const YamlRef& vals,
                                                                       const Format& f,
                                                                       bool restricted,
                                                                       std::set<int>* vars_used) {
  RETURN_IF_ERROR(vals.ExpectSeq());
  if (vals.size() != f.value_count()) {
    return vals.Error(absl::StrCat("format '", f.spec(), "' takes ", f.value_count(), " values, ",
                                   vals.size(), " given"));
  }
  if (vals.size() > static_cast<size_t>(kMaxValuesPerMessage)) {
    return vals.Error(absl::StrCat("more than ", kMaxValuesPerMessage, " values"));
  }
  std::vector<ValueExpr> out;
  for (size_t i = 0; i < vals.size(); ++i) {
    ASSIGN_OR_RETURN(ValueExpr e, CompileValue(vals.At(i), f, i, restricted, vars_used));
    out.push_back(e);
  }
  return out;
}

absl::StatusOr<ValueExpr> ScenarioCompiler::LiteralValue(const YamlRef& v, const Format& f,
                                                         size_t index, bool number,
                                                         const std::string& text) {
  Literal lit;
  const FieldInfo info = f.field(index);
  if (number) {
    int64_t i;
    uint64_t u;
    double d;
    if (text == "true" || text == "false") {
      lit.value = Value::Int(text == "true" ? 1 : 0);
    } else if (ParseYamlInt(text, &i)) {
      lit.value = Value::Int(i);
    } else if (ParseYamlUint(text, &u)) {
      lit.value = Value::Uint(u);
    } else if (absl::SimpleAtod(text, &d)) {
      lit.value = Value::Float(d);
    } else {
      number = false;  // plain text, e.g. hello
    }
  }
  if (!number) {
    lit.is_bytes = true;
    lit.bytes = text;
  }
  absl::Status ok = f.CheckValue(index, lit.Get());
  if (!ok.ok()) {
    return v.Error(absl::StrCat("value '", text, "' does not fit code '", std::string(1, info.code),
                                "': ", ok.message()));
  }
  ValueExpr e;
  e.source = ValueSource::kLiteral;
  e.index = static_cast<uint16_t>(p_->literals.size());
  p_->literals.push_back(std::move(lit));
  return e;
}

absl::StatusOr<ValueExpr> ScenarioCompiler::CompileValue(const YamlRef& v, const Format& f,
                                                         size_t index, bool restricted,
                                                         std::set<int>* vars_used) {
  const FieldInfo info = f.field(index);
  auto need_bytes = [&](const std::string& what) -> absl::Status {
    if (info.is_bytes) return absl::OkStatus();
    return v.Error(absl::StrCat(what, " is bytes, but value ", index, " has code '",
                                std::string(1, info.code), "' (bytes go in s, p or c)"));
  };
  auto need_number = [&](const std::string& what) -> absl::Status {
    if (!info.is_bytes) return absl::OkStatus();
    return v.Error(absl::StrCat(what, " is a number, but value ", index, " has code '",
                                std::string(1, info.code), "' (bytes)"));
  };
  auto fits = [&](const std::string& what, uint32_t size) -> absl::Status {
    if (size <= info.width || info.code != 's') return absl::OkStatus();
    return v.Error(absl::StrCat(what, " is up to ", size, " bytes; value ", index, " is ",
                                info.width, "s and would cut it"));
  };

  if (v.IsSeq()) return v.Error("a value is a scalar or a {hex|text|random|identity} map");
  if (v.IsMap()) {
    if (restricted && !v.Has("hex")) {
      return v.Error("identity values may only be literals, $id and $index");
    }
    RETURN_IF_ERROR(v.CheckKeys({"hex", "text", "random", "identity", "of"}));
    if (v.Has("hex")) {
      RETURN_IF_ERROR(need_bytes("hex"));
      YamlRef h = v.Child("hex");
      ASSIGN_OR_RETURN(std::string text, h.String());
      auto bytes = ParseHexBytes(text);
      if (!bytes.ok()) return h.Error(bytes.status().message());
      Literal lit;
      lit.is_bytes = true;
      lit.bytes = *bytes;
      absl::Status ok = f.CheckValue(index, lit.Get());
      if (!ok.ok()) return h.Error(ok.message());
      ValueExpr e;
      e.index = static_cast<uint16_t>(p_->literals.size());
      p_->literals.push_back(std::move(lit));
      return e;
    }
    if (v.Has("text")) {
      RETURN_IF_ERROR(need_bytes("text"));
      YamlRef t = v.Child("text");
      ASSIGN_OR_RETURN(std::string text, t.String());
      Identity id;
      id.name = absl::StrCat("(inline ", v.path(), ")");
      auto tmpl = CompileMemberText(text);
      if (!tmpl.ok()) return t.Error(tmpl.status().message());
      id.text = std::move(*tmpl);
      id.max_size = MaxRendered(id.text);
      RETURN_IF_ERROR(fits("this text", id.max_size));
      ValueExpr e;
      e.source = ValueSource::kIdentity;
      e.index = static_cast<uint16_t>(p_->identities.size());
      p_->identities.push_back(std::move(id));
      return e;
    }
    if (v.Has("random")) {
      RETURN_IF_ERROR(need_number("random"));
      YamlRef r = v.Child("random");
      if (!r.IsSeq() || r.size() != 2) return r.Error("random takes [lo, hi]");
      ValueExpr e;
      e.source = ValueSource::kRandom;
      ASSIGN_OR_RETURN(e.lo, r.At(0).Int());
      ASSIGN_OR_RETURN(e.hi, r.At(1).Int());
      if (e.hi < e.lo) return r.Error("random: hi < lo");
      for (int64_t x : {e.lo, e.hi}) {
        absl::Status ok = f.CheckValue(index, Value::Int(x));
        if (!ok.ok()) return r.Error(ok.message());
      }
      return e;
    }
    if (v.Has("identity")) {
      YamlRef n = v.Child("identity");
      ASSIGN_OR_RETURN(std::string name, n.String());
      auto it = identity_index_.find(name);
      if (it == identity_index_.end()) return n.Error(absl::StrCat("no identity '", name, "'"));
      RETURN_IF_ERROR(need_bytes(absl::StrCat("identity '", name, "'")));
      RETURN_IF_ERROR(
          fits(absl::StrCat("identity '", name, "'"), p_->identities[it->second].max_size));
      ValueExpr e;
      e.source = ValueSource::kIdentity;
      e.index = static_cast<uint16_t>(it->second);
      if (v.Has("of")) {
        YamlRef o = v.Child("of");
        ASSIGN_OR_RETURN(std::string role, o.String());
        auto r = role_index_.find(role);
        if (r == role_index_.end()) return o.Error(absl::StrCat("no role '", role, "'"));
        e.of_role = static_cast<int16_t>(r->second);
      }
      return e;
    }
    return v.Error("expected one of hex:, text:, random:, identity:");
  }

  RETURN_IF_ERROR(v.ExpectScalar());
  const std::string& text = v.Scalar();
  std::string name = v.IsQuoted() ? RefName(text) : RefName(text);
  if (name.empty()) {
    // "$$x" is the literal text "$x".
    std::string lit = text.rfind("$$", 0) == 0 ? text.substr(1) : text;
    return LiteralValue(v, f, index, !v.IsQuoted(), lit);
  }
  if (name == "len") {  // the bytes after this field: messages have a fixed size
    int64_t after = static_cast<int64_t>(f.size()) - (info.offset + info.width);
    return LiteralValue(v, f, index, true, absl::StrCat(after));
  }
  if (name == "size") {  // the whole message
    return LiteralValue(v, f, index, true, absl::StrCat(f.size()));
  }
  for (const Builtin& b : kBuiltins) {
    if (name != b.name) continue;
    if (restricted && b.source != ValueSource::kId && b.source != ValueSource::kIndex) {
      return v.Error("identity values may only be literals, $id and $index");
    }
    RETURN_IF_ERROR(need_number(text));
    ValueExpr e;
    e.source = b.source;
    return e;
  }
  if (const YAML::Node* c = Const(name)) {
    YamlRef cref(&file_, *c, absl::StrCat("vars.", name));
    return LiteralValue(cref, f, index, !cref.IsQuoted(), c->Scalar());
  }
  if (restricted) return v.Error("identity values may only be literals, $id and $index");
  if (auto it = identity_index_.find(name); it != identity_index_.end()) {
    RETURN_IF_ERROR(need_bytes(absl::StrCat("identity '", name, "'")));
    RETURN_IF_ERROR(
        fits(absl::StrCat("identity '", name, "'"), p_->identities[it->second].max_size));
    ValueExpr e;
    e.source = ValueSource::kIdentity;
    e.index = static_cast<uint16_t>(it->second);
    return e;
  }
  if (auto it = var_slot_.find(name); it != var_slot_.end()) {
    RETURN_IF_ERROR(need_number(absl::StrCat("captured variable '", name, "'")));
    if (vars_used != nullptr) vars_used->insert(it->second);
    ValueExpr e;
    e.source = ValueSource::kVar;
    e.index = static_cast<uint16_t>(it->second);
    return e;
  }
  std::vector<std::string> known = {"id",   "index",  "seq",    "len",
                                    "size", "now_ms", "now_us", "now_s"};
  for (const auto& [k, unused] : identity_index_) known.push_back(k);
  for (const std::string& k : p_->vars) known.push_back(k);
  for (const auto& [k, unused] : consts_) known.push_back(k);
  return v.Error(
      absl::StrCat("unknown variable '$", name, "' (known: ", absl::StrJoin(known, ", "), ")"));
}

}  // namespace fleetsim
