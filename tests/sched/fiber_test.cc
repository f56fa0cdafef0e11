// Fibers: switching back and forth, many fibers, exceptions caught on the fiber's own stack.
#include <gtest/gtest.h>

#include <stdexcept>

#include "core/sched/fiber.h"

namespace svafuzz::sched {
namespace {

struct PingPong {
  FiberContext host;
  Fiber* fiber = nullptr;
  int count = 0;
  bool caught = false;
};

void body(void* arg) {
  auto* p = static_cast<PingPong*>(arg);
  for (int i = 0; i < 3; ++i) {
    ++p->count;
    fiber_switch(p->fiber->context(), &p->host);
  }
  try {
    throw std::runtime_error("on the fiber stack");
  } catch (const std::runtime_error&) {
    p->caught = true;
  }
  fiber_switch(p->fiber->context(), &p->host, /*from_exits=*/true);
}

TEST(FiberTest, SwitchesBackAndForthAndCatchesExceptions) {
  StackPool pool(default_stack_size());
  for (int round = 0; round < 3; ++round) {   // stacks are reused from the pool
    PingPong p;
    fiber_init_host(&p.host);
    Fiber f(&pool, &body, &p);
    p.fiber = &f;
    for (int i = 1; i <= 3; ++i) {
      fiber_switch(&p.host, f.context());
      EXPECT_EQ(p.count, i);
    }
    fiber_switch(&p.host, f.context());
    EXPECT_TRUE(p.caught);
  }
}

}  // namespace
}  // namespace svafuzz::sched
