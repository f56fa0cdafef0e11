#!/usr/bin/env python3
"""Groups a flat `perf report --no-children --sort symbol --stdio` profile (stdin) by where
an execution's cycles go, for bench/fuzz/cost.sh. Each symbol goes to the first group whose
pattern matches its name; the rest is "model and other". Prints each group's share and its
three largest symbols."""
import re
import sys

GROUPS = [
    ("pick (runnable set, choice source)",
     r"SchedRuntime::(pick|collect_runnable|reschedule|non_daemon_runnable)|::choose$|index_of_current|StreamChoice|keeps_current"),
    ("point bookkeeping (count, trace record)",
     r"SchedRuntime::(point|count_step|record|block|wake)|Trace::record|lock_label|TraceEntry|vector<unsigned int.*push_back"),
    ("trace resolve (object ids, hash)", r"Trace::resolve|PointerIds|FileHashCache|_Hashtable<char const\*|_Insert_base<char const\*"),
    ("fiber switch", r"fiber_switch|svafuzz_switch|switch_to|swapcontext"),
    ("interleaving fold", r"fold_interleavings"),
    ("sanitizer coverage callbacks", r"__sanitizer_cov"),
    ("ASan allocator, poisoning, checks", r"__asan|__sanitizer::|__lsan|QuickCheckFor|Allocator|StackDepot|UnwindFast|__interceptor_(malloc|free|calloc|realloc|memset|memcpy)"),
    ("libc memset/memcpy", r"__mem(set|move|cpy)"),
    ("libFuzzer engine", r"^fuzzer::"),
    ("kernel (page faults, syscalls)", r"^\[k\]"),
]


def main():
    rows = []
    for line in sys.stdin:
        m = re.match(r"\s*([0-9.]+)%\s+(\[[.k]\])\s+(.*?)\s{2,}", line)
        if not m:
            continue
        pct, space, sym = float(m.group(1)), m.group(2), m.group(3).strip()
        rows.append((pct, sym if space == "[.]" else "[k] " + sym))
    if not rows:
        sys.exit("perf_groups.py: no samples in the perf report")
    totals = {name: [0.0, []] for name, _ in GROUPS}
    other = [0.0, []]
    for pct, sym in rows:
        for name, pat in GROUPS:
            if re.search(pat, sym):
                totals[name][0] += pct
                totals[name][1].append((pct, sym))
                break
        else:
            other[0] += pct
            other[1].append((pct, sym))
    out = [(name, *totals[name]) for name, _ in GROUPS] + [("model and other", *other)]
    for name, pct, syms in sorted(out, key=lambda r: -r[1]):
        top = ", ".join("%s %.1f%%" % (s[:60], p) for p, s in sorted(syms, reverse=True)[:3])
        print("  %-42s %5.1f%%   %s" % (name, pct, top))


if __name__ == "__main__":
    main()
