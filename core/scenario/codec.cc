// Binary encoding and decoding of scenarios (codec.h).
#include "core/scenario/codec.h"

#include <algorithm>

namespace svafuzz::scenario {
namespace {

// A cursor over the input that returns false once the bytes run out.
struct Reader {
  const uint8_t* p;
  size_t n;
  size_t pos = 0;

  bool byte(uint8_t* out) {
    if (pos >= n) return false;
    *out = p[pos++];
    return true;
  }
  // LEB128: 7 bits per byte, low first; at most 10 bytes, extra high bits ignored.
  bool varint(uint64_t* out) {
    uint64_t v = 0;
    for (int i = 0; i < 10; ++i) {
      uint8_t b;
      if (!byte(&b)) return false;
      v |= uint64_t(b & 0x7f) << (7 * i);
      if (!(b & 0x80)) break;
    }
    *out = v;
    return true;
  }
};

void put_varint(std::vector<uint8_t>* out, uint64_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    out->push_back(b | (v ? 0x80 : 0));
  } while (v);
}

bool read_op(Reader* r, AgentKind kind, Op* op) {
  uint8_t k, region, arg;
  uint64_t off;
  if (!r->byte(&k) || !r->byte(&region) || !r->varint(&off) || !r->byte(&arg)) return false;
  const std::vector<OpKind>& ops = ops_of(kind);
  op->kind = ops[k % ops.size()];
  op->region = Region(region % uint8_t(Region::kCount));
  op->offset = off;
  op->arg = arg;
  return true;
}

uint8_t index_in_group(const Op& op, AgentKind kind) {
  const std::vector<OpKind>& ops = ops_of(kind);
  auto it = std::find(ops.begin(), ops.end(), op.kind);
  return it == ops.end() ? 0 : uint8_t(it - ops.begin());
}

}  // namespace

Scenario decode(const uint8_t* data, size_t size) {
  Scenario s;
  Reader r{data, size};
  uint8_t b;
  if (!r.byte(&b)) return s;
  s.levels = (b & 1) ? 5 : 4;
  s.units = std::min(1 + ((b >> 1) & 3), 3);
  if (!r.byte(&b)) return s;
  std::string design;
  for (size_t i = 0, len = b % (kMaxDesignName + 1); i < len && r.byte(&b); ++i) {
    design.push_back(char(b));
  }
  s.design = sanitize_design(design);
  uint8_t agents;
  if (!r.byte(&agents)) return s;
  agents %= kMaxAgents + 1;
  for (size_t a = 0; a < agents; ++a) {
    uint8_t kind, nops;
    if (!r.byte(&kind) || !r.byte(&nops)) return s;
    Agent ag;
    ag.kind = AgentKind((kind & 15) % uint8_t(AgentKind::kCount));
    if (ag.kind == AgentKind::kDevice) {
      ag.unit = uint8_t(((kind >> 4) & 3) % s.units);
      ag.ats = (kind >> 6) & 1;
    }
    nops %= kMaxOpsPerAgent + 1;
    Op op;
    for (size_t i = 0; i < nops && read_op(&r, ag.kind, &op); ++i) ag.ops.push_back(op);
    s.agents.push_back(std::move(ag));
  }
  size_t rest = std::min(size - r.pos, kMaxSchedule);
  s.schedule.assign(data + r.pos, data + r.pos + rest);
  return s;
}

std::vector<uint8_t> encode(const Scenario& in) {
  Scenario s = in;
  clamp(&s);
  std::vector<uint8_t> out;
  out.push_back(uint8_t((s.levels == 5 ? 1 : 0) | ((s.units - 1) << 1)));
  out.push_back(uint8_t(s.design.size()));
  out.insert(out.end(), s.design.begin(), s.design.end());
  out.push_back(uint8_t(s.agents.size()));
  for (const Agent& a : s.agents) {
    out.push_back(uint8_t(uint8_t(a.kind) | (a.unit << 4) | (a.ats ? 0x40 : 0)));
    out.push_back(uint8_t(a.ops.size()));
    for (const Op& op : a.ops) {
      out.push_back(index_in_group(op, a.kind));
      out.push_back(uint8_t(op.region));
      put_varint(&out, op.offset);
      out.push_back(op.arg);
    }
  }
  out.insert(out.end(), s.schedule.begin(), s.schedule.end());
  return out;
}

void clamp(Scenario* s) {
  if (s->levels != 5) s->levels = 4;
  s->units = std::clamp(s->units, 1, 3);
  s->design = sanitize_design(s->design);
  if (s->agents.size() > kMaxAgents) s->agents.resize(kMaxAgents);
  for (Agent& a : s->agents) {
    if (a.ops.size() > kMaxOpsPerAgent) a.ops.resize(kMaxOpsPerAgent);
    if (a.kind != AgentKind::kDevice) a.unit = 0, a.ats = false;
    a.unit = uint8_t(a.unit % s->units);
    for (Op& op : a.ops) {
      if (agent_of(op.kind) != a.kind) op.kind = ops_of(a.kind)[0];
      op.region = Region(uint8_t(op.region) % uint8_t(Region::kCount));
    }
  }
  if (s->schedule.size() > kMaxSchedule) s->schedule.resize(kMaxSchedule);
}

}  // namespace svafuzz::scenario
