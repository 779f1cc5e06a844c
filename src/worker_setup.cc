// Copyright fleetsim authors.

#include "src/worker_setup.h"

#include "absl/status/status.h"
#include "nlohmann/json.hpp"

namespace fleetsim {

std::string WorkerSetup::Encode() const {
  nlohmann::json j = {{"generation", generation},
                      {"index", index},
                      {"num_workers", num_workers},
                      {"scenario_file", scenario_file},
                      {"scenario_text", scenario_text},
                      {"overrides", overrides},
                      {"publish_interval_ns", absl::ToInt64Nanoseconds(publish_interval)},
                      {"histograms", histograms},
                      {"verbosity", verbosity},
                      {"exchanges", exchanges},
                      {"vars", vars}};
  return j.dump();
}

absl::StatusOr<WorkerSetup> WorkerSetup::Decode(const std::string& bytes) {
  nlohmann::json j = nlohmann::json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError("worker setup: not a JSON object");
  }
  WorkerSetup s;
  try {
    s.generation = j.at("generation").get<uint64_t>();
    s.index = j.at("index").get<uint32_t>();
    s.num_workers = j.at("num_workers").get<uint32_t>();
    s.scenario_file = j.at("scenario_file").get<std::string>();
    s.scenario_text = j.at("scenario_text").get<std::string>();
    s.overrides = j.at("overrides").get<std::vector<std::string>>();
    s.publish_interval = absl::Nanoseconds(j.at("publish_interval_ns").get<int64_t>());
    s.histograms = j.at("histograms").get<bool>();
    s.verbosity = j.at("verbosity").get<int>();
    s.exchanges = j.at("exchanges").get<std::vector<std::string>>();
    s.vars = j.at("vars").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(std::string("worker setup: ") + e.what());
  }
  return s;
}

}  // namespace fleetsim
