// Copyright fleetsim authors.

#include "src/scenario.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "src/scenario_compiler.h"
#include "src/status_macros.h"
#include "yaml-cpp/yaml.h"

namespace fleetsim {

namespace {

constexpr const char* kTopLevel[] = {"scenario", "seed",       "vars",     "target",
                                     "framing",  "identities", "messages", "roles"};

// Sets one "a.b.c=value" in the tree. Keys must exist, except new entries under vars.
absl::Status ApplyOverride(YAML::Node root, const std::string& item) {
  size_t eq = item.find('=');
  std::string key = item.substr(0, eq), value = item.substr(eq + 1);
  std::vector<std::string> segs = absl::StrSplit(key, '.');
  auto fail = [&](const std::string& why) {
    return absl::InvalidArgumentError(absl::StrCat("--set ", item, ": ", why));
  };
  if (key.empty() || segs.empty()) return fail("empty key");
  bool top = false;
  for (const char* t : kTopLevel) top = top || segs[0] == t;
  if (!top) {
    const YAML::Node roles = root["roles"];
    if (roles && roles.IsMap() && roles[segs[0]]) {
      segs.insert(segs.begin(), "roles");  // device.count means roles.device.count
    } else {
      return fail(absl::StrCat("'", segs[0], "' is neither a section nor a role"));
    }
  }
  YAML::Node cur;
  cur.reset(root);
  std::string path;
  for (size_t i = 0; i + 1 < segs.size(); ++i) {
    path += (i ? "." : "") + segs[i];
    if (!cur.IsMap() || !cur[segs[i]]) return fail(absl::StrCat("no '", path, "' in the file"));
    YAML::Node next = cur[segs[i]];
    cur.reset(next);
  }
  if (!cur.IsMap()) return fail(absl::StrCat("'", path, "' is not a map"));
  const std::string& last = segs.back();
  if (!cur[last] && !(segs.size() == 2 && segs[0] == "vars")) {
    return fail(absl::StrCat("no '", key, "' in the file (only vars.NAME may be added)"));
  }
  if (cur[last] && !cur[last].IsScalar()) return fail(absl::StrCat("'", key, "' is not a scalar"));
  cur[last] = value;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::string>> SplitOverrides(const std::vector<std::string>& sets) {
  std::vector<std::string> out;
  for (const std::string& s : sets) {
    for (absl::string_view item : absl::StrSplit(s, ',', absl::SkipWhitespace())) {
      if (item.find('=') == absl::string_view::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat("--set ", item, ": expected KEY=VALUE, e.g. device.count=5000"));
      }
      out.emplace_back(item);
    }
  }
  return out;
}

absl::StatusOr<std::unique_ptr<Program>> CompileScenario(const std::string& text,
                                                         const std::string& file,
                                                         const std::vector<std::string>& overrides,
                                                         const Program* previous) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        file, ":", e.mark.line + 1, ":", e.mark.column + 1, ": YAML syntax error: ", e.msg));
  }
  if (!root.IsMap()) {
    return absl::InvalidArgumentError(absl::StrCat(file, ": not a scenario (expected a map)"));
  }
  for (const std::string& item : overrides) RETURN_IF_ERROR(ApplyOverride(root, item));
  try {
    ScenarioCompiler compiler(file);
    if (previous != nullptr) compiler.KeepIndicesOf(*previous);
    return compiler.Compile(root);
  } catch (const YAML::Exception& e) {
    // yaml-cpp throws on conversions we did not guard; keep the error, not the crash.
    return absl::InvalidArgumentError(absl::StrCat(file, ":", e.mark.line + 1, ": ", e.msg));
  }
}

absl::StatusOr<std::string> ReadScenarioFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot read scenario: ", strerror(errno)));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

absl::StatusOr<std::unique_ptr<Program>> LoadScenario(const std::string& path,
                                                      const std::vector<std::string>& overrides) {
  ASSIGN_OR_RETURN(std::string text, ReadScenarioFile(path));
  return CompileScenario(text, path, overrides);
}

}  // namespace fleetsim
