#!/usr/bin/env python3
"""The verdicts, summary.json and SARIF 2.1.0 of ci/race-hunt.sh (see its header).

Inputs: units.txt (one "kind name file expectation build-file" a line) and records.tsv (one arm result a
line: unit, arm, CLEAN|FOUND|ERROR, detector, seconds, execs, known count, reproducer, report,
work dir). Prints one line per design and the job's last line; exits 0, 1 or 2 as the job does.
"""
import argparse
import glob
import json
import os
import re
import sys

# A stack frame of an ASan ("#1 0x55d0 in fn(args) /path/f.cc:12:3") or TSan ("#1 fn /path/f.cc:12:3
# (bin+0x12)") report.
FRAME = re.compile(r"^\s*#\d+ (?:0x[0-9a-f]+ in )?(.*?) (/[^\s:]+):(\d+)(?::\d+)?(?: \(.*\))?\s*$", re.M)
SIGNATURE = re.compile(r"==SVAFUZZ== SIGNATURE ([0-9a-f]{16}) design=(\S+) (.*)")
# A design's free entry: a function taking a ptdesc (the design's pagetable_free_kernel or
# the function a plug-in names in SVAFUZZ_PAGETABLE_FREE_KERNEL), or that macro's line.
FREE_ENTRY = re.compile(r"^\s*(?:static\s+)?(?:inline\s+)?void\s+\w+\s*\(\s*(?:struct\s+)?(?:mm::)?ptdesc\s*\*|"
                        r"^\s*SVAFUZZ_PAGETABLE_FREE_KERNEL\s*\(")


class BadInput(Exception):
    pass


def read_units(path):
    units = []
    for n, line in enumerate(open(path), 1):
        f = line.split()
        if not f:
            continue
        if len(f) != 5 or f[0] not in ("design", "plugin") or f[3] not in ("clean", "flagged"):
            raise BadInput("%s:%d: not 'kind name file expectation build-file': %r" % (path, n, line))
        units.append({"kind": f[0], "name": f[1], "file": f[2], "expected": f[3]})
    return units


def read_records(path):
    rows = []
    for n, line in enumerate(open(path), 1):
        f = line.rstrip("\n").split("\t")
        if len(f) != 10 or f[2] not in ("CLEAN", "FOUND", "ERROR") or not all(x.isdigit() or x == "-" for x in (f[4], f[5])) \
                or not f[6].isdigit():
            raise BadInput("%s:%d: not an arm record: %r" % (path, n, line))
        rows.append({"unit": f[0], "arm": f[1], "result": f[2], "detector": f[3],
                     "seconds": None if f[4] == "-" else int(f[4]),
                     "execs": None if f[5] == "-" else int(f[5]),
                     "known": int(f[6] or 0), "reproducer": None if f[7] == "-" else f[7],
                     "report": None if f[8] == "-" else f[8], "work": None if f[9] == "-" else f[9]})
    return rows


def known_signatures(work):
    """The known signatures a hunt kept (work/known-<id>)."""
    if not work:
        return []
    return sorted(os.path.basename(p)[len("known-"):] for p in glob.glob(os.path.join(work, "known-*")))


def report_text(path):
    try:
        return open(path, errors="replace").read()
    except (OSError, TypeError):
        return ""


def location(root, unit_file, text):
    """(line, how) in the unit's source file: the first stack frame of the report that lies in
    that file (the free, or the faulting access when the design's code made it); else the
    design's pagetable_free_kernel; else line 1."""
    want = os.path.normpath(os.path.join(root, unit_file))
    for m in FRAME.finditer(text):
        path = os.path.normpath(m.group(2))
        if path == want or path.endswith("/" + unit_file):
            return max(1, int(m.group(3))), "stack frame %s" % m.group(1)
    try:
        for n, line in enumerate(open(want, errors="replace"), 1):
            if FREE_ENTRY.search(line):
                return n, "the design's free entry (no frame of the report is in this file)"
    except OSError:
        pass
    return 1, "the file (no frame of the report is in it)"


def shown_path(path, root):
    """A path relative to the checkout when it lies inside it, else absolute; "none" for none."""
    if not path:
        return "none"
    rel = os.path.relpath(path, root)
    return os.path.abspath(path) if rel.startswith("..") else rel


def headline(text):
    for pat in (r"==SVAFUZZ== FINDING [^\n]*", r"ERROR: AddressSanitizer: [^\n]*",
                r"WARNING: ThreadSanitizer: [^\n]*", r"runtime error: [^\n]*", r"^--- [^\n]*"):
        m = re.search(pat, text, re.M)
        if m:
            return m.group(0).strip()
    return "finding"


def judge(unit, rows):
    """The unit's verdict and its new findings."""
    found = [r for r in rows if r["result"] == "FOUND"]
    errors = [r for r in rows if r["result"] == "ERROR"]
    if errors:
        return "error", []
    if unit["expected"] == "flagged":
        return ("expected" if found else "missed"), []
    return ("new" if found else "clean"), found


def sarif(root, results, kernel):
    rules, out = {}, []
    for unit, r in results:
        text = report_text(r["report"])
        line, how = location(root, unit["file"], text)
        sig = SIGNATURE.search(text)
        rule = "svafuzz/%s" % (r["detector"] or "finding")
        rules.setdefault(rule, {"id": rule, "name": (r["detector"] or "finding").replace("-", "_"),
                                "shortDescription": {"text": "svafuzz %s finding in a free-path design" % (r["detector"] or "")},
                                "helpUri": "https://github.com/svafuzz/svafuzz/blob/main/docs/findings/README.md"})
        msg = "%s on design %s (%s arm, kernel %s): %s. Reproducer: %s. Located at %s." % (
            r["detector"], unit["name"], r["arm"], kernel, headline(text),
            shown_path(r["reproducer"], root), how)
        # A plug-in outside the checkout is named by an absolute file: URI, with no base.
        if os.path.isabs(unit["file"]):
            artifact = {"uri": "file://" + unit["file"]}
        else:
            artifact = {"uri": unit["file"], "uriBaseId": "%SRCROOT%"}
        res = {"ruleId": rule, "level": "error", "message": {"text": msg},
               "locations": [{"physicalLocation": {"artifactLocation": artifact, "region": {"startLine": line}}}]}
        if sig:
            res["partialFingerprints"] = {"svafuzzSignature/v1": sig.group(1)}
        out.append(res)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "svafuzz race-hunt", "informationUri": "https://github.com/svafuzz/svafuzz",
                                "rules": list(rules.values())}},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": "file://" + os.path.abspath(root).rstrip("/") + "/"}},
            "results": out,
        }],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--root", required=True)
    ap.add_argument("--units", required=True)
    ap.add_argument("--records", required=True)
    ap.add_argument("--guard", required=True, choices=["pass", "fail"])
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    try:
        units, records = read_units(a.units), read_records(a.records)
    except (OSError, BadInput) as e:
        print("race_report: %s" % e, file=sys.stderr)
        return 2
    summary = {"kernel": a.kernel, "regression_guard": a.guard, "designs": []}
    new, known_total, errors, missed = [], 0, 0, 0
    for u in units:
        rows = [r for r in records if r["unit"] == u["name"]]
        verdict, fresh = judge(u, rows) if rows else ("error", [])   # no arm ran: the job failed
        sigs = sorted({s for r in rows for s in known_signatures(r["work"])})
        known = len(sigs)
        known_total += known
        new += [(u, r) for r in fresh]
        errors += verdict == "error"
        missed += verdict == "missed"
        summary["designs"].append({
            "design": u["name"], "kind": u["kind"], "source": u["file"], "expected": u["expected"],
            "verdict": verdict, "known": known, "known_signatures": sigs,
            "arms": [{k: r[k] for k in ("arm", "result", "detector", "seconds", "execs", "known", "reproducer", "report")}
                     for r in rows]})
        arms = " ".join("%s=%s%s" % (r["arm"], r["result"], "(%s)" % r["detector"] if r["result"] == "FOUND" else "")
                        for r in rows)
        print("race-hunt: %-18s %-8s expected %-7s %s known=%d" % (u["name"], verdict.upper(), u["expected"], arms, known))
    summary["new_findings"] = len(new)
    summary["known"] = known_total
    json.dump(summary, open(os.path.join(a.out, "summary.json"), "w"), indent=2)
    json.dump(sarif(a.root, new, a.kernel), open(os.path.join(a.out, "race-hunt.sarif"), "w"), indent=2)
    for u, r in new:
        print("race-hunt: NEW %s on %s (%s arm): reproducer %s, report %s" % (r["detector"], u["name"], r["arm"], r["reproducer"], r["report"]))
    if a.guard == "fail":
        print("race-hunt: the regression guard failed (a reproducer no longer fires, or a clean design is flagged)")
    for d in summary["designs"]:
        if d["verdict"] == "missed":
            print("race-hunt: MISSED %s: a planted design, not found by any arm within its time" % d["design"])
    print("race-hunt: results %s (summary.json, race-hunt.sarif)" % a.out)
    print("race-hunt: %d designs, %d new findings, %d known" % (len(units), len(new), known_total))
    if errors:
        return 2
    return 1 if (new or missed or a.guard == "fail") else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # a report that cannot be written means the job could not run
        print("race_report: internal error: %r" % e, file=sys.stderr)
        sys.exit(2)
