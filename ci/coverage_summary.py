#!/usr/bin/env python3
"""Summarises ci/coverage.sh's llvm-cov output: lines and functions per source directory, the
kernel free call sites and scenario ops the corpus never reaches, and a closing total."""
import argparse
import collections
import json
import os
import re
import sys

FREE_CALL = re.compile(r"\b(pagetable_free_kernel|pagetable_free|free_page)\(")
LINE = re.compile(r"^\s*(\d+)\|\s*([0-9.]+[kMGT]?|)\|(.*)$")
CASE = re.compile(r"case OpKind::k(\w+):")


def directory_of(path, root):
    rel = os.path.relpath(path, root)
    parts = rel.split(os.sep)
    return os.sep.join(parts[:2]) if len(parts) > 2 else parts[0] if len(parts) > 1 else "."


def per_directory(summary, root):
    agg = collections.defaultdict(lambda: [0, 0, 0, 0])
    total = [0, 0, 0, 0]
    for f in summary["data"][0]["files"]:
        s = f["summary"]
        row = agg[directory_of(f["filename"], root)]
        for i, v in enumerate((s["lines"]["covered"], s["lines"]["count"], s["functions"]["covered"], s["functions"]["count"])):
            row[i] += v
            total[i] += v
    return agg, total


def line_counts(path):
    """{file: {line: count or None}} from llvm-cov show -format=text (top-level lines only)."""
    files, cur = {}, None
    for raw in open(path, errors="replace"):
        raw = raw.rstrip("\n")
        if raw.startswith("/") and raw.endswith(":"):
            cur = files.setdefault(raw[:-1], {})
            continue
        m = LINE.match(raw)
        if cur is None or not m:
            continue
        n, count, text = int(m.group(1)), m.group(2), m.group(3)
        if n in cur:   # a template's instantiations repeat its lines: keep the first (the merged view)
            continue
        cur[n] = (None if count == "" else 0 if count == "0" else 1, text)
    return files


def pct(a, b):
    return 100.0 * a / b if b else 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--summary", required=True)
    ap.add_argument("--lines", required=True)
    a = ap.parse_args()
    try:
        summary = json.load(open(a.summary))
    except (OSError, ValueError) as e:
        print("coverage_summary: cannot read %s: %s" % (a.summary, e), file=sys.stderr)
        return 2
    agg, total = per_directory(summary, a.root)
    print("%-26s %16s %16s" % ("directory", "lines", "functions"))
    for d in sorted(agg):
        lc, ln, fc, fn = agg[d]
        print("%-26s %7d/%-6d %3.0f%% %7d/%-6d %3.0f%%" % (d, lc, ln, pct(lc, ln), fc, fn, pct(fc, fn)))
    files = line_counts(a.lines)
    # A design's own free site runs only when that design is fuzzed; the targets run their
    # default design (mainline), so the other designs' sites are listed apart, not as gaps.
    sites, unreached, other_designs = 0, [], []
    for path in sorted(files):
        rel = os.path.relpath(path, a.root)
        if not rel.startswith("core/") or os.path.basename(rel).startswith("pgalloc."):
            continue
        other = rel.startswith("core/free/designs/") and os.path.basename(rel) != "mainline.cc"
        for n, (count, text) in sorted(files[path].items()):
            code = text.split("//")[0]
            if FREE_CALL.search(code) and count is not None:
                if other:
                    other_designs.append(os.path.splitext(os.path.basename(rel))[0].replace("_", "-"))
                    continue
                sites += 1
                if count == 0:
                    unreached.append("%s:%d  %s" % (rel, n, text.strip()))
    print("\nkernel free call sites in core/ (the model and mainline): %d, never reached by the corpus: %d"
          % (sites, len(unreached)))
    for u in unreached:
        print("  " + u)
    if other_designs:
        print("designs the targets do not run by default (their free sites are not counted): %s"
              % ", ".join(sorted(set(other_designs))))
    ops = [p for p in files if p.endswith("core/scenario/ops.cc")]
    never = []
    for p in ops:
        for n, (count, text) in sorted(files[p].items()):
            m = CASE.search(text)
            if m and m.group(1) != "Count" and count == 0:
                never.append(m.group(1))
    print("scenario ops never run by the corpus: %s" % (", ".join(never) if never else "none"))
    print("\ncoverage: %.1f%% lines, %.1f%% functions" % (pct(total[0], total[1]), pct(total[2], total[3])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
