#!/usr/bin/env python3
"""The GitHub workflows parse as YAML, and every ci/ script a step runs exists and answers
--help with exit status 0 (each workflow only calls scripts that can also be run locally).

    workflows_test.py SOURCE_DIR
"""
import glob
import os
import re
import subprocess
import sys

import yaml

SCRIPT = re.compile(r"\b(?:bash|python3)\s+(ci/[\w./-]+)")


def main():
    root = sys.argv[1]
    files = sorted(glob.glob(os.path.join(root, ".github", "workflows", "*.yml")))
    if not files:
        print("FAIL no workflow in .github/workflows")
        return 1
    bad = 0
    for f in files:
        doc = yaml.safe_load(open(f))
        on = doc.get("on", doc.get(True))   # YAML 1.1 reads a bare `on` key as True
        if not doc.get("jobs") or on is None:
            print("FAIL %s: no jobs or no trigger" % f)
            bad += 1
            continue
        scripts = set()
        for job in doc["jobs"].values():
            for step in job.get("steps", []):
                scripts.update(SCRIPT.findall(step.get("run", "")))
        for s in sorted(scripts):
            path = os.path.join(root, s)
            if not os.path.isfile(path):
                print("FAIL %s: %s does not exist" % (os.path.basename(f), s))
                bad += 1
                continue
            runner = "python3" if s.endswith(".py") else "bash"
            r = subprocess.run([runner, path, "--help"], capture_output=True, text=True, timeout=60)
            ok = r.returncode == 0 and r.stdout.strip()
            print("%s %s: %s --help" % ("ok  " if ok else "FAIL", os.path.basename(f), s))
            bad += not ok
        print("ok   %s: parses, %d job(s), %d script(s)" % (os.path.basename(f), len(doc["jobs"]), len(scripts)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
