// Copyright fleetsim authors.
//
// The top level of the scenario compiler: section order, vars, target, framing, durations.

#include "src/scenario_compiler.h"

#include <arpa/inet.h>
#include <netdb.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "src/byte_literal.h"
#include "src/duration.h"
#include "src/status_macros.h"

namespace fleetsim {

namespace {

constexpr size_t kMaxSources = 65536;

bool IsNameChar(char c) { return absl::ascii_isalnum(c) || c == '_'; }

absl::StatusOr<in_addr> ParseAddr(const YamlRef& at, const std::string& text) {
  in_addr a;
  if (inet_pton(AF_INET, text.c_str(), &a) == 1) return a;
  return at.Error(absl::StrCat("'", text, "' is not an IPv4 address"));
}

absl::StatusOr<in_addr> ResolveHost(const YamlRef& at, const std::string& host) {
  in_addr a;
  if (inet_pton(AF_INET, host.c_str(), &a) == 1) return a;
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (rc != 0 || res == nullptr) {
    return at.Error(absl::StrCat("cannot resolve host '", host, "': ", gai_strerror(rc)));
  }
  a = reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr;
  freeaddrinfo(res);
  return a;
}

}  // namespace

void ScenarioCompiler::KeepIndicesOf(const Program& previous) {
  kept_exchanges_ = previous.exchanges;
  for (Exchange& x : kept_exchanges_) x.paced = false;  // recomputed from the new steps
  kept_vars_ = previous.vars;
}

absl::StatusOr<std::unique_ptr<Program>> ScenarioCompiler::Compile(const YAML::Node& root_node) {
  p_ = std::make_unique<Program>();
  p_->file = file_;
  p_->exchanges = kept_exchanges_;
  p_->vars = kept_vars_;
  for (size_t i = 0; i < kept_vars_.size(); ++i) var_slot_[kept_vars_[i]] = static_cast<int>(i);
  YamlRef root(&file_, root_node, "");
  if (!root_node.IsMap()) return root.Error("a scenario file is a map of sections");
  for (absl::string_view reserved : {"types", "events", "impair", "generators", "ledger"}) {
    if (root.Has(reserved)) {
      return root.ErrorAt(reserved, "reserved for a later version: not supported yet");
    }
  }
  RETURN_IF_ERROR(root.CheckKeys(
      {"scenario", "seed", "vars", "target", "framing", "identities", "messages", "roles"}));
  if (root.Has("scenario")) {
    ASSIGN_OR_RETURN(p_->name, root.Child("scenario").String());
  }
  if (root.Has("seed")) {
    ASSIGN_OR_RETURN(p_->seed, root.Child("seed").Uint());
  }
  if (root.Has("vars")) RETURN_IF_ERROR(CompileVars(root.Child("vars")));
  RETURN_IF_ERROR(CompileTarget(root.Child("target")));
  if (!root.Has("framing")) return root.ErrorAt("framing", "missing: say how frames are cut");
  RETURN_IF_ERROR(CompileFraming(root.Child("framing")));
  // Ports name their framing; resolved now that both are known.
  YamlRef ports = root.Child("target").Child("ports");
  for (Port& port : p_->ports) {
    YamlRef pr = ports.Child(port.name);
    std::string fname;
    if (pr.IsMap() && pr.Has("framing")) {
      ASSIGN_OR_RETURN(fname, pr.Child("framing").String());
      auto it = framing_index_.find(fname);
      if (it == framing_index_.end()) {
        return pr.ErrorAt("framing", absl::StrCat("no framing named '", fname, "'"));
      }
      port.framing = it->second;
    } else if (p_->framings.size() == 1) {
      port.framing = 0;
    } else {
      return pr.Error("several framings are defined: say which one this port uses (framing:)");
    }
  }
  if (!root.Has("roles")) return root.ErrorAt("roles", "missing: no population to simulate");
  RETURN_IF_ERROR(CollectNames(root.Child("roles")));
  if (root.Has("identities")) RETURN_IF_ERROR(CompileIdentities(root.Child("identities")));
  if (!root.Has("messages")) return root.ErrorAt("messages", "missing");
  RETURN_IF_ERROR(CompileMessages(root.Child("messages")));
  RETURN_IF_ERROR(CompileRoles(root.Child("roles")));
  return std::move(p_);
}

absl::Status ScenarioCompiler::CompileVars(const YamlRef& vars) {
  RETURN_IF_ERROR(vars.ExpectMap());
  for (auto it = vars.node().begin(); it != vars.node().end(); ++it) {
    const std::string& name = it->first.Scalar();
    YamlRef v = vars.Child(name);
    if (!v.IsScalar()) return v.Error("a var is a single value (number, string or duration)");
    for (char c : name) {
      if (!IsNameChar(c)) return v.Error("var names use letters, digits and _ only");
    }
    consts_[name] = v.node();
  }
  return absl::OkStatus();
}

const YAML::Node* ScenarioCompiler::Const(const std::string& name) const {
  auto it = consts_.find(name);
  return it == consts_.end() ? nullptr : &it->second;
}

absl::StatusOr<std::string> ScenarioCompiler::Substitute(const YamlRef& at,
                                                         const std::string& text) const {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    if (text[i] != '$') {
      out.push_back(text[i++]);
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '$') {
      out.push_back('$');
      i += 2;
      continue;
    }
    size_t start = i + 1, end;
    bool braced = start < text.size() && text[start] == '{';
    if (braced) {
      end = text.find('}', start);
      if (end == std::string::npos) return at.Error(absl::StrCat("unclosed ${ in '", text, "'"));
      ++start;
    } else {
      end = start;
      while (end < text.size() && IsNameChar(text[end])) ++end;
    }
    std::string name = text.substr(start, end - start);
    const YAML::Node* c = Const(name);
    if (c == nullptr) {
      return at.Error(absl::StrCat("unknown variable '$", name, "' in '", text,
                                   "' (only vars constants can be used here)"));
    }
    out += c->Scalar();
    i = braced ? end + 1 : end;
  }
  return out;
}

absl::StatusOr<absl::Duration> ScenarioCompiler::ConstDuration(const YamlRef& d) const {
  RETURN_IF_ERROR(d.ExpectScalar());
  ASSIGN_OR_RETURN(std::string text, Substitute(d, d.Scalar()));
  auto dur = ParseDuration(text, "duration");
  if (!dur.ok()) {
    return d.Error(
        absl::StrCat("expected a duration with a unit (500ms, 1s, 2m), got '", d.Scalar(), "'"));
  }
  return *dur;
}

absl::StatusOr<DynDuration> ScenarioCompiler::DynamicDuration(const YamlRef& d, int role) const {
  RETURN_IF_ERROR(d.ExpectScalar());
  const std::string& text = d.Scalar();
  DynDuration out;
  if (!text.empty() && text[0] == '$') {
    bool braced = text.size() > 1 && text[1] == '{';
    size_t start = braced ? 2 : 1;
    size_t end = braced ? text.find('}', start) : start;
    if (!braced) {
      while (end < text.size() && IsNameChar(text[end])) ++end;
    }
    if (end == std::string::npos) return d.Error(absl::StrCat("unclosed ${ in '", text, "'"));
    std::string name = text.substr(start, end - start);
    auto slot = var_slot_.find(name);
    if (slot != var_slot_.end() && Const(name) == nullptr) {
      std::string unit = text.substr(braced ? end + 1 : end);
      auto u = ParseDuration(absl::StrCat("1", absl::StripAsciiWhitespace(unit)), "unit");
      if (unit.empty() || !u.ok()) {
        return d.Error(absl::StrCat("'", text, "': a captured variable needs a unit, e.g. ${", name,
                                    "}s or ${", name, "}ms"));
      }
      if (!role_captures_[role].count(slot->second)) {
        return d.Error(absl::StrCat(
            "'$", name, "' is never captured by role '",
            p_->roles.size() > static_cast<size_t>(role) ? p_->roles[role].name : "?", "'"));
      }
      out.var = static_cast<int16_t>(slot->second);
      out.unit = *u;
      return out;
    }
  }
  ASSIGN_OR_RETURN(out.fixed, ConstDuration(d));
  return out;
}

absl::Status ScenarioCompiler::CompileTarget(const YamlRef& t) {
  RETURN_IF_ERROR(t.ExpectMap());
  RETURN_IF_ERROR(t.CheckKeys({"host", "hosts", "ports", "sources", "connect_timeout"}));
  if (t.Has("host") == t.Has("hosts")) {
    return t.Error("give exactly one of host: (one address) or hosts: (a list)");
  }
  if (t.Has("host")) {
    YamlRef h = t.Child("host");
    ASSIGN_OR_RETURN(std::string host, h.String());
    ASSIGN_OR_RETURN(std::string subst, Substitute(h, host));
    ASSIGN_OR_RETURN(in_addr a, ResolveHost(h, subst));
    p_->hosts.push_back(subst);
    p_->host_addrs.push_back(a);
  } else {
    YamlRef hs = t.Child("hosts");
    RETURN_IF_ERROR(hs.ExpectSeq());
    if (hs.size() == 0) return hs.Error("empty list");
    for (size_t i = 0; i < hs.size(); ++i) {
      ASSIGN_OR_RETURN(std::string host, hs.At(i).String());
      ASSIGN_OR_RETURN(in_addr a, ResolveHost(hs.At(i), host));
      p_->hosts.push_back(host);
      p_->host_addrs.push_back(a);
    }
  }

  YamlRef ports = t.Child("ports");
  RETURN_IF_ERROR(ports.ExpectMap());
  if (ports.size() == 0) return ports.Error("no ports");
  for (auto it = ports.node().begin(); it != ports.node().end(); ++it) {
    Port port;
    port.name = it->first.Scalar();
    YamlRef pr = ports.Child(port.name);
    YamlRef num = pr;
    if (pr.IsMap()) {
      RETURN_IF_ERROR(pr.CheckKeys({"port", "framing"}));
      num = pr.Child("port");
    }
    ASSIGN_OR_RETURN(uint64_t n, num.Uint());
    if (n == 0 || n > 65535) return num.Error(absl::StrCat("port ", n, " is not in 1..65535"));
    port.port = static_cast<uint16_t>(n);
    port_index_[port.name] = static_cast<int>(p_->ports.size());
    p_->ports.push_back(port);
  }

  if (t.Has("sources")) {
    YamlRef ss = t.Child("sources");
    RETURN_IF_ERROR(ss.ExpectSeq());
    for (size_t i = 0; i < ss.size(); ++i) {
      YamlRef s = ss.At(i);
      ASSIGN_OR_RETURN(std::string text, s.String());
      std::vector<std::string> ends = absl::StrSplit(text, '-');
      if (ends.size() > 2) return s.Error(absl::StrCat("'", text, "' is not an address or a-b"));
      ASSIGN_OR_RETURN(in_addr lo, ParseAddr(s, std::string(absl::StripAsciiWhitespace(ends[0]))));
      in_addr hi = lo;
      if (ends.size() == 2) {
        ASSIGN_OR_RETURN(hi, ParseAddr(s, std::string(absl::StripAsciiWhitespace(ends[1]))));
      }
      uint32_t a = ntohl(lo.s_addr), b = ntohl(hi.s_addr);
      if (b < a) return s.Error(absl::StrCat("range '", text, "' runs backwards"));
      if (b - a >= kMaxSources || p_->sources.size() + (b - a) + 1 > kMaxSources) {
        return s.Error(absl::StrCat("more than ", kMaxSources, " source addresses"));
      }
      for (uint64_t x = a; x <= b; ++x) {
        in_addr ad;
        ad.s_addr = htonl(static_cast<uint32_t>(x));
        p_->sources.push_back(ad);
      }
    }
  }
  if (t.Has("connect_timeout")) {
    ASSIGN_OR_RETURN(p_->connect_timeout, ConstDuration(t.Child("connect_timeout")));
  }
  return absl::OkStatus();
}

absl::Status ScenarioCompiler::CompileFraming(const YamlRef& f) {
  RETURN_IF_ERROR(f.ExpectMap());
  if (f.Has("length") || f.Has("fixed") || f.Has("delimiter")) {
    ASSIGN_OR_RETURN(Framing one, CompileOneFraming(f, "default"));
    framing_index_["default"] = 0;
    p_->framings.push_back(std::move(one));
    return absl::OkStatus();
  }
  for (auto it = f.node().begin(); it != f.node().end(); ++it) {
    const std::string& name = it->first.Scalar();
    ASSIGN_OR_RETURN(Framing one, CompileOneFraming(f.Child(name), name));
    framing_index_[name] = static_cast<int>(p_->framings.size());
    p_->framings.push_back(std::move(one));
  }
  if (p_->framings.empty()) return f.Error("no framing defined");
  return absl::OkStatus();
}

absl::StatusOr<Framing> ScenarioCompiler::CompileOneFraming(const YamlRef& f,
                                                            const std::string& name) {
  RETURN_IF_ERROR(f.ExpectMap());
  RETURN_IF_ERROR(f.CheckKeys({"length", "fixed", "delimiter", "max_frame"}));
  Framing fr;
  fr.name = name;
  int kinds = f.Has("length") + f.Has("fixed") + f.Has("delimiter");
  if (kinds != 1) return f.Error("give exactly one of length:, fixed:, delimiter:");
  if (f.Has("max_frame")) {
    ASSIGN_OR_RETURN(uint64_t m, f.Child("max_frame").Uint());
    if (m == 0 || m > (16u << 20)) return f.ErrorAt("max_frame", "must be in 1..16MiB");
    fr.max_frame = static_cast<uint32_t>(m);
  }
  if (f.Has("fixed")) {
    fr.kind = Framing::Kind::kFixed;
    ASSIGN_OR_RETURN(uint64_t n, f.Child("fixed").Uint());
    if (n == 0 || n > fr.max_frame) return f.ErrorAt("fixed", "must be in 1..max_frame");
    fr.fixed_size = static_cast<uint32_t>(n);
    return fr;
  }
  if (f.Has("delimiter")) {
    fr.kind = Framing::Kind::kDelimiter;
    YamlRef d = f.Child("delimiter");
    ASSIGN_OR_RETURN(std::string text, d.String());
    auto bytes = ParseEscapedBytes(text);
    if (!bytes.ok()) return d.Error(bytes.status().message());
    if (bytes->empty()) return d.Error("empty delimiter");
    fr.delimiter = *bytes;
    return fr;
  }
  YamlRef l = f.Child("length");
  RETURN_IF_ERROR(l.ExpectMap());
  RETURN_IF_ERROR(l.CheckKeys({"offset", "format", "counts", "adjust"}));
  fr.kind = Framing::Kind::kLength;
  ASSIGN_OR_RETURN(uint64_t off, l.Child("offset").Uint());
  fr.offset = static_cast<uint32_t>(off);
  ASSIGN_OR_RETURN(std::string fmt, l.Child("format").String());
  std::string code = fmt;
  fr.big_endian = true;
  if (!code.empty() &&
      (code[0] == '!' || code[0] == '>' || code[0] == '<' || code[0] == '=' || code[0] == '@')) {
    fr.big_endian = code[0] == '!' || code[0] == '>';
    if (code[0] == '=' || code[0] == '@') fr.big_endian = false;  // x86 is little-endian
    code = code.substr(1);
  }
  if (code == "B") {
    fr.width = 1;
  } else if (code == "H") {
    fr.width = 2;
  } else if (code == "I") {
    fr.width = 4;
  } else if (code == "Q") {
    fr.width = 8;
  } else {
    return l.ErrorAt("format", absl::StrCat("'", fmt,
                                            "': a length field is one of B, H, I, Q "
                                            "with a byte order, e.g. \"!H\""));
  }
  std::string counts = "after";
  if (l.Has("counts")) {
    ASSIGN_OR_RETURN(counts, l.Child("counts").String());
  }
  if (counts == "after") {
    fr.adjust = fr.offset + fr.width;
  } else if (counts == "all") {
    fr.adjust = 0;
  } else {
    return l.ErrorAt("counts", absl::StrCat("'", counts, "': expected after or all"));
  }
  if (l.Has("adjust")) {
    ASSIGN_OR_RETURN(int64_t adj, l.Child("adjust").Int());
    fr.adjust += adj;
  }
  if (fr.offset + fr.width > fr.max_frame) {
    return l.Error("the length field ends past max_frame");
  }
  return fr;
}

}  // namespace fleetsim
