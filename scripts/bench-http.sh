#!/usr/bin/env bash
# Loads a local `baton serve` (bbolt store in a temp dir, access log on as
# in production) with cmd/baton-load, c=32:
#   get-by-id --floor   GET /schemas/ids/{id}, then a bare net/http server
#                       answering the same bytes (the floor) in the same run
#   compat              POST /compatibility/.../versions/latest, same body
#   compat --fresh      the same with a never-seen proposal each time
# BASELINE=/path/to/old/baton runs every scenario against that build too,
# alternating with this one, so before/after come from one run.
#
# Usage: scripts/bench-http.sh [DURATION]   (default 10s per scenario)
set -euo pipefail

dur=${1:-10s}
cd "$(dirname "$0")/.."
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/baton" ./cmd/baton
go build -o "$work/baton-load" ./cmd/baton-load
echo "HTTP load, c=32, $dur per scenario ($(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(go version | cut -d' ' -f3))"

# start NAME BINARY: runs a server on a free port; sets url and pid.
start() {
	local log=$work/$1.log
	"$2" serve --addr 127.0.0.1:0 --data "$work/data-$1" 2>"$log" >/dev/null &
	pid=$!
	pids+=("$pid")
	for _ in $(seq 100); do
		url=$(sed -n 's/^baton: listening on \(http:[^ ]*\).*/\1/p' "$log" | head -1)
		if [ -n "$url" ]; then return; fi
		sleep 0.1
	done
	echo "$1 did not start:" >&2
	cat "$log" >&2
	exit 1
}

builds=(after)
start after "$work/baton"
declare -A urls=([after]=$url) serverpids=([after]=$pid)
if [ -n "${BASELINE:-}" ]; then
	builds=(before after)
	start before "$BASELINE"
	urls[before]=$url serverpids[before]=$pid
fi

for scenario in "get-by-id --floor" "compat" "compat --fresh"; do
	for b in "${builds[@]}"; do
		echo "== $b: $scenario"
		# shellcheck disable=SC2086
		"$work/baton-load" --url "${urls[$b]}" --scenario $scenario -c 32 --duration "$dur" --server-pid "${serverpids[$b]}"
	done
done
