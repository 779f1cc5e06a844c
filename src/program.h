// Copyright fleetsim authors.
//
// program: the compiled, immutable form of a scenario. The scenario compiler writes it once
// (in the master, before workers fork); Device::Drive() and the stats code only read it.
// Every name is resolved to an index and every literal is pre-encoded, so the hot path never
// looks anything up by string.

#ifndef FLEETSIM_SRC_PROGRAM_H_
#define FLEETSIM_SRC_PROGRAM_H_

#include <netinet/in.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "src/codec.h"
#include "src/text_template.h"

namespace fleetsim {

inline constexpr uint16_t kNoIndex = 0xFFFF;
// A device holds at most this many named connections (access, report, ...).
inline constexpr int kMaxConnsPerDevice = 4;
// Numeric variables (captures) a device can hold: each is 8 bytes of the device's budget.
inline constexpr int kMaxVars = 16;
// Values in one message (after repeat counts are expanded).
inline constexpr int kMaxValuesPerMessage = 64;

// Where a scenario element came from, for run-time messages that point back at the file.
struct SourceLoc {
  std::string file;
  int line = 0;      // 1-based; 0 if unknown
  std::string path;  // "roles.device.connections.access.steps[2]"
};

// How a byte stream is cut into frames on one port.
struct Framing {
  enum class Kind : uint8_t { kLength, kFixed, kDelimiter };
  Kind kind = Kind::kLength;
  // kLength: a length field at `offset`, `width` bytes, decoded with `format`.
  uint32_t offset = 0;
  uint32_t width = 0;
  bool big_endian = true;
  // frame size = field value + adjust; with counts_after, adjust = offset + width.
  int64_t adjust = 0;
  // kFixed
  uint32_t fixed_size = 0;
  // kDelimiter: frames end with (and include) this byte string.
  std::string delimiter;
  uint32_t max_frame = 65536;
  std::string name;
};

struct Port {
  std::string name;
  uint16_t port = 0;
  uint16_t framing = 0;  // index into Program::framings
};

// Where one value of a message comes from, evaluated each time the message is encoded.
enum class ValueSource : uint8_t {
  kLiteral,  // Program::literals[index]
  kId,       // the member number ($id): first_id + index within the role
  kIndex,    // the member index within its role ($index)
  kSeq,      // the connection's sequence counter ($seq), +1 per message sent
  kClockMs,  // wall clock, ms since the epoch ($now_ms); kClockUs, kClockS likewise
  kClockUs,
  kClockS,
  kRandom,    // uniform integer in [lo, hi] from the worker's seeded PRNG
  kVar,       // the device's variable slot `index` (captured from a response)
  kIdentity,  // identity `index`, of this member or (of_role >= 0) of a random member
};

struct ValueExpr {
  ValueSource source = ValueSource::kLiteral;
  uint16_t index = 0;
  int16_t of_role = -1;    // kIdentity: role of the random member; -1 = this member
  int64_t lo = 0, hi = 0;  // kRandom
};

// A literal value kept by the program. Bytes are owned here; Get() views them, so it is
// only called once the Program is frozen (its vectors no longer move).
struct Literal {
  Value value;
  std::string bytes;
  bool is_bytes = false;
  Value Get() const { return is_bytes ? Value::Bytes(bytes) : value; }
};

// An identity: a per-member value derived from its number (mac, sn, token).
struct Identity {
  std::string name;
  enum class Kind : uint8_t { kText, kPack };
  Kind kind = Kind::kText;
  TextTemplate text;                   // kText: variables are {id, index}
  Format pack;                         // kPack
  std::vector<ValueExpr> pack_values;  // kPack: literals, kId, kIndex only
  uint32_t max_size = 0;
};

struct Message {
  std::string name;
  Format format;
  std::vector<ValueExpr> values;    // for sending; empty if the message is only received
  std::vector<std::string> fields;  // decoded value names; empty if only sent
  SourceLoc loc;
};

// One decoded-field comparison of an expect step: field `value_index` == operand.
struct FieldCheck {
  uint16_t value_index = 0;
  ValueExpr operand;    // kLiteral, kVar or kSeq (the seq of the last message sent)
  bool negate = false;  // "ne"
  std::string field;    // for messages
};

struct FieldCapture {
  uint16_t value_index = 0;
  uint16_t var = 0;
};

// What a connection does when a step fails (timeout, check failed, closed, malformed).
enum class FailAction : uint8_t {
  kContinue,   // count it and go on with the next step
  kReconnect,  // close, back off (exponential, jittered), reconnect and start over
  kGiveUp,     // close and leave this member stopped for the rest of the run
};

struct Backoff {
  absl::Duration initial = absl::Seconds(1);
  absl::Duration max = absl::Seconds(30);
  double multiplier = 2.0;
  double jitter = 0.5;  // the wait is drawn uniformly from [d*(1-jitter), d]
};

// A duration that is either fixed or read from a variable at run time (e.g. the heartbeat
// interval a server announces): value = var * unit.
struct DynDuration {
  absl::Duration fixed = absl::ZeroDuration();
  int16_t var = -1;
  absl::Duration unit = absl::Seconds(1);
  absl::Duration fallback = absl::Seconds(30);  // used while the variable is 0 or unset
};

enum class StepKind : uint8_t {
  kSend,     // encode `message`, queue it, flush
  kExpect,   // wait for a frame matching `match`; check, capture; or time out
  kOnline,   // the member counts as online from here
  kPause,    // wait `duration`
  kLoop,     // start of a paced loop: body runs every `duration` (+ jitter), never drifting
  kEndLoop,  // jump back to `target`
  kClose,    // close this connection (normal end of a short-lived connection)
};

struct Step {
  StepKind kind = StepKind::kSend;
  uint16_t message = kNoIndex;
  // The exchange this step is counted under (send and its expect share one), index into
  // Program::exchanges.
  uint16_t exchange = kNoIndex;
  uint16_t target = 0;            // kEndLoop: index of its kLoop step; kLoop: index after kEndLoop
  uint32_t loop_count = 0;        // kLoop: 0 = forever
  DynDuration duration;           // kPause, kLoop (period), kExpect (timeout)
  double jitter = 0;              // kLoop: each iteration is delayed by U[0, jitter) * period
  std::vector<FieldCheck> match;  // kExpect: which frame this step waits for
  std::vector<FieldCheck> check;  // kExpect: what the frame must hold (else check_failed)
  std::vector<FieldCapture> capture;
  // Per-step override of the connection's failure action (kNoIndex = inherit).
  bool has_on_fail = false;
  FailAction on_fail = FailAction::kContinue;
  SourceLoc loc;
};

// A frame the server may send at any time (a push): matched, captured, maybe answered.
struct Handler {
  uint16_t message = kNoIndex;  // decoded with this message's format
  std::vector<FieldCheck> match;
  std::vector<FieldCapture> capture;
  uint16_t reply = kNoIndex;  // message sent in answer, or kNoIndex
  uint16_t exchange = kNoIndex;
};

// When a connection is opened.
struct OpenPolicy {
  enum class Kind : uint8_t { kAtStart, kEvery };
  Kind kind = Kind::kAtStart;
  DynDuration every;
  double jitter = 0;
  // kEvery: only while connection `requires_conn` of the same member is online.
  int16_t requires_conn = -1;
};

struct ConnSpec {
  std::string name;
  uint16_t port = 0;  // index into Program::ports
  OpenPolicy open;
  std::vector<Step> steps;
  std::vector<Step> on_stop;  // run before closing when the member stops
  std::vector<Handler> handlers;
  FailAction on_error = FailAction::kReconnect;
  Backoff backoff;
  bool marks_online = false;  // has a kOnline step
};

struct RampPhase {
  double rate = 0;  // members started per second (0 = all at once)
  absl::Duration duration = absl::InfiniteDuration();
};

struct Role {
  std::string name;
  uint32_t count = 0;
  uint32_t first_id = 0;
  std::vector<RampPhase> ramp;
  std::vector<ConnSpec> conns;
  uint16_t online_conn = 0;  // the connection whose kOnline step (or first expect) counts
  SourceLoc loc;
};

// A (send, expect) pair or a lone expect/handler, counted under one name in the stats.
struct Exchange {
  std::string name;
  uint16_t role = 0;
  bool paced = false;  // inside a loop: latency is measured from the scheduled time
};

struct Program {
  std::string file;
  std::string name;
  uint64_t seed = 1;
  std::vector<std::string> hosts;
  std::vector<in_addr> host_addrs;
  std::vector<in_addr> sources;  // source addresses connections are spread over
  absl::Duration connect_timeout = absl::Seconds(5);
  std::vector<Framing> framings;
  std::vector<Port> ports;
  std::vector<Literal> literals;
  std::vector<Identity> identities;
  std::vector<Message> messages;
  std::vector<std::string> vars;  // device variable slots (captures), by index
  std::vector<Role> roles;
  std::vector<Exchange> exchanges;

  uint64_t total_members() const {
    uint64_t n = 0;
    for (const Role& r : roles) n += r.count;
    return n;
  }
};

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_PROGRAM_H_
