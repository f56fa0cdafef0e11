// The "threads" backend: every agent is a real std::thread with the facade's real locks and
// atomics, so ThreadSanitizer sees the races the model has. point() only counts steps;
// block() is a short condition-variable wait (with a timeout, so a wake that slips between
// the caller's check and its block costs at most one timeout, never a hang); wake() notifies.
//
// Lifecycle mirrors SchedRuntime: spawn agents, run(), read results. run() joins every
// non-daemon agent, then sets should_stop() and wakes daemons (the kworker drains its queue
// and leaves its idle loop), then joins them. There is no deadlock detection: a test that can
// deadlock belongs to the sched backend.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/sync/runtime.h"

namespace svafuzz::threads {

class ThreadsRuntime final : public sync::Runtime {
 public:
  ThreadsRuntime();
  ~ThreadsRuntime() override;
  ThreadsRuntime(const ThreadsRuntime&) = delete;
  ThreadsRuntime& operator=(const ThreadsRuntime&) = delete;

  // Before run(): registers the agent. From a running agent: starts its thread at once.
  sync::AgentId spawn(std::string name, std::function<void()> fn, bool daemon) override;

  // Starts every registered agent and returns when all have finished (see the file comment).
  // Precondition: called once, from the thread that constructed the runtime. Rethrows the first
  // exception that escaped an agent.
  void run();

  // sync::Runtime
  void point(const sync::Event& ev) override;
  void block(const void* obj, const sync::Event& ev) override;
  void wake(const void* obj) override;
  sync::AgentState& agent() override;
  uint64_t step() const override { return steps_.load(std::memory_order_relaxed); }
  bool should_stop() const override { return stopping_.load(std::memory_order_acquire); }

 private:
  struct Agent {
    sync::AgentState state;
    std::function<void()> fn;
    bool daemon = false;
    std::thread thread;
  };

  void start(Agent* a);
  void body(Agent* a);
  void join(bool daemons);

  std::mutex mu_;                        // guards agents_, wake_gen_, error_
  std::condition_variable cv_;
  uint64_t wake_gen_ = 0;
  std::vector<std::unique_ptr<Agent>> agents_;
  std::exception_ptr error_;
  std::atomic<uint64_t> steps_{0};
  std::atomic<bool> stopping_{false};
  bool running_ = false;
  sync::AgentState host_state_;
};

}  // namespace svafuzz::threads
