// Copyright fleetsim authors.
//
// scenario: loads a scenario file (YAML) with its --set overrides and compiles it into an
// immutable Program. Every error names file, line and field path. The format is documented
// in conf/scenarios/README.md. Pure apart from reading the file: no sockets, no clock.

#ifndef FLEETSIM_SRC_SCENARIO_H_
#define FLEETSIM_SRC_SCENARIO_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/program.h"

namespace fleetsim {

// Splits --set values ("device.count=5000,user.count=0") into single "key=value" items.
// Returns an error naming the item that has no '='.
absl::StatusOr<std::vector<std::string>> SplitOverrides(const std::vector<std::string>& sets);

// The text of a scenario file, or NotFound naming it.
absl::StatusOr<std::string> ReadScenarioFile(const std::string& path);

// Reads and compiles `path` with `overrides` ("key=value" items, see SplitOverrides).
absl::StatusOr<std::unique_ptr<Program>> LoadScenario(const std::string& path,
                                                      const std::vector<std::string>& overrides);

// The same from text in memory; `file` is the name errors carry. With `previous` (the program
// running now, on reload), exchanges and captured variables keep the indices they have there
// (new ones come after; removed ones keep their place, unused), so counters and captured
// values of live connections stay where they are.
absl::StatusOr<std::unique_ptr<Program>> CompileScenario(const std::string& text,
                                                         const std::string& file,
                                                         const std::vector<std::string>& overrides,
                                                         const Program* previous = nullptr);

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_SCENARIO_H_
