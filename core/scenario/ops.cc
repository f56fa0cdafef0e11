// OpRunner (ops.h): scenario ops onto the kernel, IOMMU and attacker actions.
#include "core/scenario/ops.h"

#include <algorithm>
#include <cstdio>

#include "core/iommu/iommu.h"
#include "core/mm/cpa.h"
#include "core/mm/kernel.h"
#include "core/mm/memory_hotplug.h"
#include "core/mm/mm_exit.h"
#include "core/mm/pgalloc.h"
#include "core/mm/pgtable.h"
#include "core/mm/ptdump.h"
#include "core/mm/user_mm.h"
#include "core/mm/vmalloc.h"
#include "core/scenario/op_entry.h"
#include "core/sync/runtime.h"

namespace svafuzz::scenario {
namespace {

using namespace svafuzz::mm;   // NOLINT: kernel vocabulary
constexpr uint64_t k2M = 1ULL << 21, k1G = 1ULL << 30;
constexpr phys_addr_t kDevBase = 1ULL << 44;     // ioremap'd device memory: no frames behind it
constexpr phys_addr_t kHotBase = 4 * k1G;
constexpr uint64_t kHotWindow = 256ULL << 20;
constexpr uint64_t kUserWindow = 512 * k1G;

std::string hex_range(const char* what, uint64_t a, uint64_t b) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%s 0x%llx..0x%llx", what, (unsigned long long)a, (unsigned long long)b);
  return buf;
}

std::string hex_at(const char* what, uint64_t a) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%s 0x%llx", what, (unsigned long long)a);
  return buf;
}

}  // namespace

OpRunner::OpRunner(const OpEnv& env, uint32_t ops_mask) : env_(env), mask_(ops_mask) {
  records_.reserve(kMaxAgents * kMaxOpsPerAgent);
  for (size_t i = 0; i < kMaxProcesses && i < env_.procs.size(); ++i) {
    procs_[i].mm = env_.procs[i];
    procs_[i].pasid = i < env_.pasids.size() ? env_.pasids[i] : 0;
    procs_[i].users = 1;   // the process itself, until its exit op
  }
  boot_claimed_.assign(env_.boot_handles.size(), false);
}

// mmget_not_zero: a reference on slot's live process, or nullptr if it has none (exited) or
// is exiting.
mm_struct* OpRunner::mmget(unsigned slot) {
  std::lock_guard<std::mutex> g(mu_);
  Proc& p = procs_[slot % kMaxProcesses];
  if (!p.mm || p.exiting) return nullptr;
  p.users++;
  return p.mm;
}

// mmput: the last user runs exit_mmap and drops the process's own mm_count reference (the mm
// itself is freed by the last mmdrop, which an SVA domain may still hold off).
void OpRunner::mmput(unsigned slot, mm_struct* mm) {
  {
    std::lock_guard<std::mutex> g(mu_);
    Proc& p = procs_[slot % kMaxProcesses];
    if (--p.users > 0) return;
    p.mm = nullptr;
    p.exiting = false;
    p.upages.clear();
  }
  exit_mmap(mm);
  mmdrop(mm);
}

// For bind: the live process of slot, else a new one started there (fork + exec).
mm_struct* OpRunner::mmget_or_start(unsigned slot) {
  if (mm_struct* mm = mmget(slot)) return mm;
  mm_struct* fresh = env_.kernel->mm_alloc("proc" + std::to_string(slot % kMaxProcesses));
  if (!fresh) return nullptr;
  {
    std::lock_guard<std::mutex> g(mu_);
    Proc& p = procs_[slot % kMaxProcesses];
    if (!p.mm && !p.exiting) {
      p.mm = fresh;
      p.users = 2;   // the new process, and this bind
      return fresh;
    }
  }
  mmdrop(fresh);     // another bind started one meanwhile (or it is exiting): use neither
  return mmget(slot);
}

void OpRunner::run_agent(uint32_t agent, const Agent& program, uint32_t device) {
  AgentCtx c{agent, device, {}, {}};
  for (uint32_t i = 0; i < program.ops.size(); ++i) {
    const Op& op = program.ops[i];
    size_t slot;
    {
      // Recorded at the start, so a story printed mid-op (an ASan death) shows it running.
      std::lock_guard<std::mutex> g(mu_);
      slot = records_.size();
      records_.push_back({agent, i, sync::current_step(), kRunning, false, "(running)"});
    }
    // The op in the agent's kernel context: provenance and findings name it (signatures).
    sync::AgentState& self = sync::current_agent();
    self.op = op_name(op.kind);
    self.op_entry = op_kernel_entry(op);
    std::string what = (mask_ >> unsigned(op.kind)) & 1 ? perform(c, op) : "";
    self.op = self.op_entry = nullptr;
    std::lock_guard<std::mutex> g(mu_);
    records_[slot].end_step = sync::current_step();
    records_[slot].skipped = what.empty();
    records_[slot].what = std::move(what);
  }
  if (!c.spray.empty()) release(c);
}

std::vector<OpRecord> OpRunner::records() const {
  std::lock_guard<std::mutex> g(mu_);
  return records_;
}

std::string OpRunner::perform(AgentCtx& c, const Op& op) {
  switch (op.kind) {
    case OpKind::kVmap: return vmap(op);
    case OpKind::kVmapHuge: return vmap_huge(op);
    case OpKind::kVunmap: return vunmap(op);
    case OpKind::kHotAdd: return hot_add(op);
    case OpKind::kHotRemove: return hot_remove(op);
    case OpKind::kCpa: return cpa(op);
    case OpKind::kMmap: return mmap(op);
    case OpKind::kMunmap: return munmap(op);
    case OpKind::kDmaRead:
    case OpKind::kDmaWrite:
    case OpKind::kPrefetch: return dma(c, op);
    case OpKind::kBind: return bind(c, op);
    case OpKind::kUnbind: return unbind(c, op);
    case OpKind::kExit: return exit(op);
    case OpKind::kPtdump: return ptdump(op);
    case OpKind::kSpray: return spray(c, op);
    case OpKind::kRelease: return release(c);
    case OpKind::kCount: break;
  }
  return "";
}

// alloc_vmap_area / the hot-plug resource tree / the VMA tree: a range is handed out only if
// it overlaps no live one.
bool OpRunner::reserve(std::vector<Range>* v, uint64_t start, uint64_t end) {
  std::lock_guard<std::mutex> g(mu_);
  for (const Range& r : *v) {
    if (start < r.end && r.start < end) return false;
  }
  v->push_back({start, end, 1, true});   // pinned while its owner maps it (unpin() after)
  return true;
}

void OpRunner::unpin(std::vector<Range>* v, uint64_t start) {
  std::lock_guard<std::mutex> g(mu_);
  for (Range& r : *v) {
    if (r.start == start) r.pins--, r.exclusive = false;
  }
}

// Claims the unpinned range containing addr, else the arg-th unpinned range: it stays in the
// list (pinned, so no one else claims it and no new range may overlap it) until finish()
// erases it after the teardown — as free_vmap_area comes only after the unmap, so a huge
// vmap cannot free a table an unmap is still walking.
bool OpRunner::take(std::vector<Range>* v, uint64_t addr, uint8_t arg, Range* out) {
  std::lock_guard<std::mutex> g(mu_);
  std::vector<size_t> free;
  for (size_t i = 0; i < v->size(); ++i) {
    if ((*v)[i].pins) continue;
    if (addr >= (*v)[i].start && addr < (*v)[i].end) {
      free.assign(1, i);
      arg = 0;
      break;
    }
    free.push_back(i);
  }
  if (free.empty()) return false;
  size_t i = free[arg % free.size()];
  (*v)[i].pins = 1;
  (*v)[i].exclusive = true;
  *out = (*v)[i];
  return true;
}

// Claims every range overlapping [start, end); false (nothing claimed) if one is pinned.
bool OpRunner::take_all(std::vector<Range>* v, uint64_t start, uint64_t end, std::vector<Range>* out) {
  std::lock_guard<std::mutex> g(mu_);
  for (const Range& r : *v) {
    if (start < r.end && r.start < end && r.pins) return false;
  }
  for (Range& r : *v) {
    if (start < r.end && r.start < end) r.pins = 1, r.exclusive = true, out->push_back(r);
  }
  return true;
}

void OpRunner::finish(std::vector<Range>* v, uint64_t start) {
  std::lock_guard<std::mutex> g(mu_);
  for (size_t i = 0; i < v->size(); ++i) {
    if ((*v)[i].start == start) {
      v->erase(v->begin() + i);
      return;
    }
  }
}

std::string OpRunner::vmap(const Op& op) {
  uint64_t addr = vmalloc_model_start() + (op.offset % kVmallocModelSize & ~(PAGE_SIZE - 1));
  uint64_t end = std::min(addr + (1 + op.arg % 16) * PAGE_SIZE, vmalloc_model_end());
  if (!reserve(&vmaps_, addr, end)) return "";
  int err = vmap_range_noflush(addr, end, kDevBase + (addr - vmalloc_model_start()), __PAGE_KERNEL, PAGE_SHIFT);
  unpin(&vmaps_, addr);
  return hex_range(err ? "vmap (failed)" : "vmap", addr, end);
}

// A driver vfree()s the small areas in the range, and alloc_vmap_area then hands the range out
// for a huge mapping: vmap_try_huge_pmd/pud frees the emptied tables (pmd_free_pte_page /
// pud_free_pmd_page) on the way. The vfrees are done one after the other by this CPU.
std::string OpRunner::vmap_huge(const Op& op) {
  uint64_t size = (op.arg & 1) ? PUD_SIZE : PMD_SIZE;
  uint64_t addr = vmalloc_model_start() + (op.offset % kVmallocModelSize & ~(size - 1));
  std::vector<Range> victims;
  if (!take_all(&vmaps_, addr, addr + size, &victims)) return "";
  std::string what;
  for (const Range& r : victims) {
    vunmap_range(r.start, r.end);
    finish(&vmaps_, r.start);
    what += hex_range("vunmap", r.start, r.end) + ", ";
  }
  if (!reserve(&vmaps_, addr, addr + size)) return what + "range taken meanwhile";
  int err = vmap_range_noflush(addr, addr + size, kDevBase + (addr - vmalloc_model_start()),
                               __PAGE_KERNEL, (op.arg & 1) ? PUD_SHIFT : PMD_SHIFT);
  if (err) {
    // The caller frees the area (__ioremap_caller's free_vm_area -> vunmap): a refused
    // promotion (v6.19-fixed's trylock) falls back to 4 KiB PTEs, which fail when the frame
    // pool runs out, and must not stay mapped for every later walk to cross.
    vunmap_range(addr, addr + size);
    finish(&vmaps_, addr);
    return what + hex_range("vmap_huge (failed, unmapped)", addr, addr + size);
  }
  unpin(&vmaps_, addr);
  return what + hex_range("vmap_huge", addr, addr + size);
}

std::string OpRunner::vunmap(const Op& op) {
  Range r;
  if (!take(&vmaps_, vmalloc_model_start() + op.offset % kVmallocModelSize, op.arg, &r)) return "";
  vunmap_range(r.start, r.end);
  finish(&vmaps_, r.start);
  return hex_range("vunmap", r.start, r.end);
}

std::string OpRunner::hot_add(const Op& op) {
  phys_addr_t start = kHotBase + (op.offset % kHotWindow & ~(k2M - 1));
  uint64_t size = (1 + ((op.arg >> 1) & 3)) * k2M;
  if (start + size > kHotBase + kHotWindow || !reserve(&hot_, start, start + size)) return "";
  if (add_memory(start, size, op.arg & 1) != 0) {
    finish(&hot_, start);
    return hex_range("hot_add (failed)", start, start + size);
  }
  unpin(&hot_, start);
  return hex_range((op.arg & 1) ? "hot_add 4k" : "hot_add 2m", start, start + size);
}

std::string OpRunner::hot_remove(const Op& op) {
  Range r;
  if (!take(&hot_, kHotBase + op.offset % kHotWindow, op.arg, &r)) return "";
  remove_memory(r.start, r.end - r.start);
  finish(&hot_, r.start);
  return hex_range("hot_remove", r.start, r.end);
}

std::string OpRunner::cpa(const Op& op) {
  uint64_t boot = env_.kernel->options().boot_ram_bytes;
  phys_addr_t pa = op.offset & ~(PAGE_SIZE - 1);
  Range* pinned = nullptr;
  uint64_t limit = boot;
  if (pa >= boot) {
    std::lock_guard<std::mutex> g(mu_);
    phys_addr_t hot = kHotBase + pa % kHotWindow;
    // Only online memory: set_memory_* is never called on a range that is being added or
    // removed (the kernel offlines memory before arch_remove_memory, and no one owns pages of
    // a range that is not online yet). Such a CPA falls back to boot RAM.
    for (Range& r : hot_) {
      if (hot >= r.start && hot < r.end && !r.exclusive) pinned = &r;
    }
    if (pinned) pinned->pins++, pa = hot, limit = pinned->end;
    else pa %= boot;
  }
  int n = int(std::min<uint64_t>(1 + (op.arg & 7), (limit - pa) / PAGE_SIZE));
  pteval_t rw = (op.arg & 8) ? 0 : _PAGE_RW, ro = (op.arg & 8) ? _PAGE_RW : 0;
  pteval_t nx = (op.arg & 64) ? _PAGE_NX : 0;
  uint64_t va = env_.kernel->layout().direct_map(pa);
  int err = change_page_attr_set_clr(va, n, rw | nx, ro, op.arg & 16, op.arg & 32);
  if (pinned) {
    std::lock_guard<std::mutex> g(mu_);
    for (Range& r : hot_) {
      if (pa >= r.start && pa < r.end) r.pins--;
    }
  }
  return hex_range(err ? "cpa (failed)" : (op.arg & 32) ? "cpa+collapse" : "cpa", va, va + n * PAGE_SIZE);
}

static std::string proc_prefix(unsigned slot) { return slot ? "proc" + std::to_string(slot) + " " : ""; }

std::string OpRunner::mmap(const Op& op) {
  uint64_t va = op.offset % kUserWindow & ~(PAGE_SIZE - 1);
  unsigned slot = op_proc(op);
  mm_struct* mm = va ? mmget(slot) : nullptr;
  if (!mm) return "";
  std::vector<Range>* pages = &procs_[slot].upages;
  std::string what;
  if (reserve(pages, va, va + PAGE_SIZE)) {
    bool ok = mmap_user_page(mm, va, !(op.arg & 1)) != nullptr;
    ok ? unpin(pages, va) : finish(pages, va);
    what = proc_prefix(slot) + hex_at(ok ? "mmap" : "mmap (failed)", va);
  }
  mmput(slot, mm);
  return what;
}

std::string OpRunner::munmap(const Op& op) {
  unsigned slot = op_proc(op);
  mm_struct* mm = mmget(slot);
  if (!mm) return "";
  std::vector<Range>* pages = &procs_[slot].upages;
  Range r;
  std::string what;
  if (take(pages, op.offset % kUserWindow, op.arg, &r)) {
    munmap_user_page(mm, r.start, op.arg & 0x80);
    finish(pages, r.start);
    what = proc_prefix(slot) + hex_at((op.arg & 0x80) ? "munmap+free_pgtables" : "munmap", r.start);
  }
  mmput(slot, mm);
  return what;
}

uint64_t OpRunner::op_va(const Op& op) const {
  switch (op.region) {
    case Region::kVmalloc: return vmalloc_model_start() + op.offset % kVmallocModelSize;
    case Region::kDirect: return env_.kernel->layout().direct_map(op.offset % (8 * k1G));
    default: return op.offset % kUserWindow;
  }
}

std::string OpRunner::dma(AgentCtx& c, const Op& op) {
  iommu::Device* dev = env_.devices[c.device % env_.devices.size()];
  unsigned slot = op_proc(op);
  uint32_t pasid;
  {
    std::lock_guard<std::mutex> g(mu_);
    pasid = procs_[slot].pasid;
  }
  uint64_t va = op_va(op);
  iommu::Translation tr;
  if (op.kind == OpKind::kPrefetch) {
    tr = dev->unit().speculative_walk(*dev, pasid, va);
  } else if (op.kind == OpKind::kDmaRead) {
    tr = dev->dma_read(pasid, va).tr;
  } else {
    tr = dev->dma_write(pasid, va, 0x5a5a5a5a00000000ULL | op.arg).tr;
  }
  std::string what = proc_prefix(slot) + hex_at(op_name(op.kind), va) + " by " + dev->name();
  return what + (tr.ok() ? " -> ok" : std::string(" -> fault ") + iommu::fault_name(tr.fault));
}

// A driver's bind for the process in slot: iommu_sva_bind_device with current->mm, then
// iommu_sva_get_pasid, which the driver programs into its device for later DMA.
std::string OpRunner::bind(AgentCtx& c, const Op& op) {
  iommu::Device* dev = env_.devices[(op.arg & 15) % env_.devices.size()];
  unsigned slot = (op.arg >> 4) & 1;
  mm_struct* mm = mmget_or_start(slot);
  if (!mm) return "";
  iommu::iommu_sva* h = iommu::iommu_sva_bind_device(dev, mm);
  c.handles.push_back({h, slot});
  uint32_t pasid = mm->iommu_mm.load(std::memory_order_acquire)->pasid;
  {
    std::lock_guard<std::mutex> g(mu_);
    procs_[slot].pasid = pasid;
  }
  mmput(slot, mm);
  return "bind " + dev->name() + " proc" + std::to_string(slot) + " (pasid " + std::to_string(pasid) + ")";
}

// This agent's last bind, else the world's boot handle of device[arg] (each unbound once).
std::string OpRunner::unbind(AgentCtx& c, const Op& op) {
  iommu::iommu_sva* h = nullptr;
  std::string whose;
  if (!c.handles.empty()) {
    h = c.handles.back().handle;
    whose = " proc" + std::to_string(c.handles.back().slot);
    c.handles.pop_back();
  } else if (!env_.boot_handles.empty()) {
    std::lock_guard<std::mutex> g(mu_);
    size_t i = op.arg % env_.boot_handles.size();
    if (boot_claimed_[i]) return "";
    boot_claimed_[i] = true;
    h = env_.boot_handles[i];
    whose = " proc0 (boot bind)";
  }
  if (!h) return "";
  std::string what = "unbind " + h->dev->name() + whose;
  iommu::iommu_sva_unbind_device(h);
  return what;
}

// do_exit -> exit_mm -> mmput: the process drops its own mm_users reference; whoever drops the
// last one runs exit_mmap.
std::string OpRunner::exit(const Op& op) {
  unsigned slot = op.arg & 1;
  mm_struct* mm;
  {
    std::lock_guard<std::mutex> g(mu_);
    Proc& p = procs_[slot];
    if (!p.mm || p.exiting) return "";
    p.exiting = true;
    mm = p.mm;
  }
  mmput(slot, mm);
  return "exit proc" + std::to_string(slot);
}

std::string OpRunner::ptdump(const Op& op) {
  if (!(op.arg & 1)) {
    size_t leaves = ptdump_walk_pgd(&env_.kernel->init_mm());
    return "ptdump init_mm (" + std::to_string(leaves) + " leaves)";
  }
  unsigned slot = (op.arg >> 1) & 1;
  mm_struct* mm = mmget(slot);
  if (!mm) return "";
  size_t leaves = ptdump_walk_pgd(mm);
  std::string what = "ptdump proc" + std::to_string(slot) + " (" + std::to_string(leaves) + " leaves)";
  mmput(slot, mm);
  return what;
}

// The attacker's heap spray: the most recently freed frames, each entry a present, writable,
// user-accessible table entry pointing back at the frame, so a stale walk that lands here
// translates wherever the attacker wants.
std::string OpRunner::spray(AgentCtx& c, const Op& op) {
  size_t n = 1 + op.arg % 8, got = 0;
  for (size_t i = 0; i < n; ++i) {
    ptdesc* pt = env_.kernel->frames().alloc_hot(FrameUse::kData, "attacker spray");
    if (!pt) break;
    pteval_t crafted = mk_table_entry(pt, _PAGE_TABLE);
    write_entry(table_slot(pt, 0), crafted);   // one scheduling point per frame
    for (unsigned j = 1; j < PTRS_PER_TABLE; ++j) pt->entries()[j] = crafted;
    c.spray.push_back(pt);
    ++got;
  }
  return got ? "spray " + std::to_string(got) + " frame(s) from the hot list" : "";
}

std::string OpRunner::release(AgentCtx& c) {
  if (c.spray.empty()) return "";
  for (ptdesc* pt : c.spray) free_page(pt, "attacker release");
  std::string what = "release " + std::to_string(c.spray.size()) + " sprayed frame(s)";
  c.spray.clear();
  return what;
}

}  // namespace svafuzz::scenario
