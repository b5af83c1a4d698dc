#!/usr/bin/env bash
# The cost of the per-request access line and request metrics on the cheapest route: wrk -c64
# against GET /healthz for 10 s, on a fresh data directory, for the binary given.
#   bash bench/access_log_cost.sh BINARY PORT TAG
# Run it alternately for a build without access logging and one with it (docs/PERFORMANCE.md).
set -euo pipefail
mkdir -p "$(dirname "$0")/../build/bench-tmp"
d=$(mktemp -d "$(dirname "$0")/../build/bench-tmp/hz.XXXX")
SLUICE_API_KEY=xx-bench-key "$1" serve --data-dir "$d" --listen "127.0.0.1:$2" > "$d/out.log" 2>&1 &
pid=$!
sleep 1.5
r=$(wrk -t2 -c64 -d10s "http://127.0.0.1:$2/healthz" | grep -E "Requests/sec|Latency ")
echo "$3 $(echo $r | tr -s ' ') log bytes $(stat -c %s "$d/out.log")"
kill "$pid"
wait "$pid" 2>/dev/null || true
rm -rf "$d"
