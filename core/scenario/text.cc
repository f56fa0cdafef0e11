// Text form of scenarios (text.h): a line-oriented parser with line/column errors, and the
// canonical printer.
#include "core/scenario/text.h"

#include <cstdio>
#include <cstring>
#include <sstream>
#include <vector>

namespace svafuzz::scenario {
namespace {

struct Token {
  std::string text;
  size_t column;   // 1-based
};

std::vector<Token> tokenize(const std::string& line) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < line.size()) {
    if (line[i] == '#') break;
    if (line[i] == ' ' || line[i] == '\t' || line[i] == '\r') {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    out.push_back({line.substr(start, i - start), start + 1});
  }
  return out;
}

bool parse_u64(const std::string& s, uint64_t* out) {
  if (s.empty()) return false;
  bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  size_t i = hex ? 2 : 0;
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    int d = (c >= '0' && c <= '9') ? c - '0'
            : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
            : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                            : -1;
    if (d < 0) return false;
    uint64_t base = hex ? 16 : 10;
    if (v > (~0ULL - d) / base) return false;   // overflow
    v = v * base + d;
  }
  *out = v;
  return true;
}

class Parser {
 public:
  Parser(Scenario* out, ParseError* err) : s_(out), err_(err) {}

  bool line(size_t lineno, const std::string& text) {
    line_ = lineno;
    std::vector<Token> t = tokenize(text);
    if (t.empty()) return true;
    if (!seen_magic_) return magic(t);
    const std::string& kw = t[0].text;
    if (kw == "levels") return levels(t);
    if (kw == "units") return units(t);
    if (kw == "design") return design(t);
    if (kw == "agent") return agent(t);
    if (kw == "schedule") return schedule(t);
    return op(t);
  }

  bool finish() {
    if (!seen_magic_) return fail(1, 1, std::string("missing first line '") + kTextMagic + " 1'");
    return true;
  }

 private:
  bool fail(size_t col, const std::string& msg) { return fail(line_, col, msg); }
  bool fail(size_t line, size_t col, const std::string& msg) {
    err_->line = line;
    err_->column = col;
    err_->message = msg;
    return false;
  }
  bool arity(const std::vector<Token>& t, size_t n) {
    if (t.size() == n) return true;
    if (t.size() < n) return fail(t.back().column + t.back().text.size(), "'" + t[0].text + "' needs " + std::to_string(n - 1) + " argument(s)");
    return fail(t[n].column, "unexpected '" + t[n].text + "'");
  }

  bool magic(const std::vector<Token>& t) {
    if (t[0].text != kTextMagic) return fail(t[0].column, std::string("expected '") + kTextMagic + " 1' as the first line");
    if (!arity(t, 2)) return false;
    if (t[1].text != "1") return fail(t[1].column, "unsupported version '" + t[1].text + "' (this build reads version 1)");
    seen_magic_ = true;
    return true;
  }
  bool levels(const std::vector<Token>& t) {
    if (!arity(t, 2)) return false;
    if (t[1].text != "4" && t[1].text != "5") return fail(t[1].column, "levels must be 4 or 5, not '" + t[1].text + "'");
    s_->levels = t[1].text == "5" ? 5 : 4;
    return true;
  }
  bool units(const std::vector<Token>& t) {
    if (!arity(t, 2)) return false;
    if (t[1].text != "1" && t[1].text != "2" && t[1].text != "3") return fail(t[1].column, "units must be 1, 2 or 3, not '" + t[1].text + "'");
    if (!s_->agents.empty()) return fail(t[0].column, "'units' must come before the first agent");
    s_->units = t[1].text[0] - '0';
    return true;
  }
  // Device attributes after "agent device": [unit N] [ats].
  bool device_attrs(const std::vector<Token>& t, Agent* a) {
    for (size_t i = 2; i < t.size(); ++i) {
      if (t[i].text == "ats") {
        a->ats = true;
      } else if (t[i].text == "unit" && i + 1 < t.size()) {
        const std::string& n = t[++i].text;
        if (n.size() != 1 || n[0] < '0' || n[0] >= char('0' + s_->units)) return fail(t[i].column, "unit must be 0.." + std::to_string(s_->units - 1) + " (set 'units' first), not '" + n + "'");
        a->unit = uint8_t(n[0] - '0');
      } else {
        return fail(t[i].column, "unexpected '" + t[i].text + "' (a device agent is: agent device [unit N] [ats])");
      }
    }
    return true;
  }
  bool design(const std::vector<Token>& t) {
    if (!arity(t, 2)) return false;
    if (sanitize_design(t[1].text) != t[1].text) return fail(t[1].column, "design name '" + t[1].text + "' must be lower-case letters, digits and '-' (at most 32)");
    s_->design = t[1].text;
    return true;
  }
  bool agent(const std::vector<Token>& t) {
    Agent a;
    if (t.size() < 2 || !parse_agent_kind(t[1].text, &a.kind) || a.kind != AgentKind::kDevice) {
      if (!arity(t, 2)) return false;
    }
    if (!parse_agent_kind(t[1].text, &a.kind)) return fail(t[1].column, "unknown agent kind '" + t[1].text + "' (cpu, device, sva, walker, attacker)");
    if (a.kind == AgentKind::kDevice && !device_attrs(t, &a)) return false;
    if (s_->agents.size() >= kMaxAgents) return fail(t[0].column, "more than " + std::to_string(kMaxAgents) + " agents");
    s_->agents.push_back(a);
    return true;
  }
  bool schedule(const std::vector<Token>& t) {
    for (size_t i = 1; i < t.size(); ++i) {
      uint64_t v;
      if (t[i].text.size() > 2 || !parse_u64("0x" + t[i].text, &v)) return fail(t[i].column, "schedule bytes are two hex digits, not '" + t[i].text + "'");
      if (s_->schedule.size() >= kMaxSchedule) return fail(t[i].column, "schedule longer than " + std::to_string(kMaxSchedule) + " bytes");
      s_->schedule.push_back(uint8_t(v));
    }
    return true;
  }
  bool op(const std::vector<Token>& t);

  Scenario* s_;
  ParseError* err_;
  size_t line_ = 0;
  bool seen_magic_ = false;
};

bool Parser::op(const std::vector<Token>& t) {
  Op op;
  if (!parse_op(t[0].text, &op.kind)) return fail(t[0].column, "unknown op or keyword '" + t[0].text + "'");
  if (s_->agents.empty()) return fail(t[0].column, "op '" + t[0].text + "' before any 'agent' line");
  Agent& a = s_->agents.back();
  if (agent_of(op.kind) != a.kind) return fail(t[0].column, "op '" + t[0].text + "' is not an op of a " + agent_kind_name(a.kind) + " agent (it belongs to " + agent_kind_name(agent_of(op.kind)) + ")");
  if (a.ops.size() >= kMaxOpsPerAgent) return fail(t[0].column, "more than " + std::to_string(kMaxOpsPerAgent) + " ops in one agent");
  op.region = default_region(op.kind);
  size_t i = 1;
  if (i < t.size() && t[i].text.find('+') != std::string::npos) {
    const std::string& w = t[i].text;
    size_t plus = w.find('+');
    if (!parse_region(w.substr(0, plus), &op.region)) return fail(t[i].column, "unknown region '" + w.substr(0, plus) + "' (vmalloc, direct, user)");
    if (!parse_u64(w.substr(plus + 1), &op.offset)) return fail(t[i].column + plus + 1, "bad offset '" + w.substr(plus + 1) + "'");
    ++i;
  }
  if (i < t.size()) {
    uint64_t v;
    if (!parse_u64(t[i].text, &v) || v > 255) return fail(t[i].column, "op argument must be 0..255, not '" + t[i].text + "'");
    op.arg = uint8_t(v);
    ++i;
  }
  if (i < t.size()) return fail(t[i].column, "unexpected '" + t[i].text + "' (an op is: OP [REGION+OFFSET] [ARG])");
  a.ops.push_back(op);
  return true;
}

}  // namespace

std::string ParseError::format() const {
  return "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + message;
}

bool parse(const std::string& text, Scenario* out, ParseError* err) {
  Scenario s;
  Parser p(&s, err);
  std::istringstream in(text);
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    if (!p.line(++n, line)) return false;
  }
  if (!p.finish()) return false;
  *out = std::move(s);
  return true;
}

std::string print(const Scenario& s) {
  std::string out = std::string(kTextMagic) + " 1\n";
  out += "levels " + std::to_string(s.levels == 5 ? 5 : 4) + "\n";
  if (!s.design.empty()) out += "design " + s.design + "\n";
  if (s.units != 1) out += "units " + std::to_string(s.units) + "\n";
  char buf[64];
  for (const Agent& a : s.agents) {
    out += std::string("agent ") + agent_kind_name(a.kind);
    if (a.unit) out += " unit " + std::to_string(a.unit);
    out += a.ats ? " ats\n" : "\n";
    for (const Op& op : a.ops) {
      out += std::string("  ") + op_name(op.kind);
      if (op_uses_address(op.kind) || op.region != default_region(op.kind) || op.offset != 0) {
        std::snprintf(buf, sizeof buf, " %s+0x%llx", region_name(op.region),
                      static_cast<unsigned long long>(op.offset));
        out += buf;
      }
      out += " " + std::to_string(op.arg) + "\n";
    }
  }
  for (size_t i = 0; i < s.schedule.size(); i += 16) {
    out += "schedule";
    for (size_t j = i; j < s.schedule.size() && j < i + 16; ++j) {
      std::snprintf(buf, sizeof buf, " %02x", s.schedule[j]);
      out += buf;
    }
    out += "\n";
  }
  return out;
}

bool looks_like_text(const uint8_t* data, size_t size) {
  size_t n = std::strlen(kTextMagic);
  return size >= n && std::memcmp(data, kTextMagic, n) == 0;
}

}  // namespace svafuzz::scenario
