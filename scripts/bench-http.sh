#!/usr/bin/env bash
# Loads a local `baton serve` (bbolt store in a temp dir, access log on as
# in production) with cmd/baton-load, c=32:
#   get-by-id --floor   GET /schemas/ids/{id}, then a bare net/http server
#                       answering the same bytes (the floor) in the same run
#   compat              POST /compatibility/.../versions/latest, same body
#   compat --fresh      the same with a never-seen proposal each time
# BASELINE=/path/to/old/baton runs every scenario against that build too,
# alternating with this one, so before/after come from one run.
# AXONOPS=/path/to/schema-registry (axonops-schema-registry's server, built
# from its source) runs every scenario against it too, on its in-memory
# store, and prints Baton's req/s as a multiple of it at the end.
# A scenario whose runs disagree with each other by build is still one
# measurement: the builds alternate within the scenario, so a noisy
# neighbour slows them alike.
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

# start_axonops BINARY: runs axonops-schema-registry on its in-memory store
# on a free loopback port; sets url and pid.
start_axonops() {
	local port
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	printf 'server:\n  host: "127.0.0.1"\n  port: %s\nstorage:\n  type: memory\n' "$port" >"$work/axonops.yaml"
	"$1" -config "$work/axonops.yaml" >"$work/axonops.log" 2>&1 &
	pid=$!
	pids+=("$pid")
	url=http://127.0.0.1:$port
	for _ in $(seq 100); do
		if curl -fsS -o /dev/null "$url/subjects"; then return; fi
		sleep 0.1
	done
	echo "axonops did not start:" >&2
	cat "$work/axonops.log" >&2
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
if [ -n "${AXONOPS:-}" ]; then
	builds+=(axonops)
	start_axonops "$AXONOPS"
	urls[axonops]=$url serverpids[axonops]=$pid
fi

declare -A rps=()
for scenario in "get-by-id --floor" "compat" "compat --fresh"; do
	for b in "${builds[@]}"; do
		echo "== $b: $scenario"
		read -ra args <<<"$scenario"
		if [ "$b" = axonops ]; then read -ra args <<<"${scenario/ --floor/}"; fi # the floor is measured once, with Baton
		out=$("$work/baton-load" --url "${urls[$b]}" --scenario "${args[@]}" -c 32 --duration "$dur" --server-pid "${serverpids[$b]}")
		echo "$out"
		rps[$b,$scenario]=$(echo "$out" | awk '$1 == "req/s" {print $2; exit}')
	done
done

if [ -n "${AXONOPS:-}" ]; then
	echo "== Baton req/s as a multiple of axonops-schema-registry's (same run)"
	for scenario in "get-by-id --floor" "compat" "compat --fresh"; do
		awk -v s="${scenario% --floor}" -v b="${rps[after,$scenario]}" -v a="${rps[axonops,$scenario]}" \
			'BEGIN {printf "%-16s baton %8.0f  axonops %8.0f  %.2fx\n", s, b, a, b / a}'
	done
fi
