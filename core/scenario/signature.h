// Stable finding signatures (like ClusterFuzz's crash state), so hunts recognise known bugs.
//
// A signature's state is one line of design-independent fields:
//   <class> <walker> <level> alloc=<site> free=<site>[ via <entry>]
//   class   the bug's kind: walk-freed-table / walk-reused-table (a walker entered a page-table
//           frame that was freed / freed and reused: AddressSanitizer's use-after-poison on a
//           freed table and frame-check's "FREED" are the same class), access-freed-page /
//           access-reused-page (a DMA into a freed / reused data page), dangling-table, the
//           detector name for the other detectors, asan-<description> for other ASan reports
//   walker  iommu-walk, ptdump, cpa (__change_page_attr's lookup), else <agent kind>:<op> of the
//           reporting agent, or its daemon class (kworker, iommu-unit, teardown)
//   level   pte/pmd/pud/p4d/pgd of the freed incarnation, "-" if none
//   alloc   the kernel function that allocated that incarnation ("-" if none)
//   free    the kernel function that released it (a deferred free's queueing caller, never the
//           design's worker), with the scenario op's kernel entry of the freeing agent
// No pfns, steps, agent numbers, addresses or line numbers: two inputs that hit the same bug get
// the same state on every seed, build and design. The id is the first 16 hex digits of the
// 64-bit FNV-1a hash of the state; the design is carried beside it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/scenario/scenario.h"
#include "core/sync/finding.h"

namespace svafuzz::scenario {

struct Signature {
  std::string id, state, design;
  bool empty() const { return state.empty(); }
  // "==SVAFUZZ== SIGNATURE <id> design=<design> <state>"
  std::string line() const;
};

// What a signature needs of the execution beside the finding.
struct SignatureContext {
  std::string design;
  int levels = 4;                            // paging depth (names level 4: pgd or p4d)
  std::vector<std::string> agent_names;      // the scenario's agents: cpu0, dev0, ...
  std::vector<AgentKind> agent_kinds;        // ... and their kinds
};

// The context of scenario `s` run on `design` (agent names as the executor gives them).
SignatureContext signature_context(const Scenario& s, const std::string& design);

uint64_t fnv1a64(const std::string& text);
// The id of a state: 16 lowercase hex digits of fnv1a64(state).
std::string signature_id(const std::string& state);
Signature make_signature(const std::string& state, const std::string& design);

// Signature of a model detector's finding.
Signature signature_of_finding(const Finding& f, const SignatureContext& ctx);
// Signature of an AddressSanitizer report: `description` from __asan_get_report_description();
// `frame` the snapshot of the simulated frame holding the bad address (invalid when the address
// is outside frame memory); `agent` and `agent_op` the running agent and its op.
Signature signature_of_asan(const std::string& description, const FindingFrame& frame,
                            const std::string& agent, const std::string& agent_op,
                            const SignatureContext& ctx);

// The table level's kernel name: pte, pmd, pud, p4d, pgd; "-" for 0.
std::string level_name(int level, int paging_levels);

// corpus/known-findings: one signature a line, "<id> <design-or-*> <kernels> <doc.md> <state>";
// blank lines and '#' comments are skipped. `kernels` is a comma list of kernel profile names
// (core/mm/kernel_profile.h) the gap is known on, or "*" for every profile: a gap's fix in
// v6.19-fixed must not be excused by the gap's own entry. A malformed line (too few fields, an
// id that is not 16 hex digits or not the hash of its state, an unknown kernel profile, a doc
// that is not a .md path) is an error naming the line.
struct KnownFinding {
  std::string id, design, doc, state;
  std::vector<std::string> kernels;   // empty means every profile ("*")
};
bool parse_known_findings(const std::string& text, std::vector<KnownFinding>* out, std::string* err);
bool load_known_findings(const std::string& path, std::vector<KnownFinding>* out, std::string* err);
// The entry matching `sig` on `kernel` (same state; design equal or "*"; kernel listed or "*"),
// else nullptr.
const KnownFinding* find_known(const std::vector<KnownFinding>& known, const Signature& sig,
                               const std::string& kernel);

}  // namespace svafuzz::scenario
