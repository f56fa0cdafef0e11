// Litmus shapes: small named programs of agents over a FreePathWorld, the scenarios the
// litmus tests, the planted-bug tests and `svafuzz litmus` run every design on.
//
// Naming (LKMM style): agents are separated by '+', one agent's operations by '.'.
//   FreeP          a CPU frees table P (vmap huge promotion over P's slot)
//   FreeQ.FreeP    a CPU frees Q, then P
//   FreeP+FreeQ    two CPUs free one table each
//   DmaP.DmaP+FreeP   a device DMAs through P twice; a CPU frees P
//   FreeQ.FreeP+DmaP+DmaP  a CPU frees Q then P; two DMA streams each walk through P once
//   PendQ+FreeP+DmaP+DmaP  Q is already queued (work pending) when the execution starts; a CPU
//                  frees P; two DMA streams each walk through P once (the smallest seed-v3 race)
// P is kernel slot 1's PTE table, Q slot 0's. A DMA is a read at the slot's kernel address by
// a user-mode (SRE off) request: it faults at the leaf on U/S after caching the upper entries.
#pragma once
#include <string>
#include <vector>

#include "core/free/world.h"

namespace svafuzz::free {

struct ShapeInfo {
  std::string name;
  std::string summary;
  // Spawns the shape's agents on rt (after world.start(rt)).
  void (*spawn)(FreePathWorld& world, sync::Runtime* rt) = nullptr;
  // Optional initial state, run on the host after world.start(rt) and before spawn (no
  // scheduling points: no runtime is installed on the host).
  void (*prepare)(FreePathWorld& world) = nullptr;
};

// nullptr for an unknown name.
const ShapeInfo* find_shape(const std::string& name);
const std::vector<ShapeInfo>& all_shapes();

}  // namespace svafuzz::free
