#!/usr/bin/env bash
# ci/race_report.py on fixed arm records (no fuzzing): the verdict rules of ci/race-hunt.sh,
# the SARIF result's location, and the SARIF's validity under the 2.1.0 schema; and that
# ci/sarif-check.sh rejects an invalid file (so the validity check can fail).
#   race_report_test.sh SOURCE_DIR WORK_DIR
set -u
root=$1; work=$2
rm -rf "$work"; mkdir -p "$work"
fail=0
check() {  # description expected actual
  if [ "$2" = "$3" ]; then echo "ok   $1"; else echo "FAIL $1: expected '$2', got '$3'"; fail=1; fi
}
report() {  # dir: an ASan-like report whose free stack runs through seed_v3.cc line 41
  cat >"$1/report.txt" <<REP
==SVAFUZZ== SIGNATURE 0123456789abcdef design=seed-v3 walk-freed-table iommu-walk pte alloc=__pte_alloc_kernel free=pmd_free_pte_page via vmap_try_huge_pmd
==1==ERROR: AddressSanitizer: heap-use-after-free on address 0x6110 at pc 0x55 bp 0x7f sp 0x7f
READ of size 8 at 0x6110 thread T0
    #0 0x55d01 in svafuzz::iommu::walk(svafuzz::iommu::Unit&, unsigned long) $root/core/iommu/walk.cc:88:7
freed by thread T0 here:
    #0 0x55d02 in free
    #1 0x55d03 in svafuzz_design_seed_v3::kernel_pte_work_func(work_struct*) $root/core/free/designs/seed_v3.cc:41:5
REP
}
run() {  # name expectation result -> exit status of race_report.py
  local d=$work/$1; mkdir -p "$d"; report "$d"
  echo "design seed-v3 core/free/designs/seed_v3.cc $2 -" >"$d/units.txt"
  if [ "$3" = FOUND ]; then
    printf 'seed-v3\tasan\tFOUND\tasan\t12\t-\t0\t%s\t%s\t-\n' "$d/repro" "$d/report.txt" >"$d/records.tsv"
  else
    printf 'seed-v3\tasan\tCLEAN\t-\t60\t5000\t0\t-\t-\t-\n' >"$d/records.tsv"
  fi
  python3 "$root/ci/race_report.py" --root "$root" --units "$d/units.txt" --records "$d/records.tsv" \
    --guard pass --kernel v6.19-fixed --out "$d" >"$d/out.txt" 2>&1
  echo $?
}
check "a finding on a design under test is new (exit 1)" 1 "$(run patch clean FOUND)"
check "its last line" "race-hunt: 1 designs, 1 new findings, 0 known" "$(tail -1 "$work/patch/out.txt")"
sarif=$work/patch/race-hunt.sarif
check "one SARIF result" 1 "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["runs"][0]["results"]))' "$sarif")"
check "located at the free in the design's file" "core/free/designs/seed_v3.cc:41" \
  "$(python3 -c 'import json,sys; l=json.load(open(sys.argv[1]))["runs"][0]["results"][0]["locations"][0]["physicalLocation"]; print("%s:%d" % (l["artifactLocation"]["uri"], l["region"]["startLine"]))' "$sarif")"
check "the signature is the result's fingerprint" 0123456789abcdef \
  "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["runs"][0]["results"][0]["partialFingerprints"]["svafuzzSignature/v1"])' "$sarif")"
check "a planted design found is expected (exit 0)" 0 "$(run planted flagged FOUND)"
check "a planted design not found is missed (exit 1)" 1 "$(run missed flagged CLEAN)"
check "a clean design that stays clean (exit 0)" 0 "$(run clean clean CLEAN)"
d=$work/bad; mkdir -p "$d"; echo "design seed-v3 core/free/designs/seed_v3.cc clean -" >"$d/units.txt"
printf 'seed-v3\tasan\tFOUND\n' >"$d/records.tsv"
python3 "$root/ci/race_report.py" --root "$root" --units "$d/units.txt" --records "$d/records.tsv" \
  --guard pass --kernel v6.19-fixed --out "$d" >"$d/out.txt" 2>&1
check "a malformed arm record is an error of the job (exit 2)" 2 "$?"

bash "$root/ci/sarif-check.sh" --schema-dir "$work/../sarif-schema" "$sarif" "$work/planted/race-hunt.sarif"; rc=$?
check "the SARIF files validate against the SARIF 2.1.0 schema" 0 "$rc"
python3 - "$sarif" "$work/bad.sarif" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["runs"][0]["results"][0]["level"] = "fatal"          # not a SARIF level
doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0   # minimum 1
json.dump(doc, open(sys.argv[2], "w"))
PY
bash "$root/ci/sarif-check.sh" --schema-dir "$work/../sarif-schema" "$work/bad.sarif"; rc=$?
check "an invalid SARIF file is rejected" 1 "$rc"
exit $fail
