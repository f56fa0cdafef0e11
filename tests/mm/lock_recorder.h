// A minimal single-agent sync::Runtime for mm unit tests: it records every scheduling point
// (lock acquires and releases, entry reads and writes, TLB flushes) so a test can check which
// of the kernel's locks an operation takes, in which order, and what it does under them.
// One agent only: block() is never legitimately reached (a lock already held by the same
// agent), so it fails the test instead of hanging.
#pragma once
#include <gtest/gtest.h>

#include <vector>

#include "core/sync/runtime.h"

namespace svafuzz::mm::testing {

class LockRecorder : public sync::Runtime {
 public:
  LockRecorder() : scope_(this) { state_.id = 0; }

  void point(const sync::Event& ev) override {
    events_.push_back(ev);
    ++step_;
  }
  void block(const void*, const sync::Event&) override {
    ADD_FAILURE() << "single-agent test blocked on a lock: self-deadlock";
    throw Blocked{};
  }
  void wake(const void*) override {}
  sync::AgentState& agent() override { return state_; }
  uint64_t step() const override { return step_; }

  struct Blocked {};

  const std::vector<sync::Event>& events() const { return events_; }
  void clear() { events_.clear(); }

  static bool is_acquire(sync::EventKind k) {
    return k == sync::EventKind::kSpinAcquire || k == sync::EventKind::kMutexAcquire ||
           k == sync::EventKind::kRwsemAcquire;
  }
  static bool is_release(sync::EventKind k) {
    return k == sync::EventKind::kSpinRelease || k == sync::EventKind::kMutexRelease ||
           k == sync::EventKind::kRwsemRelease;
  }

  // Number of acquisitions of `lock` (spinlock, mutex or rw_semaphore) recorded so far.
  size_t acquires(const void* lock) const {
    size_t n = 0;
    for (const auto& e : events_) {
      n += (e.object == lock && is_acquire(e.kind));
    }
    return n;
  }
  // True if every acquire of `lock` is matched by a release (nothing left held).
  bool balanced(const void* lock) const {
    int held = 0;
    for (const auto& e : events_) {
      if (e.object != lock) continue;
      if (is_acquire(e.kind)) ++held;
      if (is_release(e.kind)) --held;
    }
    return held == 0;
  }
  // Index of the first event of `kind` on `object` (nullptr: any object), or -1.
  long first(sync::EventKind kind, const void* object = nullptr) const {
    for (size_t i = 0; i < events_.size(); ++i) {
      if (events_[i].kind == kind && (!object || events_[i].object == object)) return long(i);
    }
    return -1;
  }
  // True if the write at event index `i` happened while `lock` was held.
  bool held_at(const void* lock, size_t i) const {
    int held = 0;
    for (size_t j = 0; j < i && j < events_.size(); ++j) {
      const auto& e = events_[j];
      if (e.object != lock) continue;
      if (is_acquire(e.kind)) ++held;
      if (is_release(e.kind)) --held;
    }
    return held > 0;
  }

 private:
  sync::RuntimeScope scope_;
  sync::AgentState state_;
  std::vector<sync::Event> events_;
  uint64_t step_ = 0;
};

}  // namespace svafuzz::mm::testing
