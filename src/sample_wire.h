// Copyright fleetsim authors.
//
// sample_wire: the JSON body of the agent's GET /sample, shared by the agent (encode)
// and the collector (decode): raw counters exactly as read (kB already x1024), the
// agent's CLOCK_MONOTONIC timestamp and USER_HZ, plus the inventory. Pure.

#ifndef FLEETSIM_SRC_SAMPLE_WIRE_H_
#define FLEETSIM_SRC_SAMPLE_WIRE_H_

#include "absl/status/status.h"
#include "nlohmann/json.hpp"
#include "src/host_sample.h"
#include "src/inventory.h"

namespace fleetsim {

// The "format" value; a decoder refuses other major versions.
inline constexpr const char* kSampleFormat = "fleetsim-agent-sample/1";

nlohmann::json InventoryToJson(const Inventory& inv);

// The /sample body. `inventory` may be null (omitted).
nlohmann::json SampleToJson(const HostSample& s, const Inventory* inventory);

// Decodes a /sample body into *s. Never throws: a wrong type, a missing required key
// (format, mono_ns, user_hz) or a malformed section gives InvalidArgument naming it.
// Unknown keys are ignored (a newer agent may send more). *inventory (if not null) gets
// the "inventory" object as sent, or null when absent.
absl::Status SampleFromJson(const nlohmann::json& j, HostSample* s, nlohmann::json* inventory);

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_SAMPLE_WIRE_H_
