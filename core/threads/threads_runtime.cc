// Real threads behind the sync facade.
#include "core/threads/threads_runtime.h"

#include <chrono>

namespace svafuzz::threads {
namespace {
thread_local sync::AgentState* t_agent = nullptr;
constexpr auto kBlockTimeout = std::chrono::microseconds(200);
}  // namespace

ThreadsRuntime::ThreadsRuntime() { host_state_.name = "main"; }

ThreadsRuntime::~ThreadsRuntime() {
  for (auto& a : agents_) {
    if (a->thread.joinable()) a->thread.join();
  }
}

sync::AgentId ThreadsRuntime::spawn(std::string name, std::function<void()> fn, bool daemon) {
  auto a = std::make_unique<Agent>();
  a->state.name = std::move(name);
  a->fn = std::move(fn);
  a->daemon = daemon;
  Agent* raw = a.get();
  // The thread object is written under mu_, so join() (which finds agents under mu_) sees it.
  std::lock_guard<std::mutex> g(mu_);
  raw->state.id = static_cast<sync::AgentId>(agents_.size());
  agents_.push_back(std::move(a));
  if (running_) start(raw);
  return raw->state.id;
}

// Precondition: mu_ held.
void ThreadsRuntime::start(Agent* a) { a->thread = std::thread([this, a] { body(a); }); }

void ThreadsRuntime::body(Agent* a) {
  sync::RuntimeScope scope(this);
  t_agent = &a->state;
  try {
    a->fn();
  } catch (...) {
    std::lock_guard<std::mutex> g(mu_);
    if (!error_) error_ = std::current_exception();
  }
  t_agent = nullptr;
  wake(nullptr);
}

void ThreadsRuntime::run() {
  {
    std::lock_guard<std::mutex> g(mu_);
    running_ = true;
    for (auto& a : agents_) start(a.get());
  }
  join(/*daemons=*/false);
  stopping_.store(true, std::memory_order_release);
  wake(nullptr);
  join(/*daemons=*/true);
  if (error_) std::rethrow_exception(error_);
}

// Joins agents of one kind, including those spawned while joining.
void ThreadsRuntime::join(bool daemons) {
  for (size_t i = 0;; ++i) {
    Agent* a;
    {
      std::lock_guard<std::mutex> g(mu_);
      if (i >= agents_.size()) return;
      a = agents_[i].get();
    }
    if (a->daemon == daemons && a->thread.joinable()) a->thread.join();
  }
}

void ThreadsRuntime::point(const sync::Event&) {
  steps_.fetch_add(1, std::memory_order_relaxed);
}

void ThreadsRuntime::block(const void*, const sync::Event&) {
  steps_.fetch_add(1, std::memory_order_relaxed);
  std::unique_lock<std::mutex> lk(mu_);
  uint64_t gen = wake_gen_;
  cv_.wait_for(lk, kBlockTimeout, [&] { return wake_gen_ != gen; });
}

void ThreadsRuntime::wake(const void*) {
  {
    std::lock_guard<std::mutex> g(mu_);
    ++wake_gen_;
  }
  cv_.notify_all();
}

sync::AgentState& ThreadsRuntime::agent() { return t_agent != nullptr ? *t_agent : host_state_; }

}  // namespace svafuzz::threads
