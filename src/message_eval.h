// Copyright fleetsim authors.
//
// message_eval: a Program's messages at run time, for one member at a time: encodes what a
// step sends, and matches, checks and captures what arrives. No allocation: identities are
// rendered into a stack buffer, values into a fixed array. Owned by one Worker.

#ifndef FLEETSIM_SRC_MESSAGE_EVAL_H_
#define FLEETSIM_SRC_MESSAGE_EVAL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "src/program.h"
#include "src/rng.h"

namespace fleetsim {

// What a value may refer to while encoding or checking for one member.
struct MemberContext {
  uint32_t id = 0;     // $id
  uint32_t index = 0;  // $index
  uint32_t seq = 0;    // $seq: in a send, this message's number; in a check, the last sent
  const uint64_t* vars = nullptr;  // the member's variables (Program::vars.size() of them)
};

// Stateless but for its PRNG: the program is passed to each call (a worker runs the
// connections of several configuration generations at once after a reload).
class MessageEval {
 public:
  explicit MessageEval(uint64_t seed) : rng_(seed) {}

  // Encodes `m` (a message of `p`) for `ctx` into `out`, which must hold m.format.size()
  // bytes.
  void Encode(const Program& p, const Message& m, const MemberContext& ctx, char* out);

  // True iff every check holds for `frame` decoded with m's format.
  // REQUIRES: frame.size() >= m.format.size().
  bool Holds(const Program& p, const Message& m, const std::vector<FieldCheck>& checks,
             absl::string_view frame, const MemberContext& ctx);

  // Copies the captured fields of `frame` into `vars`. REQUIRES as Holds.
  void Capture(const Message& m, const std::vector<FieldCapture>& caps, absl::string_view frame,
               uint64_t* vars) const;

  // The identity `index` of member (id, index), rendered. For --check and tests.
  std::string RenderIdentity(const Program& p, uint16_t identity, uint32_t id, uint32_t index);

  Rng& rng() { return rng_; }

 private:
  // Evaluates `e`. Bytes are rendered into scratch[*used...] (kScratch bytes in all).
  Value Eval(const Program& p, const ValueExpr& e, const MemberContext& ctx, char* scratch,
             size_t* used);
  size_t Render(const Program& p, const Identity& id, uint32_t member_id, uint32_t index, char* out,
                size_t cap);

  Rng rng_;
};

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_MESSAGE_EVAL_H_
