// Finding signatures (signature.h).
#include "core/scenario/signature.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/mm/kernel_profile.h"

namespace svafuzz::scenario {
namespace {

// The executor's agent names: a short kind name and the agent's index among its kind.
const char* short_kind_name(AgentKind k) {
  const char* names[] = {"cpu", "dev", "sva", "walker", "attacker"};
  return names[size_t(k) % size_t(AgentKind::kCount)];
}

// The kind of a named agent: a scenario agent's kind, or the class of a world daemon (the
// kworker, an IOMMU unit's queue agent, the host thread that runs teardown's checks).
std::string agent_class(const std::string& agent, const SignatureContext& ctx) {
  for (size_t i = 0; i < ctx.agent_names.size() && i < ctx.agent_kinds.size(); ++i) {
    if (ctx.agent_names[i] == agent) return agent_kind_name(ctx.agent_kinds[i]);
  }
  if (agent.rfind("kworker", 0) == 0) return "kworker";
  if (agent.rfind("iommu/", 0) == 0) return "iommu-unit";
  if (agent == "main") return "teardown";
  std::string base = agent;   // an unknown agent: its name without the instance number
  while (!base.empty() && std::isdigit(static_cast<unsigned char>(base.back()))) base.pop_back();
  return base.empty() ? "?" : base;
}

std::string agent_walker(const std::string& agent, const std::string& op, const SignatureContext& ctx) {
  std::string c = agent_class(agent, ctx);
  return op.empty() ? c : c + ":" + op;
}

// A reporter's walker name in kernel terms, or "" when it names no table walker of its own.
std::string named_walker(const std::string& w) {
  if (w.rfind("IOMMU ", 0) == 0) return "iommu-walk";   // first-stage walk, or via a cached entry
  if (w == "ptdump_walk_pgd") return "ptdump";
  if (w == "__change_page_attr") return "cpa";
  return "";
}

// An ASan report carries no walker name: the model's readers of table frames per agent are the
// IOMMU walk (device agents' DMA and prefetch, an IOMMU unit), ptdump_walk_pgd (walker agents)
// and __change_page_attr's lookup (a CPU's cpa op).
std::string asan_table_walker(const std::string& agent, const std::string& op, const SignatureContext& ctx) {
  std::string c = agent_class(agent, ctx);
  if (c == "device" || c == "iommu-unit") return "iommu-walk";
  if (c == "walker" && op == "ptdump") return "ptdump";
  if (c == "cpu" && op == "cpa") return "cpa";
  return agent_walker(agent, op, ctx);
}

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

std::string frame_fields(const FindingFrame& fr, const SignatureContext& ctx) {
  if (!fr.valid) return "- alloc=- free=-";
  std::string s = level_name(fr.level, ctx.levels) + " alloc=" + or_dash(fr.alloc_site) +
                  " free=" + or_dash(fr.free_site);
  if (!fr.free_via.empty()) s += " via " + fr.free_via;
  return s;
}

std::string frame_class(const FindingFrame& fr) {
  if (!fr.valid) return "frame-check";
  if (fr.table_walk) return fr.reused ? "walk-reused-table" : "walk-freed-table";
  return fr.reused ? "access-reused-page" : "access-freed-page";
}

bool is_hex16(const std::string& s) {
  if (s.size() != 16) return false;
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c)) || std::isupper(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

std::string Signature::line() const {
  return "==SVAFUZZ== SIGNATURE " + id + " design=" + design + " " + state;
}

SignatureContext signature_context(const Scenario& s, const std::string& design) {
  SignatureContext ctx;
  ctx.design = design;
  ctx.levels = s.levels == 5 ? 5 : 4;
  int per_kind[size_t(AgentKind::kCount)] = {};
  for (const Agent& a : s.agents) {
    ctx.agent_names.push_back(short_kind_name(a.kind) + std::to_string(per_kind[size_t(a.kind) % size_t(AgentKind::kCount)]++));
    ctx.agent_kinds.push_back(a.kind);
  }
  return ctx;
}

uint64_t fnv1a64(const std::string& text) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string signature_id(const std::string& state) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fnv1a64(state)));
  return buf;
}

Signature make_signature(const std::string& state, const std::string& design) {
  return Signature{signature_id(state), state, design};
}

std::string level_name(int level, int paging_levels) {
  switch (level) {
    case 1: return "pte";
    case 2: return "pmd";
    case 3: return "pud";
    case 4: return paging_levels == 5 ? "p4d" : "pgd";
    case 5: return "pgd";
  }
  return "-";
}

Signature signature_of_finding(const Finding& f, const SignatureContext& ctx) {
  std::string cls = f.detector == Detector::kFrameCheck ? frame_class(f.frame) : detector_name(f.detector);
  std::string walker = named_walker(f.walker);
  if (walker.empty()) walker = agent_walker(f.agent, f.agent_op, ctx);
  return make_signature(cls + " " + walker + " " + frame_fields(f.frame, ctx), ctx.design);
}

Signature signature_of_asan(const std::string& description, const FindingFrame& frame,
                            const std::string& agent, const std::string& agent_op,
                            const SignatureContext& ctx) {
  // Frame memory is poisoned only while the frame is free: a report in it is a freed frame.
  bool in_frame = frame.valid && description == "use-after-poison";
  std::string cls, walker;
  if (in_frame && frame.level > 0) {
    cls = "walk-freed-table";
    walker = asan_table_walker(agent, agent_op, ctx);
  } else if (in_frame) {
    cls = "access-freed-page";
    walker = agent_walker(agent, agent_op, ctx);
  } else {
    cls = "asan-" + (description.empty() ? std::string("unknown") : description);
    walker = agent_walker(agent, agent_op, ctx);
  }
  FindingFrame fr = frame;
  if (!in_frame) fr.valid = false;
  return make_signature(cls + " " + walker + " " + frame_fields(fr, ctx), ctx.design);
}

namespace {

// "*" (every profile) or a comma list of known profile names; false names the bad one.
bool parse_kernel_list(const std::string& field, std::vector<std::string>* out, std::string* bad) {
  if (field == "*") return true;
  std::istringstream in(field);
  std::string name;
  while (std::getline(in, name, ',')) {
    if (!mm::find_kernel_profile(name)) {
      *bad = name;
      return false;
    }
    out->push_back(name);
  }
  return !out->empty();
}

}  // namespace

bool parse_known_findings(const std::string& text, std::vector<KnownFinding>* out, std::string* err) {
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    size_t first = line.find_first_not_of(' ');
    if (first == std::string::npos || line[first] == '#') continue;
    std::istringstream fields(line);
    KnownFinding k;
    std::string kernels;
    fields >> k.id >> k.design >> kernels >> k.doc;
    std::getline(fields, k.state);
    size_t st = k.state.find_first_not_of(' ');
    k.state = st == std::string::npos ? "" : k.state.substr(st);
    auto fail = [&](const std::string& why) {
      *err = "line " + std::to_string(n) + ": " + why +
             " (expected '<id> <design-or-*> <kernels-or-*> <doc.md> <state>')";
      return false;
    };
    if (k.state.empty()) return fail("too few fields");
    if (!is_hex16(k.id)) return fail("id '" + k.id + "' is not 16 lowercase hex digits");
    std::string bad;
    if (!parse_kernel_list(kernels, &k.kernels, &bad)) {
      return fail("unknown kernel profile '" + bad + "' in '" + kernels + "'; known: " + mm::kernel_profile_names());
    }
    if (k.doc.size() < 4 || k.doc.compare(k.doc.size() - 3, 3, ".md") != 0) return fail("doc '" + k.doc + "' is not a .md path");
    if (signature_id(k.state) != k.id) {
      return fail("id " + k.id + " is not the hash of its state (" + signature_id(k.state) + ")");
    }
    out->push_back(k);
  }
  return true;
}

bool load_known_findings(const std::string& path, std::vector<KnownFinding>* out, std::string* err) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *err = path + ": cannot read";
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  if (!parse_known_findings(ss.str(), out, err)) {
    *err = path + ": " + *err;
    return false;
  }
  return true;
}

const KnownFinding* find_known(const std::vector<KnownFinding>& known, const Signature& sig,
                               const std::string& kernel) {
  for (const KnownFinding& k : known) {
    if (k.state != sig.state || (k.design != "*" && k.design != sig.design)) continue;
    if (k.kernels.empty() || std::find(k.kernels.begin(), k.kernels.end(), kernel) != k.kernels.end()) return &k;
  }
  return nullptr;
}

}  // namespace svafuzz::scenario
