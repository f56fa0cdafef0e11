// TranslationOracle::compare: the real tables (walk) against the flat model.
#include <cstdio>
#include <string>

#include "core/mm/walk.h"
#include "core/oracle/translation_oracle.h"
#include "core/sync/finding.h"

namespace svafuzz::oracle {
namespace {

std::string hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "%#llx", static_cast<unsigned long long>(v));
  return b;
}

std::string size_name(uint64_t s) {
  return s == (1ULL << 30) ? "1G" : s == (1ULL << 21) ? "2M" : s == mm::PAGE_SIZE ? "4K" : hex(s);
}

std::string describe(bool present, phys_addr_t pa, uint64_t size, bool w, bool u, bool nx) {
  if (!present) return "absent";
  return "present " + size_name(size) + " pa " + hex(pa) + (w ? " rw" : " ro") +
         (u ? " user" : " kernel") + (nx ? " nx" : " x");
}

}  // namespace

bool TranslationOracle::compare_one(mm_struct* mm, uint64_t va) const {
  uint64_t base = 0;
  std::optional<RefLeaf> want = lookup(mm, va, &base);
  mm::WalkResult got = mm::walk(mm, va, "oracle walk");
  if (got.failed) return false;   // the walk already reported a frame-check finding
  std::string w = want ? describe(true, want->pa + (va - base), want->size,
                                  (want->flags & mm::_PAGE_RW) != 0,
                                  (want->flags & mm::_PAGE_USER) != 0,
                                  (want->flags & mm::_PAGE_NX) != 0)
                       : describe(false, 0, 0, false, false, false);
  std::string g = describe(got.present, got.pa, got.page_size(), got.writable, got.user, got.nx);
  if (w == g) return true;
  report_finding(Detector::kOracle,
                 "mm " + mm->name + " va " + hex(va) + ": reference model says " + w +
                     ", page tables say " + g);
  return false;
}

size_t TranslationOracle::compare(const std::vector<mm_struct*>& mms,
                                  const std::vector<uint64_t>& vas) const {
  size_t bad = 0;
  for (mm_struct* mm : mms) {
    for (uint64_t va : vas) bad += compare_one(mm, va) ? 0 : 1;
  }
  return bad;
}

std::vector<uint64_t> TranslationOracle::sample_vas(size_t max) const {
  std::vector<uint64_t> out;
  size_t total = kernel_.size();
  for (const auto& [mm, s] : user_) total += s.size();
  size_t stride = total / (max / 2 + 1) + 1;
  size_t i = 0;
  auto take = [&](const Space& s) {
    for (const auto& [va, leaf] : s) {
      if (i++ % stride != 0) continue;
      out.push_back(va);
      out.push_back(va + leaf.size - 1);
    }
  };
  take(kernel_);
  for (const auto& [mm, s] : user_) take(s);
  return out;
}

}  // namespace svafuzz::oracle
