// The current-kernel scope and user mm creation. boot() lives in boot.cc.
#include "core/mm/kernel.h"

#include <cassert>

namespace svafuzz::mm {
namespace {
Kernel* g_kernel = nullptr;
}  // namespace

Kernel::Kernel(KernelOptions opts)
    : opts_(opts), layout_(&layout_for(opts.levels)), frames_(opts.frames) {
  KernelScope scope(this);
  boot();
}

Kernel::~Kernel() = default;

Kernel& kernel() {
  assert(g_kernel && "no KernelScope is live");
  return *g_kernel;
}

bool has_kernel() { return g_kernel != nullptr; }

KernelScope::KernelScope(Kernel* k) : prev_(g_kernel) { g_kernel = k; }
KernelScope::~KernelScope() { g_kernel = prev_; }

}  // namespace svafuzz::mm
