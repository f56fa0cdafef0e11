// The shared body of the scenario fuzz targets (fuzz_entry.h).
#include "core/scenario/fuzz_entry.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/mm/model_defects.h"
#include "core/sched/sanitizer_hooks.h"
#include "core/scenario/codec.h"
#include "core/scenario/mutate.h"
#include "core/scenario/text.h"
#include "core/sync/finding.h"

extern "C" void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));
#if SVAFUZZ_HAS_ASAN
extern "C" const char* __asan_get_report_description() __attribute__((weak));
extern "C" void* __asan_get_report_address() __attribute__((weak));
#endif

namespace svafuzz::scenario {
namespace {

[[noreturn]] void die(const std::string& msg) {
  std::fprintf(stderr, "%s\n", msg.c_str());
  std::exit(2);
}

// Takes "-name=value" out of argv; returns true and the value if present.
bool take_flag(const char* name, int* argc, char*** argv, std::string* value) {
  if (!argc || !argv) return false;
  std::string prefix = std::string("-") + name + "=";
  bool found = false;
  int out = 0;
  for (int i = 0; i < *argc; ++i) {
    const char* a = (*argv)[i];
    if (i > 0 && std::strncmp(a, prefix.c_str(), prefix.size()) == 0) {
      *value = a + prefix.size();
      found = true;
      continue;
    }
    (*argv)[out++] = (*argv)[i];
  }
  *argc = out;
  return found;
}

std::string env_or(const char* name, const std::string& dflt) {
  const char* v = std::getenv(name);
  return v && *v ? v : dflt;
}

// Prints the signature of the AddressSanitizer report being made in the running execution,
// once per process. Only once ASan has recorded the report (its error summary and its death
// callback; not yet at __asan_on_error), and never for other sanitizers' reports.
void death_signature() {
  // Compiled only with AddressSanitizer: OSS-Fuzz rejects a non-ASan build that calls into
  // __asan_* at all (base-runner counts the calls), weak or not.
#if SVAFUZZ_HAS_ASAN
  static std::atomic<bool> printed{false};
  if (!__asan_get_report_description) return;
  const char* d = __asan_get_report_description();
  if (!d || !*d || printed.exchange(true)) return;
  Signature sig = live_signature(d, __asan_get_report_address ? __asan_get_report_address() : nullptr);
  if (!sig.empty()) std::fprintf(stderr, "%s\n", sig.line().c_str());
#endif
}

// Prints the running execution's story once per process (both hooks below may fire).
void death_story() {
  static std::atomic<bool> printed{false};
  if (!printed.exchange(true)) {
    std::string s = live_story();
    if (!s.empty()) std::fprintf(stderr, "%s", s.c_str());
  }
  death_signature();
}

// Executions of this process, and how many the grant cap cut off (printed at exit).
std::atomic<uint64_t> g_executions{0};
std::atomic<uint64_t> g_cut_off{0};

void print_cut_offs() {
  const uint64_t cut = g_cut_off.load();
  if (cut == 0) return;
  std::fprintf(stderr, "svafuzz: %llu of %llu executions cut off at the grant cap (SVAFUZZ_GRANT_CAP)\n",
               (unsigned long long)cut, (unsigned long long)g_executions.load());
}

// SVAFUZZ_COST=1: the phases of every execution, and the process's wall clock from the first
// execution's start to exit (engine time included), printed at exit.
ExecCost g_cost;
std::chrono::steady_clock::time_point g_cost_start;
bool g_cost_started = false;

void print_cost() {
  if (g_cost.executions == 0) return;
  auto wall = std::chrono::steady_clock::now() - g_cost_start;
  std::string t = format_exec_cost(
      g_cost, uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(wall).count()));
  std::fprintf(stderr, "%s", t.c_str());
}

uint64_t parse_uint_env(const char* target, const char* name, uint64_t dflt) {
  std::string v = env_or(name, std::to_string(dflt));
  char* end = nullptr;
  unsigned long long n = std::strtoull(v.c_str(), &end, 10);
  if (*end || v[0] == '-') die(std::string(target) + ": " + name + " must be a whole number, not '" + v + "'");
  return n;
}

}  // namespace

FuzzConfig load_fuzz_config(const char* target, Backend backend, int* argc, char*** argv) {
  FuzzConfig c;
  c.target = target;
  c.backend = backend;
  c.design = env_or("SVAFUZZ_DESIGN", "mainline");
  std::string ops = env_or("SVAFUZZ_OPS", "all"), v;
  std::string kernel = env_or("SVAFUZZ_KERNEL", c.kernel->name);
  if (take_flag("design", argc, argv, &v)) c.design = v;
  if (take_flag("kernel", argc, argv, &v)) kernel = v;
  if (take_flag("ops", argc, argv, &v)) ops = v;
  c.kernel = mm::find_kernel_profile(kernel);
  if (!c.kernel) {
    die(std::string(target) + ": unknown kernel profile '" + kernel + "' (SVAFUZZ_KERNEL or -kernel=); known: " +
        mm::kernel_profile_names());
  }
  if (!design_exists(c.design)) {
    die(std::string(target) + ": unknown design '" + c.design + "' (SVAFUZZ_DESIGN or -design=); known: " +
        design_names());
  }
  std::string err;
  if (!parse_ops_mask(ops, &c.ops_mask, &err)) die(std::string(target) + ": " + err);
  // Test-only planted model defects (core/mm/model_defects.h), comma-separated.
  std::string defects = env_or("SVAFUZZ_DEFECT", "");
  for (size_t pos = 0; pos < defects.size();) {
    size_t comma = std::min(defects.find(',', pos), defects.size());
    std::string name = defects.substr(pos, comma - pos);
    if (!mm::set_model_defect(name)) {
      die(std::string(target) + ": unknown planted defect '" + name + "' in SVAFUZZ_DEFECT; known: " +
          mm::model_defect_names());
    }
    pos = comma + 1;
  }
  c.interleave = env_or("SVAFUZZ_INTERLEAVE", "1") != "0";
  c.story_always = env_or("SVAFUZZ_STORY", "0") != "0";
  std::string window = env_or("SVAFUZZ_STORY_WINDOW", "48");
  char* end = nullptr;
  unsigned long long w = std::strtoull(window.c_str(), &end, 10);
  if (*end || window.empty()) die(std::string(target) + ": SVAFUZZ_STORY_WINDOW must be a whole number, not '" + window + "'");
  c.story_window = size_t(w);
  c.grant_cap = parse_uint_env(target, "SVAFUZZ_GRANT_CAP", kGrantCapPerExecution);
  c.cost = env_or("SVAFUZZ_COST", "0") != "0";
  std::atexit(print_cut_offs);
  if (c.cost) std::atexit(print_cost);
  std::fprintf(stderr, "%s: design %s, kernel %s, ops %s, interleaving signal %s%s%s\n", target,
               c.design.c_str(), c.kernel->name, ops.c_str(), c.interleave ? "on" : "off", defects.empty() ? "" : ", PLANTED DEFECT ",
               defects.c_str());
  return c;
}

void run_input(const FuzzConfig& cfg, const uint8_t* data, size_t size, uint8_t* counters,
               size_t ncounters) {
  Scenario s;
  std::string err;
  if (!decode_input(data, size, &s, &err)) {
    // A malformed text input is not a finding: say why and move on (libFuzzer keeps going).
    // The first few per process are always reported, so a hand-written reproducer with a typo
    // is not mistaken for a clean run; after that only with SVAFUZZ_STORY=1 (libFuzzer's own
    // byte mutations of text seeds make many).
    static int reported = 0;
    if (cfg.story_always || reported++ < 10) {
      std::fprintf(stderr, "%s: malformed text scenario, skipped: %s\n", cfg.target.c_str(), err.c_str());
    }
    return;
  }
  ExecOptions o;
  o.backend = cfg.backend;
  o.design = cfg.design;
  o.kernel = cfg.kernel;
  o.ops_mask = cfg.ops_mask;
  o.counters = cfg.interleave ? counters : nullptr;
  o.ncounters = ncounters;
  o.story_always = cfg.story_always;
  o.story_window = cfg.story_window;
  o.grant_cap = cfg.grant_cap;
  if (cfg.cost) {
    if (!g_cost_started) g_cost_start = std::chrono::steady_clock::now();
    g_cost_started = true;
    o.cost = &g_cost;
  }
  ExecResult r = execute(s, o);
  g_executions.fetch_add(1, std::memory_order_relaxed);
  if (r.cut_off) g_cut_off.fetch_add(1, std::memory_order_relaxed);
  if (cfg.story_always && r.findings.empty()) {
    std::fprintf(stderr, "%s%sno finding (%llu steps%s)\n", r.story.c_str(), print(s).c_str(), (unsigned long long)r.steps,
                 r.cut_off ? ", cut off at the grant cap" : "");
  }
  if (r.findings.empty()) return;
  std::fprintf(stderr, "%s==SVAFUZZ== scenario:\n%s", r.story.c_str(), print(s).c_str());
  for (const Finding& f : r.findings) {
    std::fprintf(stderr, "==SVAFUZZ== FINDING %s %s\n", detector_name(f.detector), format_finding(f).c_str());
  }
  std::fprintf(stderr, "%s\n", r.signature.line().c_str());
  std::fprintf(stderr, "==SVAFUZZ== %s: design %s, kernel %s: aborting on the finding above\n",
               cfg.target.c_str(), cfg.design.c_str(), cfg.kernel->name);
  std::fflush(stderr);
  std::abort();
}

void install_death_story() {
  if (__sanitizer_set_death_callback) __sanitizer_set_death_callback(death_story);
}

}  // namespace svafuzz::scenario

// libFuzzer installs its own death callback after LLVMFuzzerInitialize, replacing the one
// install_death_story() set; AddressSanitizer calls this hook at the start of every error
// report, so the interleaving is printed (before ASan's report) under libFuzzer too.
extern "C" void __asan_on_error() { svafuzz::scenario::death_story(); }

// AddressSanitizer (and the other sanitizers) print their report's SUMMARY line through this
// weak hook, after the report is recorded: the default prints the line; this one also prints
// the finding signature of an ASan report (libFuzzer replaces the death callback, so this is
// where the signature gets printed under libFuzzer).
extern "C" void __sanitizer_report_error_summary(const char* error_summary) {
  std::fprintf(stderr, "%s\n", error_summary);
  svafuzz::scenario::death_signature();
}
