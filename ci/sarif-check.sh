#!/usr/bin/env bash
# Validates SARIF files against the SARIF 2.1.0 JSON schema (ci/race-hunt.sh's output; ctest
# ci.race-hunt.report runs it).
#
#   bash ci/sarif-check.sh [--schema-dir DIR] FILE...
#
# The schema is OASIS SARIF 2.1.0's final JSON schema (sarif-2.1.0-rtm.5.json) as npm's
# @microsoft/jest-sarif package ships it, fetched once with `npm pack` into DIR (default
# build/sarif-schema) and reused. Validation is python3-jsonschema's (Debian), draft 4 as the
# schema declares. Prints one line per file; exit status 0 all valid, 1 one is not, 2 the check
# could not run (no npm or registry, no file).
set -uo pipefail
caller=$(pwd)
cd "$(dirname "$0")/.."
die() { echo "sarif-check.sh: $*" >&2; exit 2; }
schema_dir=build/sarif-schema; files=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --schema-dir) [ $# -ge 2 ] || die "--schema-dir needs a value"; case "$2" in /*) schema_dir=$2 ;; *) schema_dir=$caller/$2 ;; esac; shift 2 ;;
    -*) die "unknown flag '$1' (see --help)" ;;
    /*) files+=("$1"); shift ;;
    *) files+=("$caller/$1"); shift ;;   # relative to where the script was run from
  esac
done
[ ${#files[@]} -gt 0 ] || die "no SARIF file given (see --help)"
for f in "${files[@]}"; do [ -f "$f" ] || die "no such file '$f'"; done

extra=(python3 python3-jsonschema)
command -v npm >/dev/null 2>&1 || extra+=(npm)
bash ci/deps.sh "${extra[@]}" >&2 || die "dependency installation failed"

pkg="@microsoft/jest-sarif@1.0.0-beta.0"
schema="$schema_dir/sarif-2.1.0-rtm.5.json"
if [ ! -s "$schema" ]; then
  mkdir -p "$schema_dir"
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$pkg" >/dev/null 2>"$tmp/npm.err") || { cat "$tmp/npm.err" >&2; die "npm pack $pkg failed"; }
  tar -xzf "$tmp"/*.tgz -C "$tmp" package/lib/schemas/sarif-2.1.0-rtm.5.json || die "the package has no SARIF schema"
  cp "$tmp/package/lib/schemas/sarif-2.1.0-rtm.5.json" "$schema"
fi

python3 - "$schema" "${files[@]}" <<'PY'
import json, sys
try:
    import jsonschema
except ImportError:
    print("sarif-check: python3-jsonschema is not installed"); sys.exit(2)
schema = json.load(open(sys.argv[1]))
validator = jsonschema.Draft4Validator(schema)
bad = 0
for path in sys.argv[2:]:
    try:
        doc = json.load(open(path))
    except ValueError as e:
        print("sarif-check: %s: not JSON: %s" % (path, e)); bad += 1; continue
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    if doc.get("version") != "2.1.0":
        errors.append(jsonschema.ValidationError("version is %r, not '2.1.0'" % doc.get("version")))
    if errors:
        bad += 1
        for e in errors[:10]:
            print("sarif-check: %s: %s at /%s" % (path, e.message, "/".join(str(p) for p in e.path)))
    else:
        n = sum(len(r.get("results", [])) for r in doc.get("runs", []))
        print("sarif-check: %s: valid SARIF 2.1.0 (%d result(s))" % (path, n))
sys.exit(1 if bad else 0)
PY
