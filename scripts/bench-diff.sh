#!/usr/bin/env bash
# Times `baton diff` as a whole process (start-up, read, compile both
# schemas, check, prove witnesses, print) on the generated benchmark pairs:
#   event50    a typical 50-property event, 3 edits
#   large      2,056 properties, 5 levels, 40 edits, draft-07
#   large-2020 the same pair declared as draft 2020-12
#   recursive  20 mutually recursive definitions
# The pairs come from compat/bench_test.go (TestWriteBenchFiles), so the
# in-process benchmarks and this script measure the same documents.
#
# Every command of a pair runs in interleaved rounds (A B C A B C ...), so
# a noisy neighbour on a shared machine slows them alike and the ratios
# hold; min and median are reported per command.
#   BASELINE=/path/to/old/baton   also time another build (before/after)
#   oasdiff on PATH                also time `oasdiff breaking` on the pair
#                                  wrapped as OpenAPI 3.1 components
# Two floors run beside them on the first pair: go-exit, a Go program that
# prints one line and exits (process start-up on this machine), and
# v5-exit, the same linking santhosh-tekuri/jsonschema/v5, the validator
# `baton diff` must use: its package initialisation compiles the five
# draft metaschemas before main runs, so no `baton` command starts faster.
#
# Usage: scripts/bench-diff.sh [RUNS]   (default 30)
set -euo pipefail

runs=${1:-30}
case $runs in '' | *[!0-9]*) echo "RUNS must be a number" >&2; exit 2 ;; esac
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

BATON_BENCH_DIR=$work go test ./compat -run '^TestWriteBenchFiles$' -count=1 >/dev/null
go build -o "$work/baton" ./cmd/baton
# The floors, built from the module cache at the version go.mod names.
v5=github.com/santhosh-tekuri/jsonschema/v5
mkdir -p "$work/floor/go-exit" "$work/floor/v5-exit"
printf 'module floor\n\ngo 1.22\n\nrequire %s %s\n' "$v5" "$(go list -m -f '{{.Version}}' "$v5")" >"$work/floor/go.mod"
grep "^$v5 " go.sum >"$work/floor/go.sum"
printf 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("ok") }\n' >"$work/floor/go-exit/main.go"
printf 'package main\n\nimport (\n\t"fmt"\n\n\t_ "%s"\n)\n\nfunc main() { fmt.Println("ok") }\n' "$v5" >"$work/floor/v5-exit/main.go"
(cd "$work/floor" && GOFLAGS=-mod=mod go build -o "$work/go-exit" ./go-exit && GOFLAGS=-mod=mod go build -o "$work/v5-exit" ./v5-exit)
echo "baton diff, whole process, $runs interleaved runs each ($(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(go version | cut -d' ' -f3), binary $(($(stat -c %s "$work/baton") / 1024 / 1024)) MB)"
if ! command -v oasdiff >/dev/null; then
	echo "oasdiff is not installed: no comparison with it in this run"
fi

python3 - "$work" "$runs" "${BASELINE:-}" <<'PY'
import json, os, shutil, statistics, subprocess, sys, time

work, runs, baseline = sys.argv[1], int(sys.argv[2]), sys.argv[3]
oasdiff = shutil.which("oasdiff")

def openapi(schema_path, out):
    # The schema as the one component of an OpenAPI 3.1 document, the
    # closest oasdiff comes to comparing two JSON Schemas; its definitions
    # become sibling components, and references to them follow.
    with open(schema_path) as f:
        text = f.read()
    for key in ("definitions", "$defs"):
        text = text.replace(f'"#/{key}/', '"#/components/schemas/')
    schema = json.loads(text)
    schema.pop("$schema", None)
    components = {"Event": schema}
    for key in ("definitions", "$defs"):
        components.update(schema.pop(key, {}))
    doc = {"openapi": "3.1.0", "info": {"title": "bench", "version": "1"}, "paths": {},
           "components": {"schemas": components}}
    with open(out, "w") as f:
        json.dump(doc, f)

for pair in ["event50", "large", "large-2020", "recursive"]:
    old, new = f"{work}/{pair}-old.json", f"{work}/{pair}-new.json"
    cmds = {"baton": [f"{work}/baton", "diff", old, new]}
    if pair == "event50":
        cmds["go-exit"] = [f"{work}/go-exit"]
        cmds["v5-exit"] = [f"{work}/v5-exit"]
    if baseline:
        cmds["baseline"] = [baseline, "diff", old, new]
    if oasdiff:
        oo, on = f"{work}/{pair}-old.oas.json", f"{work}/{pair}-new.oas.json"
        openapi(old, oo); openapi(new, on)
        cmds["oasdiff"] = [oasdiff, "breaking", oo, on]
    codes = {}
    for name, cmd in cmds.items():  # one warm-up each; exit 1 = breaking, >= 2 = failure
        p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if p.returncode >= 2:
            sys.exit(f"{name} failed on {pair} (exit {p.returncode}): {p.stderr.decode()}")
        codes[name] = p.returncode
    times = {name: [] for name in cmds}
    for _ in range(runs):
        for name, cmd in cmds.items():
            t0 = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times[name].append((time.perf_counter() - t0) * 1000)
    size = os.path.getsize(old) // 1024
    # Every row as a multiple of oasdiff's time (min over the runs), and
    # the baseline's against this build.
    ref = min(times["oasdiff"]) if "oasdiff" in times else None
    for name, ts in times.items():
        ratio = f"  {min(ts) / ref:.2f}x oasdiff (min)" if ref and name != "oasdiff" else ""
        if name == "baseline":
            ratio += f"  baton/baseline {min(times['baton']) / min(ts):.2f}x"
        print(f"{pair:<11}{size:>4} KB  {name:<9} exit {codes[name]}  min {min(ts):7.1f} ms  median {statistics.median(ts):7.1f} ms{ratio}")
PY
