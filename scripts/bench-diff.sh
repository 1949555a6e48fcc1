#!/usr/bin/env bash
# Times `baton diff` as a whole process (start-up, read, compile both
# schemas, check, prove witnesses, print) on the generated benchmark pairs:
#   event50    a typical 50-property event, 3 edits          budget ~12 ms
#   large      2,056 properties, 5 levels, 40 edits, draft-07 budget ~200 ms
#   large-2020 the same pair declared as draft 2020-12
#   recursive  20 mutually recursive definitions
# The pairs come from compat/bench_test.go (TestWriteBenchFiles), so the
# in-process benchmarks and this script measure the same documents.
#
# Usage: scripts/bench-diff.sh [RUNS]   (default 30; uses hyperfine if
# installed, otherwise a timed loop)
set -euo pipefail

runs=${1:-30}
case $runs in '' | *[!0-9]*) echo "RUNS must be a number" >&2; exit 2 ;; esac
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

BATON_BENCH_DIR=$work go test ./compat -run '^TestWriteBenchFiles$' -count=1 >/dev/null
go build -o "$work/baton" ./cmd/baton
echo "baton diff, whole process, $runs runs each ($(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(go version | cut -d' ' -f3))"

for pair in event50 large large-2020 recursive; do
	old=$work/$pair-old.json new=$work/$pair-new.json
	# Exit 1 (breaking) is the expected answer for most pairs; 2 is a failure.
	set +e
	"$work/baton" diff "$old" "$new" >"$work/$pair.out" 2>&1
	code=$?
	set -e
	if [ "$code" -ge 2 ]; then
		echo "baton diff failed on $pair (exit $code):" >&2
		cat "$work/$pair.out" >&2
		exit 1
	fi
	size=$(($(wc -c <"$old") / 1024))
	if command -v hyperfine >/dev/null; then
		hyperfine -N --style basic --warmup 3 --runs "$runs" -i \
			--command-name "$pair (${size} KB, exit $code)" \
			"$work/baton diff $old $new" --export-json "$work/$pair.json" >/dev/null 2>"$work/$pair.err" ||
			{ cat "$work/$pair.err" >&2; exit 1; }
		python3 - "$work/$pair.json" "$pair" "$size" "$code" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
ms = lambda s: s * 1000
print(f"{sys.argv[2]:<11} {sys.argv[3]:>4} KB exit {sys.argv[4]}  mean {ms(r['mean']):7.1f} ms  "
      f"± {ms(r['stddev']):5.1f}  min {ms(r['min']):7.1f}  median {ms(r['median']):7.1f}  max {ms(r['max']):7.1f}")
PY
	else
		best=0 total=0
		for _ in $(seq "$runs"); do
			t0=$(date +%s%N)
			"$work/baton" diff "$old" "$new" >/dev/null 2>&1 || true
			t=$((($(date +%s%N) - t0) / 1000))
			total=$((total + t))
			if [ "$best" -eq 0 ] || [ "$t" -lt "$best" ]; then best=$t; fi
		done
		printf '%-11s %4s KB exit %s  mean %7.1f ms  min %7.1f ms (timed loop; install hyperfine for more)\n' \
			"$pair" "$size" "$code" "$(echo "$total / $runs / 1000" | bc -l)" "$(echo "$best / 1000" | bc -l)"
	fi
done
