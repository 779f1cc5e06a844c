// Copyright fleetsim authors.

#include "src/message_eval.h"

#include <cstring>

#include "src/mono_clock.h"

namespace fleetsim {

namespace {

// Room for the identities one message renders (a mac, a serial, a token...).
constexpr size_t kScratch = 4096;

// Numeric equality across kinds: a decoded field against an operand from the scenario.
bool NumbersEqual(const Value& a, const Value& b) {
  if (a.is_float() || b.is_float()) return a.ToDouble() == b.ToDouble();
  if (a.is_int() && a.int_value() < 0) return b.is_int() && b.int_value() == a.int_value();
  if (b.is_int() && b.int_value() < 0) return false;
  return a.ToIntegerBits() == b.ToIntegerBits();
}

// Bytes equality the way the field would have been encoded: 's' fields are NUL-padded, so
// "abc" equals a decoded "abc\0\0\0".
bool BytesEqual(absl::string_view field, absl::string_view operand) {
  if (operand.size() > field.size()) return false;
  if (field.substr(0, operand.size()) != operand) return false;
  for (size_t i = operand.size(); i < field.size(); ++i) {
    if (field[i] != '\0') return false;
  }
  return true;
}

}  // namespace

size_t MessageEval::Render(const Program& p, const Identity& id, uint32_t member_id, uint32_t index,
                           char* out, size_t cap) {
  switch (id.kind) {
    case Identity::Kind::kText: {
      const int64_t vars[2] = {member_id, index};
      return id.text.Render(absl::MakeConstSpan(vars, 2), out, cap);
    }
    case Identity::Kind::kPack: {
      if (id.pack.size() > cap) return 0;
      Value vals[kMaxValuesPerMessage];
      MemberContext ctx;
      ctx.id = member_id;
      ctx.index = index;
      size_t used = 0;
      char unused[1];
      for (size_t i = 0; i < id.pack_values.size(); ++i) {
        vals[i] = Eval(p, id.pack_values[i], ctx, unused, &used);
      }
      id.pack.Encode(absl::MakeConstSpan(vals, id.pack_values.size()), out);
      return id.pack.size();
    }
  }
  return 0;
}

Value MessageEval::Eval(const Program& p, const ValueExpr& e, const MemberContext& ctx,
                        char* scratch, size_t* used) {
  switch (e.source) {
    case ValueSource::kLiteral:
      return p.literals[e.index].Get();
    case ValueSource::kId:
      return Value::Uint(ctx.id);
    case ValueSource::kIndex:
      return Value::Uint(ctx.index);
    case ValueSource::kSeq:
      return Value::Uint(ctx.seq);
    case ValueSource::kClockMs:
      return Value::Uint(static_cast<uint64_t>(WallNanos() / 1000000));
    case ValueSource::kClockUs:
      return Value::Uint(static_cast<uint64_t>(WallNanos() / 1000));
    case ValueSource::kClockS:
      return Value::Uint(static_cast<uint64_t>(WallNanos() / 1000000000));
    case ValueSource::kRandom:
      return Value::Int(rng_.Range(e.lo, e.hi));
    case ValueSource::kVar:
      return Value::Uint(ctx.vars[e.index]);
    case ValueSource::kIdentity: {
      const Identity& id = p.identities[e.index];
      uint32_t member = ctx.id, index = ctx.index;
      if (e.of_role >= 0) {
        const Role& r = p.roles[e.of_role];
        index = r.count == 0 ? 0 : static_cast<uint32_t>(rng_.Below(r.count));
        member = r.first_id + index;
      }
      size_t n = Render(p, id, member, index, scratch + *used, kScratch - *used);
      Value v = Value::Bytes(absl::string_view(scratch + *used, n));
      *used += n;
      return v;
    }
  }
  return Value();
}

void MessageEval::Encode(const Program& p, const Message& m, const MemberContext& ctx, char* out) {
  Value vals[kMaxValuesPerMessage];
  char scratch[kScratch];
  size_t used = 0;
  const size_t n = m.values.size();
  for (size_t i = 0; i < n; ++i) vals[i] = Eval(p, m.values[i], ctx, scratch, &used);
  m.format.Encode(absl::MakeConstSpan(vals, n), out);
}

bool MessageEval::Holds(const Program& p, const Message& m, const std::vector<FieldCheck>& checks,
                        absl::string_view frame, const MemberContext& ctx) {
  char scratch[kScratch];
  for (const FieldCheck& c : checks) {
    Value field;
    if (m.format.DecodeValue(c.value_index, frame, &field) != DecodeResult::kOk) return false;
    size_t used = 0;
    Value want = Eval(p, c.operand, ctx, scratch, &used);
    bool equal = field.is_bytes()
                     ? want.is_bytes() && BytesEqual(field.bytes_value(), want.bytes_value())
                     : !want.is_bytes() && NumbersEqual(field, want);
    if (equal == c.negate) return false;
  }
  return true;
}

void MessageEval::Capture(const Message& m, const std::vector<FieldCapture>& caps,
                          absl::string_view frame, uint64_t* vars) const {
  for (const FieldCapture& c : caps) {
    Value v;
    if (m.format.DecodeValue(c.value_index, frame, &v) != DecodeResult::kOk) continue;
    vars[c.var] = v.ToIntegerBits();
  }
}

std::string MessageEval::RenderIdentity(const Program& p, uint16_t identity, uint32_t id,
                                        uint32_t index) {
  char buf[kScratch];
  size_t n = Render(p, p.identities[identity], id, index, buf, sizeof(buf));
  return std::string(buf, n);
}

}  // namespace fleetsim
