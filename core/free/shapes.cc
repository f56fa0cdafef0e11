// The litmus shapes (see shapes.h).
#include "core/free/shapes.h"

namespace svafuzz::free {
namespace {

constexpr int kQ = 0;   // kernel slot of table Q
constexpr int kP = 1;   // kernel slot of table P

void free_p(FreePathWorld& w, sync::Runtime* rt) {
  w.spawn(rt, "cpu0", [&w] { w.huge_promote(kP); });
}

void free_q_free_p(FreePathWorld& w, sync::Runtime* rt) {
  w.spawn(rt, "cpu0", [&w] {
    w.huge_promote(kQ);
    w.huge_promote(kP);
  });
}

void free_p_free_q(FreePathWorld& w, sync::Runtime* rt) {
  w.spawn(rt, "cpu0", [&w] { w.huge_promote(kP); });
  w.spawn(rt, "cpu1", [&w] { w.huge_promote(kQ); });
}

void dma_p_dma_p_free_p(FreePathWorld& w, sync::Runtime* rt) {
  w.spawn(rt, "dev0", [&w] {
    w.dma_kernel(0, kP);
    w.dma_kernel(0, kP);
  });
  w.spawn(rt, "cpu0", [&w] { w.huge_promote(kP); });
}

void free_q_free_p_dma_p_dma_p(FreePathWorld& w, sync::Runtime* rt) {
  free_q_free_p(w, rt);
  w.spawn(rt, "dev0", [&w] { w.dma_kernel(0, kP); });
  w.spawn(rt, "dev0'", [&w] { w.dma_kernel(0, kP); });
}

void pend_q(FreePathWorld& w) { w.huge_promote(kQ); }

void free_p_dma_p_dma_p(FreePathWorld& w, sync::Runtime* rt) {
  free_p(w, rt);
  w.spawn(rt, "dev0", [&w] { w.dma_kernel(0, kP); });
  w.spawn(rt, "dev0'", [&w] { w.dma_kernel(0, kP); });
}

}  // namespace

const std::vector<ShapeInfo>& all_shapes() {
  static const std::vector<ShapeInfo> shapes = {
      {"FreeP", "a CPU frees one kernel PTE table", free_p},
      {"FreeQ.FreeP", "a CPU frees two kernel PTE tables, one after the other", free_q_free_p},
      {"FreeP+FreeQ", "two CPUs free one kernel PTE table each", free_p_free_q},
      {"DmaP.DmaP+FreeP", "a device walks through P twice while a CPU frees P",
       dma_p_dma_p_free_p},
      {"FreeQ.FreeP+DmaP+DmaP",
       "a CPU frees Q then P while two DMA streams walk through P (the seed-v3 race)",
       free_q_free_p_dma_p_dma_p},
      {"PendQ+FreeP+DmaP+DmaP",
       "Q queued before the start; a CPU frees P while two DMA streams walk through P",
       free_p_dma_p_dma_p, pend_q},
  };
  return shapes;
}

const ShapeInfo* find_shape(const std::string& name) {
  for (const ShapeInfo& s : all_shapes()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

}  // namespace svafuzz::free
