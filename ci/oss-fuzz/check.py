#!/usr/bin/env python3
"""The OSS-Fuzz contract checker behind ci/oss-fuzz/check.sh (see its header for the checks).

Builds each configuration with ci/oss-fuzz/build.sh under the environment OSS-Fuzz's
base-builder sets for it, then checks every target in that build's $OUT. The thresholds are
those of OSS-Fuzz's base-runner (bad_build_check): 100 edges, 4 runs, 1,000 ASan calls in an
ASan build, at least 168 UBSan calls in a UBSan build and at most 200 in any other.
"""
import argparse
import configparser
import os
import re
import signal
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BASE_CFLAGS = "-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION"
SAN_ADDRESS = "-fsanitize=address -fsanitize-address-use-after-scope"
UBSAN_CHECKS = ("array-bounds,bool,builtin,enum,float-divide-by-zero,function,integer-divide-by-zero,"
                "null,object-size,return,returns-nonnull-attribute,shift,signed-integer-overflow,"
                "unreachable,vla-bound,vptr")
SAN_UNDEFINED = "-fsanitize=%s,unsigned-integer-overflow -fno-sanitize-recover=%s" % (UBSAN_CHECKS, UBSAN_CHECKS)
COV_COVERAGE = ("-fprofile-instr-generate -fcoverage-mapping -pthread -Wl,--no-as-needed -Wl,-ldl "
                "-Wl,-lm -Wno-unused-command-line-argument")
LIBFUZZER_COV = "-fsanitize=fuzzer-no-link"
AFL_DRIVER = "/usr/lib/afl/libAFLDriver.a"
CHECKS = ["edges", "runs", "seeds", "runtime", "sandbox", "options"]
GLIBC = re.compile(r"^(linux-vdso\.so\.1|libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|"
                   r"librt\.so\.1|ld-linux-x86-64\.so\.2|/lib64/ld-linux-x86-64\.so\.2|libgcc_s\.so\.1)$")
MAX_RSS_MB = 2560
INPUT_TIMEOUT = 25


def libcxx(engine):
    """OSS-Fuzz's CXXFLAGS end with -stdlib=libc++ (its libFuzzer carries a private libc++).
    Debian's libFuzzer (libclang-rt-14-dev) is built against libstdc++ and does not link with
    libc++, so the libFuzzer builds here use libstdc++; the AFL++ build (a C driver) takes
    -stdlib=libc++ as OSS-Fuzz does, so ci/fuzz-build.sh's libc++ path is checked too."""
    return " -stdlib=libc++" if engine == "afl" else ""


def build_env(build, src, work, out):
    """The variables OSS-Fuzz's compile step exports for `build` (base-clang's env file)."""
    engine = "afl" if build == "afl" else "libfuzzer"
    sanitizer = "address" if build == "afl" else build
    san = {"address": SAN_ADDRESS, "undefined": SAN_UNDEFINED, "coverage": ""}[sanitizer]
    cov = {"libfuzzer": LIBFUZZER_COV if sanitizer != "coverage" else COV_COVERAGE, "afl": ""}[engine]
    cflags = " ".join(x for x in (BASE_CFLAGS, san, cov) if x)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/root"),
        "LANG": "C.UTF-8", "ARCHITECTURE": "x86_64", "FUZZING_LANGUAGE": "c++",
        "CC": "clang", "CXX": "clang++", "CFLAGS": cflags, "CXXFLAGS": cflags + libcxx(engine),
        "LIB_FUZZING_ENGINE": "-fsanitize=fuzzer", "SANITIZER": sanitizer, "FUZZING_ENGINE": engine,
        "SRC": src, "WORK": work, "OUT": out,
    }
    if engine == "afl":
        env.update(CC="afl-clang-fast", CXX="afl-clang-fast++", LIB_FUZZING_ENGINE=AFL_DRIVER,
                   AFL_CC="clang-14", AFL_CXX="clang++-14", AFL_QUIET="1")
    return env


def run(cmd, env=None, cwd=None, timeout=600, log=None):
    """Runs cmd; returns (exit status, or None on a timeout; output; wall seconds; its max RSS MB).

    The RSS is this child's own (wait4), not the maximum over every child so far."""
    t0 = time.time()
    with tempfile.TemporaryFile() as f:
        p = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             start_new_session=True)
        rc, ru = None, None
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                rc = os.waitstatus_to_exitcode(status)
                break
            if time.time() - t0 > timeout:
                os.killpg(p.pid, signal.SIGKILL)
                _, status, ru = os.wait4(p.pid, 0)
                break
            time.sleep(0.02)
        p.returncode = rc if rc is not None else -9   # reaped here, not by Popen
        f.seek(0)
        text = f.read().decode("utf-8", "replace")
    if rc is None:
        text += "\n[timed out after %ds]\n" % timeout
    rss = (ru.ru_maxrss if ru else 0) / 1024.0
    if log:
        with open(log, "a") as lf:
            lf.write("$ %s\n%s\n[exit %s, %.1fs, %.0f MB]\n" % (" ".join(cmd), text, rc, time.time() - t0, rss))
    return rc, text, time.time() - t0, rss


def copy_tree(dst):
    """$SRC/svafuzz: the checkout's tracked and untracked-but-not-ignored files, as COPY . sees them."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                           stdout=subprocess.PIPE, check=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        s = os.path.join(ROOT, rel)
        if not os.path.isfile(s):
            continue
        d = os.path.join(dst, rel)
        os.makedirs(os.path.dirname(d), exist_ok=True)
        shutil.copy2(s, d)


class Result:
    def __init__(self):
        self.cells = {}   # (build, target, check) -> (ok, detail)

    def add(self, build, target, check, ok, detail=""):
        self.cells[(build, target, check)] = (ok, detail)
        if not ok:
            print("  FAIL %s %s %s: %s" % (build, target, check, detail), flush=True)


def targets_in(out):
    return sorted(f for f in os.listdir(out) if f.endswith("_fuzzer") and os.access(os.path.join(out, f), os.X_OK))


def unpack_seeds(out, target, dst):
    os.makedirs(dst, exist_ok=True)
    z = os.path.join(out, target + "_seed_corpus.zip")
    if os.path.exists(z):
        with zipfile.ZipFile(z) as zf:
            zf.extractall(dst)
    return sorted(os.path.join(dst, f) for f in os.listdir(dst))


def option_flags(out, target):
    """The [libfuzzer] flags of <target>.options as run_fuzzer passes them."""
    cp = configparser.ConfigParser()
    path = os.path.join(out, target + ".options")
    if not os.path.exists(path) or not cp.read(path) or not cp.has_section("libfuzzer"):
        return []
    return ["-%s=%s" % (k, os.path.join(out, v) if k == "dict" else v) for k, v in cp.items("libfuzzer")]


def check_options(out, target):
    path = os.path.join(out, target + ".options")
    if not os.path.exists(path):
        return False, "no %s.options" % target
    cp = configparser.ConfigParser()
    try:
        cp.read(path)
    except configparser.Error as e:
        return False, "options: %s" % str(e).splitlines()[0]
    if not cp.has_section("libfuzzer"):
        return False, "options: no [libfuzzer] section"
    for k, v in cp.items("libfuzzer"):
        if k == "dict" and not os.path.isfile(os.path.join(out, v)):
            return False, "options: dict %s is not in $OUT" % v
        if k in ("max_len", "timeout", "rss_limit_mb") and not v.isdigit():
            return False, "options: %s = %s is not a number" % (k, v)
    dict_path = os.path.join(out, target + ".dict")
    if not os.path.exists(dict_path):
        return False, "no %s.dict" % target
    entry = re.compile(r'^([A-Za-z0-9_]+\s*=\s*)?"((?:[^"\\]|\\\\|\\"|\\x[0-9A-Fa-f]{2})*)"$')
    n = 0
    for i, line in enumerate(open(dict_path, encoding="latin-1"), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not entry.match(line):
            return False, "dict line %d does not parse: %s" % (i, line[:60])
        n += 1
    return (n > 0), "%d dict entries" % n


def check_edges_libfuzzer(text):
    m = re.search(r"INFO: Loaded \d+ module.*\(.*(?:counters|guards)\):\s+(\d+)", text)
    if not m:
        return False, "no 'Loaded ... counters' line (not instrumented?)"
    n = int(m.group(1))
    return n >= 100, "%d edges" % n


def check_edges_coverage(t, out, seeds, work, log):
    prof = os.path.join(work, "prof-" + os.path.basename(t))
    shutil.rmtree(prof, ignore_errors=True)
    os.makedirs(prof)
    env = dict(os.environ, LLVM_PROFILE_FILE=os.path.join(prof, "%p.profraw"))
    run([t, "-runs=0"] + option_flags(out, os.path.basename(t)) + [os.path.dirname(seeds[0]) if seeds else prof],
        env=env, log=log)
    raws = [os.path.join(prof, f) for f in os.listdir(prof) if f.endswith(".profraw")]
    if not raws:
        return False, "no .profraw written"
    data = os.path.join(prof, "merged.profdata")
    rc, text, _, _ = run(["llvm-profdata-14", "merge", "-sparse", "-o", data] + raws, log=log)
    if rc != 0:
        return False, "llvm-profdata merge failed"
    rc, text, _, _ = run(["llvm-cov-14", "report", t, "-instr-profile=" + data], log=log)
    m = re.search(r"^TOTAL\s+(\d+)", text, re.M)
    if rc != 0 or not m:
        return False, "llvm-cov report failed"
    n = int(m.group(1))
    return n >= 100, "%d regions" % n


def check_runtime(t, build):
    counts = {"asan": 0, "ubsan": 0, "msan": 0, "tsan": 0, "dfsan": 0}
    call = re.compile(r"call[q]?\s+[0-9a-f]+\s+<__(asan|ubsan|msan|tsan|dfsan)")
    p = subprocess.Popen(["objdump", "-d", t], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    for line in p.stdout:
        if b"call" in line and b"<__" in line:
            m = call.search(line.decode("latin-1"))
            if m:
                counts[m.group(1)] += 1
    p.wait()
    want = {
        "address": lambda c: c["asan"] >= 1000 and c["ubsan"] <= 200 and c["msan"] <= 3,
        "afl": lambda c: c["asan"] >= 1000 and c["ubsan"] <= 200 and c["msan"] <= 3,
        "undefined": lambda c: c["asan"] == 0 and c["ubsan"] >= 168 and c["msan"] <= 3,
        "coverage": lambda c: c["asan"] == 0 and c["ubsan"] <= 200 and c["msan"] <= 3,
    }[build]
    ok = want(counts) and counts["tsan"] == 0 and counts["dfsan"] == 0
    detail = "calls asan=%(asan)d ubsan=%(ubsan)d msan=%(msan)d tsan=%(tsan)d" % counts
    rc, text, _, _ = run(["ldd", t])
    libs = [l.split()[0] for l in text.splitlines() if l.strip() and "=>" in l or l.strip().startswith("/")]
    bad = [l for l in libs if not GLIBC.match(os.path.basename(l) if l.startswith("/") else l)]
    if bad:
        return False, detail + "; shared libraries outside glibc: " + " ".join(bad)
    return ok, detail + "; %d glibc libraries" % len(libs)


def check_sandbox(cmd, work, log):
    """No child process and no file opened for writing outside /tmp (and /dev)."""
    trace = os.path.join(work, "strace.log")
    if os.path.exists(trace):
        os.remove(trace)
    # LeakSanitizer's exit-time check ptrace()s the process, which strace already does; its
    # tracer is a CLONE_VM task, a thread for this check, not a child process.
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0")
    rc, text, _, _ = run(["strace", "-f", "-qq", "-o", trace, "-e", "trace=execve,fork,vfork,clone,clone3,open,openat,creat"] + cmd,
                         env=env, cwd="/tmp", log=log)
    if not os.path.exists(trace):
        return False, "strace did not run"
    # The one child allowed is the sanitizer runtime's llvm-symbolizer: libFuzzer symbolizes the
    # first new functions it sees (-print_funcs=2, its default), as it does in OSS-Fuzz.
    lines = open(trace, errors="replace").read().splitlines()
    symbolizer = {l.split()[0] for l in lines if "execve(" in l and "llvm-symbolizer" in l}
    execs, procs, writes = 0, 0, []
    for line in lines:
        pid = line.split()[0] if line.split() else ""
        if pid in symbolizer:
            continue
        if "execve(" in line and "= 0" in line:
            execs += 1
        elif re.search(r"\b(v?fork)\(", line) and "resumed" not in line:
            m = re.search(r"= (\d+)", line)
            procs += 0 if m and m.group(1) in symbolizer else 1
        elif re.search(r"\bclone3?\(", line) and "CLONE_VM" not in line and "resumed" not in line:
            m = re.search(r"= (\d+)", line)
            procs += 0 if m and m.group(1) in symbolizer else 1
        else:
            m = re.search(r'open(?:at)?\((?:AT_FDCWD, )?"([^"]*)", ([A-Z_|]+)', line)
            if m and re.search(r"O_WRONLY|O_RDWR|O_CREAT", m.group(2)) and "= -1" not in line:
                path = os.path.normpath(os.path.join("/tmp", m.group(1)))   # cwd is /tmp
                if not (path.startswith("/tmp/") or path.startswith("/dev/") or path.startswith(work)):
                    writes.append(path)
    if execs > 1 or procs:
        return False, "%d execve, %d child processes" % (execs - 1, procs)
    if writes:
        return False, "writes outside /tmp: " + " ".join(sorted(set(writes))[:3])
    return True, "no child%s, writes only /tmp" % (" (but llvm-symbolizer)" if symbolizer else "")


def check_target_libfuzzer(res, build, out, t, work, log):
    name = os.path.basename(t)
    seeds = unpack_seeds(out, name, os.path.join(work, "seeds-" + name))
    if build == "coverage":
        # The coverage build has no SanitizerCoverage, so libFuzzer's loop cannot run (it stops
        # with "no interesting inputs"); OSS-Fuzz only executes inputs with it. So: one input.
        probe = seeds[0] if seeds else os.path.join(work, "one-byte")
        if not seeds:
            open(probe, "wb").write(b"\0")
        rc, text, _, _ = run([t, probe], cwd="/tmp", log=log, timeout=300)
        res.add(build, name, "edges", *check_edges_coverage(t, out, seeds, work, log))
        ok = rc == 0 and "Executed" in text
        res.add(build, name, "runs", ok, "executed one input" if ok else "exit %s: %s" % (rc, text.strip().splitlines()[-1:]))
        cmd = [t, probe]
    else:
        rc, text, _, _ = run([t, "-seed=1337", "-runs=4"], cwd="/tmp", log=log, timeout=300)
        res.add(build, name, "edges", *check_edges_libfuzzer(text))
        ok = rc == 0 and "Done 4 runs" in text
        res.add(build, name, "runs", ok, "Done 4 runs" if ok else "exit %s: %s" % (rc, text.strip().splitlines()[-1:]))
        cmd = [t, "-seed=1337", "-runs=4"]
    sd = os.path.join(work, "seeds-" + name)
    rc, text, secs, rss = run([t, "-runs=0", "-timeout=%d" % INPUT_TIMEOUT, "-rss_limit_mb=%d" % MAX_RSS_MB] +
                              option_flags(out, name) + [sd], cwd="/tmp", log=log, timeout=1800)
    res.add(build, name, "seeds", rc == 0 and rss <= MAX_RSS_MB,
            "%d seeds, %.1fs, max RSS %.0f MB%s" % (len(seeds), secs, rss, "" if rc == 0 else ", exit %s" % rc))
    res.add(build, name, "runtime", *check_runtime(t, build))
    res.add(build, name, "sandbox", *check_sandbox(cmd, work, log))
    res.add(build, name, "options", *check_options(out, name))


def check_target_afl(res, build, out, t, work, log):
    name = os.path.basename(t)
    seeds = unpack_seeds(out, name, os.path.join(work, "seeds-" + name))
    probe = seeds[0] if seeds else os.path.join(work, "one-byte")
    if not seeds:
        open(probe, "wb").write(b"\0")
    mapf = os.path.join(work, "map-" + name)
    run(["afl-showmap", "-q", "-m", "none", "-t", str(INPUT_TIMEOUT * 1000), "-o", mapf, "--", t, probe], log=log)
    n = sum(1 for _ in open(mapf)) if os.path.exists(mapf) else 0
    res.add(build, name, "edges", n >= 100, "%d tuples (afl-showmap, one seed)" % n)
    # base-runner's AFL++ check: afl-fuzz without the seed corpus must start and not crash.
    ind, outd = os.path.join(work, "afl-in-" + name), os.path.join(work, "afl-out-" + name)
    shutil.rmtree(outd, ignore_errors=True)
    os.makedirs(ind, exist_ok=True)
    open(os.path.join(ind, "input"), "wb").write(b"\0")
    env = dict(os.environ, AFL_NO_UI="1", AFL_SKIP_CPUFREQ="1", AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES="1",
               AFL_NO_AFFINITY="1", AFL_FORKSRV_INIT_TMOUT="30000", AFL_SKIP_CRASHES="1")
    rc, text, _, _ = run(["afl-fuzz", "-i", ind, "-o", outd, "-m", "none", "-t", str(INPUT_TIMEOUT * 1000),
                          "-V", "20", "--", t], env=env, log=log, timeout=120)
    started = "All set and ready to roll" in text
    crashed = re.search(r"target binary (crashed|terminated)", text)
    res.add(build, name, "runs", started and not crashed,
            "afl-fuzz ran 20 s" if started and not crashed else "afl-fuzz: %s" % (text.strip().splitlines()[-1:] or "no output"))
    worst_t, worst_rss, failed = 0.0, 0.0, []
    for s in seeds:
        rc, text, secs, rss = run([t, s], cwd="/tmp", timeout=INPUT_TIMEOUT, log=None)
        worst_t, worst_rss = max(worst_t, secs), max(worst_rss, rss)
        if rc != 0 or rss > MAX_RSS_MB:
            failed.append(os.path.basename(s))
    res.add(build, name, "seeds", not failed,
            "%d seeds, slowest %.1fs, max RSS %.0f MB%s" % (len(seeds), worst_t, worst_rss,
                                                           "" if not failed else ", failed: " + " ".join(failed[:3])))
    res.add(build, name, "runtime", *check_runtime(t, build))
    res.add(build, name, "sandbox", *check_sandbox([t, probe], work, log))
    res.add(build, name, "options", *check_options(out, name))


def check_files(res):
    """The project files: YAML parses, Dockerfile COPY sources exist, build.sh's missing-variable error."""
    import yaml
    for path, need in (("ci/oss-fuzz/project.yaml", ("language", "sanitizers", "fuzzing_engines", "main_repo")),
                       (".clusterfuzzlite/project.yaml", ("language",))):
        try:
            y = yaml.safe_load(open(os.path.join(ROOT, path)))
            ok = isinstance(y, dict) and all(k in y for k in need) and y["language"] == "c++"
            if ok and "sanitizers" in y:
                ok = set(y["sanitizers"]) == {"address", "undefined"} and set(y["fuzzing_engines"]) == {"libfuzzer", "afl"}
            res.add("files", path, "yaml", ok, "keys %s" % ",".join(sorted(y)) if isinstance(y, dict) else "not a mapping")
        except Exception as e:   # a parse error is the finding, not a crash of the checker
            res.add("files", path, "yaml", False, str(e).splitlines()[0])
    for dockerfile, context in (("ci/oss-fuzz/Dockerfile", "ci/oss-fuzz"), (".clusterfuzzlite/Dockerfile", ".")):
        missing = []
        for line in open(os.path.join(ROOT, dockerfile)):
            parts = line.split()
            if parts[:1] == ["COPY"]:
                missing += [p for p in parts[1:-1] if not os.path.exists(os.path.join(ROOT, context, p))]
        res.add("files", dockerfile, "copy", not missing, "COPY sources exist" if not missing else "missing: " + " ".join(missing))
    for build_sh in ("ci/oss-fuzz/build.sh", ".clusterfuzzlite/build.sh"):
        ok = "ci/fuzz-build.sh" in open(os.path.join(ROOT, build_sh)).read()
        res.add("files", build_sh, "calls", ok, "runs ci/fuzz-build.sh" if ok else "does not run ci/fuzz-build.sh")
    env = {"PATH": os.environ["PATH"], "SRC": "/nonexistent", "CC": "clang"}
    rc, text, _, _ = run(["bash", os.path.join(ROOT, "ci/fuzz-build.sh")], env=env)
    ok = rc == 1 and "OUT" in text and "not set" in text
    res.add("files", "ci/fuzz-build.sh", "missing-var", ok, text.strip().splitlines()[0] if text.strip() else "no message")


def print_table(res, builds):
    print("\n%-32s %-10s %s" % ("target", "build", " ".join("%-8s" % c for c in CHECKS)))
    targets = sorted({t for (b, t, c) in res.cells if b != "files"})
    for t in targets:
        for b in builds:
            row = []
            for c in CHECKS:
                cell = res.cells.get((b, t, c))
                row.append("%-8s" % ("-" if cell is None else "PASS" if cell[0] else "FAIL"))
            print("%-32s %-10s %s" % (t, b, " ".join(row)))
    print("\nproject files:")
    for (b, t, c), (ok, detail) in sorted(res.cells.items()):
        if b == "files":
            print("  %-4s %-32s %-12s %s" % ("PASS" if ok else "FAIL", t, c, detail))
    print("\ndetails:")
    for (b, t, c), (ok, detail) in sorted(res.cells.items()):
        if b != "files":
            print("  %-4s %-10s %-30s %-8s %s" % ("PASS" if ok else "FAIL", b, t, c, detail))


def main():
    ap = argparse.ArgumentParser(description="OSS-Fuzz contract check (see ci/oss-fuzz/check.sh)")
    ap.add_argument("--builds", default="address,undefined,coverage,afl")
    ap.add_argument("--work", default="out/oss-fuzz-check")
    a = ap.parse_args()
    builds = a.builds.split(",")
    work = os.path.abspath(os.path.join(ROOT, a.work) if not os.path.isabs(a.work) else a.work)
    shutil.rmtree(work, ignore_errors=True)
    src = os.path.join(work, "src")
    copy_tree(os.path.join(src, "svafuzz"))
    shutil.copy2(os.path.join(ROOT, "ci/oss-fuzz/build.sh"), os.path.join(src, "build.sh"))
    res = Result()
    check_files(res)
    for b in builds:
        out, bwork = os.path.join(work, "out-" + b), os.path.join(work, "work-" + b)
        os.makedirs(out)
        os.makedirs(bwork)
        log = os.path.join(work, b + ".log")
        print("oss-fuzz check: build %s (log %s)" % (b, log), flush=True)
        t0 = time.time()
        rc, text, _, _ = run(["bash", os.path.join(src, "build.sh")], env=build_env(b, src, bwork, out),
                             cwd=os.path.join(src, "svafuzz"), log=log, timeout=3600)
        if rc != 0:
            res.add(b, "(build)", "runs", False, "build.sh exit %s: %s" % (rc, text.strip().splitlines()[-1:]))
            continue
        ts = targets_in(out)
        print("oss-fuzz check: build %s: %d targets in %.0fs" % (b, len(ts), time.time() - t0), flush=True)
        for t in ts:
            if b == "afl":
                check_target_afl(res, b, out, os.path.join(out, t), bwork, log)
            else:
                check_target_libfuzzer(res, b, out, os.path.join(out, t), bwork, log)
    print_table(res, builds)
    passed = sum(1 for ok, _ in res.cells.values() if ok)
    failed = len(res.cells) - passed
    print("\noss-fuzz check: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
