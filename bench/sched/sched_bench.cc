// Scheduler overhead on a page-table-like workload.
//
// Four agents each walk a shared 512-entry table: per entry a READ_ONCE, ~60 ns of local work
// (a dependent multiply/xor chain standing in for decoding an entry and checking it), and a
// WRITE_ONCE of one of the agent's own entries every fourth step. "back-to-back" runs the same
// four functions one after the other on the host thread with no runtime installed (a point is
// then one thread-local load); "sched" runs them as fibers under SchedRuntime with a strategy.
// BM_OverheadRatio measures both in the same run and reports their ratio and switches/s.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "core/sched/sched_runtime.h"
#include "core/sched/strategies.h"
#include "core/sync/once.h"

namespace {

using namespace svafuzz;

constexpr int kAgents = 4;
constexpr int kEntries = 512;
constexpr int kWorkRounds = 24;   // ~60 ns of dependent arithmetic per point

struct Table {
  alignas(64) uint64_t pte[kEntries];
};

uint64_t local_work(uint64_t v) {
  for (int i = 0; i < kWorkRounds; ++i) {
    v = (v ^ (v >> 29)) * 0xbf58476d1ce4e5b9ULL;
    benchmark::DoNotOptimize(v);
  }
  return v;
}

void agent_walk(Table* t, int id) {
  uint64_t acc = static_cast<uint64_t>(id);
  for (int i = 0; i < kEntries; ++i) {
    acc += local_work(READ_ONCE(t->pte[i]) + acc);
    if ((i & 3) == 0) WRITE_ONCE(t->pte[(id * 128 + i / 4) % kEntries], acc | 1);
  }
  benchmark::DoNotOptimize(acc);
}

// Points per execution: each agent reads every entry and writes every fourth.
constexpr int64_t kPointsPerExecution = kAgents * (kEntries + kEntries / 4);

void run_back_to_back(Table* t) {
  for (int a = 0; a < kAgents; ++a) agent_walk(t, a);
}

void run_sched(sched::SchedRuntime* rt, Table* t) {
  rt->reset();
  for (int a = 0; a < kAgents; ++a) rt->spawn("cpu" + std::to_string(a), [t, a] { agent_walk(t, a); }, false);
  rt->run();
}

std::unique_ptr<sched::ChoiceSource> make_source(int kind, uint64_t seed) {
  switch (kind) {
    case 0: return std::make_unique<sched::RandomChoice>(seed);
    case 1: return std::make_unique<sched::PctChoice>(seed, 3, kPointsPerExecution);
    default: return std::make_unique<sched::FuzzBytesChoice>(nullptr, 0);
  }
}

const char* source_label(int kind) {
  return kind == 0 ? "random" : kind == 1 ? "pct(d=3)" : "nonpreemptive";
}

void BM_BackToBack(benchmark::State& state) {
  Table t{};
  for (auto _ : state) run_back_to_back(&t);
  state.SetItemsProcessed(state.iterations() * kPointsPerExecution);
}
BENCHMARK(BM_BackToBack)->Unit(benchmark::kMicrosecond);

void BM_Sched(benchmark::State& state) {
  Table t{};
  auto src = make_source(static_cast<int>(state.range(0)), 1);
  sched::SchedOptions opts;
  opts.trace_reserve = kPointsPerExecution + 64;
  sched::SchedRuntime rt(src.get(), opts);
  uint64_t switches = 0;
  for (auto _ : state) {
    run_sched(&rt, &t);
    switches += rt.switches();
  }
  state.SetItemsProcessed(state.iterations() * kPointsPerExecution);
  state.counters["switches/s"] = benchmark::Counter(static_cast<double>(switches),
                                                    benchmark::Counter::kIsRate);
  state.SetLabel(source_label(static_cast<int>(state.range(0))));
}
BENCHMARK(BM_Sched)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond);

// Both modes interleaved in one run: ratio = sched time / back-to-back time.
void BM_OverheadRatio(benchmark::State& state) {
  using Clock = std::chrono::steady_clock;
  Table t{};
  auto src = make_source(static_cast<int>(state.range(0)), 7);
  sched::SchedOptions opts;
  opts.trace_reserve = kPointsPerExecution + 64;
  sched::SchedRuntime rt(src.get(), opts);
  std::chrono::duration<double> base{0}, sched{0};
  uint64_t switches = 0;
  for (auto _ : state) {
    auto t0 = Clock::now();
    run_back_to_back(&t);
    auto t1 = Clock::now();
    run_sched(&rt, &t);
    auto t2 = Clock::now();
    base += t1 - t0;
    sched += t2 - t1;
    switches += rt.switches();
  }
  state.counters["ratio"] = sched.count() / base.count();
  state.counters["switches/s"] = static_cast<double>(switches) / sched.count();
  state.counters["ns/point(sched)"] =
      1e9 * sched.count() / (static_cast<double>(state.iterations()) * kPointsPerExecution);
  state.counters["ns/point(base)"] =
      1e9 * base.count() / (static_cast<double>(state.iterations()) * kPointsPerExecution);
  state.SetLabel(source_label(static_cast<int>(state.range(0))));
}
BENCHMARK(BM_OverheadRatio)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
