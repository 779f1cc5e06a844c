// Copyright fleetsim authors.
//
// scenario_compiler: lowers a parsed scenario (yaml-cpp tree) into a Program. Internal to
// scenario.cc; split over three files by section: scenario_compiler.cc (top level, vars,
// target, framing, durations), scenario_messages.cc (identities, messages, values) and
// scenario_steps.cc (roles, connections, steps). One instance compiles one file once.

#ifndef FLEETSIM_SRC_SCENARIO_COMPILER_H_
#define FLEETSIM_SRC_SCENARIO_COMPILER_H_

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "src/program.h"
#include "src/yaml_util.h"

namespace fleetsim {

class ScenarioCompiler {
 public:
  explicit ScenarioCompiler(std::string file) : file_(std::move(file)) {}
  ScenarioCompiler(const ScenarioCompiler&) = delete;
  ScenarioCompiler& operator=(const ScenarioCompiler&) = delete;

  // Exchanges and variables of `previous` keep their indices (see CompileScenario).
  void KeepIndicesOf(const Program& previous);
  absl::StatusOr<std::unique_ptr<Program>> Compile(const YAML::Node& root);

 private:
  // scenario_compiler.cc
  absl::Status CompileVars(const YamlRef& vars);
  absl::Status CompileTarget(const YamlRef& target);
  absl::Status CompileFraming(const YamlRef& framing);
  absl::StatusOr<Framing> CompileOneFraming(const YamlRef& f, const std::string& name);
  // Replaces $name / ${name} of `vars` constants inside `text` (format strings, durations).
  absl::StatusOr<std::string> Substitute(const YamlRef& at, const std::string& text) const;
  // A scenario-time duration: "30s" or "$report_every".
  absl::StatusOr<absl::Duration> ConstDuration(const YamlRef& d) const;
  // A duration that may read a captured variable at run time: "${heartbeat_s}s".
  absl::StatusOr<DynDuration> DynamicDuration(const YamlRef& d, int role) const;
  // The constant a `$name` refers to, if `name` is in vars.
  const YAML::Node* Const(const std::string& name) const;

  // scenario_messages.cc
  absl::Status CollectNames(const YamlRef& roles);
  absl::Status CompileIdentities(const YamlRef& ids);
  absl::Status CompileMessages(const YamlRef& msgs);
  // A message's or identity's format string, vars substituted.
  absl::StatusOr<Format> CompileFormat(const YamlRef& f);
  // The list of values format `f` takes (as many as it takes, each checked against it).
  absl::StatusOr<std::vector<ValueExpr>> CompileValues(const YamlRef& vals, const Format& f,
                                                       bool restricted, std::set<int>* vars_used);
  // Compiles value `index` of format `f`. `restricted`: only literals, $id and $index
  // (identity packs). Records the variable slots used into *vars_used.
  absl::StatusOr<ValueExpr> CompileValue(const YamlRef& v, const Format& f, size_t index,
                                         bool restricted, std::set<int>* vars_used);
  absl::StatusOr<ValueExpr> LiteralValue(const YamlRef& v, const Format& f, size_t index,
                                         bool number, const std::string& text);

  // scenario_steps.cc
  absl::Status CompileRoles(const YamlRef& roles);
  absl::Status CompileRoleList(const YamlRef& roles);
  absl::Status CompileConn(const YamlRef& c, int role, ConnSpec* conn);
  absl::Status CompileSteps(const YamlRef& steps, int role, bool in_loop, bool allow_loop,
                            std::vector<Step>* out);
  absl::Status CompileExpect(const YamlRef& e, int role, int last_exchange, Step* step);
  absl::StatusOr<std::vector<FieldCheck>> CompileChecks(const YamlRef& m, const Message& msg,
                                                        int role);
  absl::StatusOr<std::vector<FieldCapture>> CompileCaptures(const YamlRef& m, const Message& msg);
  absl::StatusOr<int> MessageIndex(const YamlRef& at, const std::string& name, bool to_send,
                                   int role) const;
  int ExchangeIndex(const std::string& name, int role);
  absl::Status CheckRoleVars(const YamlRef& at, int role, const std::set<int>& used) const;

  std::string file_;
  std::unique_ptr<Program> p_;
  absl::flat_hash_map<std::string, YAML::Node> consts_;  // vars
  absl::flat_hash_map<std::string, int> var_slot_;       // captured variables
  absl::flat_hash_map<std::string, int> role_index_;
  absl::flat_hash_map<std::string, int> port_index_;
  absl::flat_hash_map<std::string, int> framing_index_;
  absl::flat_hash_map<std::string, int> identity_index_;
  absl::flat_hash_map<std::string, int> message_index_;
  std::vector<std::set<int>> message_vars_;   // variable slots each message's values read
  std::vector<std::set<int>> role_captures_;  // variable slots each role captures
  std::vector<Exchange> kept_exchanges_;      // from KeepIndicesOf
  std::vector<std::string> kept_vars_;
};

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_SCENARIO_COMPILER_H_
