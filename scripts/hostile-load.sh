#!/usr/bin/env bash
# Hostile load without credentials against a release `rampart serve` on a
# fresh data dir, in two phases of SECONDS each (default 60):
#   1. oversized requests (1.5 MB Action in a body, a chunked body and the
#      query, 1.9 MB bodies, a 60 KB Action, 300 parameters, big headers,
#      stalled bodies) and a flood of small unsigned calls;
#   2. the same, plus HALF_OPEN (default 20,000) half-open connections that
#      send half a request head and stall, reopened as the server closes
#      them (the connection cap then holds most of them in the backlog, so
#      phase 1 is where the oversized requests really get through).
# Prints the server's peak RSS growth, the size of /metrics and of the data
# dir, against the goals: RSS growth < 30 MB, /metrics < 1 MB, data dir
# < 30 MB; and how a well-behaved client fared (/healthz every 5 s).
#
# Run: ./scripts/hostile-load.sh [SECONDS] [HALF_OPEN]   (needs python3 and
# curl; spreads the connections over processes below the open-file limit).
# Only 127.0.0.1 is used; the server runs with its default limits.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SECONDS_RUN="${1:-60}"
HALF_OPEN="${2:-20000}"

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
# The half-open connections are spread over client processes that each
# stay well below the open-file limit.
PER_PROC=$(( $(ulimit -n) - 1000 ))
if [ "$PER_PROC" -gt 10000 ]; then PER_PROC=10000; fi
if [ "$PER_PROC" -lt 1000 ]; then
  echo "the open-file limit $(ulimit -n) is too low; raise it (ulimit -n)" >&2
  exit 1
fi

cargo build --release --bin rampart >&2
BIN=target/release/rampart

WORK="$(mktemp -d)"
DATA="$WORK/data"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$BIN" serve --listen "127.0.0.1:$PORT" --data-dir "$DATA" 2>"$WORK/server.log" &
PID=$!
cleanup() {
  kill "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null

rss() { awk '/^VmRSS:/ {print $2}' "/proc/$PID/status"; }
size() { du -sb "$1" | cut -f1; }
# Warm up: a few ordinary calls so that lazily built state is counted in
# the baseline.
for _ in $(seq 1 50); do
  curl -s -o /dev/null -X POST "http://127.0.0.1:$PORT/?Action=ListUsers&Version=2015-05-01"
  curl -s -o /dev/null "http://127.0.0.1:$PORT/metrics"
done
sleep 1
RSS0=$(rss)
DATA0=$(size "$DATA")
METRICS0=$(curl -s "http://127.0.0.1:$PORT/metrics" | wc -c)

echo "server pid $PID on 127.0.0.1:$PORT; baseline RSS ${RSS0} KiB, data dir ${DATA0} B, /metrics ${METRICS0} B" >&2
echo "phase 1: oversized requests and unsigned calls for ${SECONDS_RUN} s..." >&2
python3 scripts/hostile_load.py "$PORT" "$PID" "$SECONDS_RUN" 0 >"$WORK/phase1.json"
echo "phase 2: the same with ${HALF_OPEN} half-open connections for ${SECONDS_RUN} s..." >&2
FIRST=$(( HALF_OPEN < PER_PROC ? HALF_OPEN : PER_PROC ))
LEFT=$(( HALF_OPEN - FIRST ))
CLIENTS=()
N=0
while [ "$LEFT" -gt 0 ]; do
  K=$(( LEFT < PER_PROC ? LEFT : PER_PROC ))
  python3 scripts/hostile_load.py "$PORT" "$PID" "$SECONDS_RUN" "$K" --half-open-only >"$WORK/half-$N.json" &
  CLIENTS+=($!)
  LEFT=$(( LEFT - K ))
  N=$(( N + 1 ))
done
python3 scripts/hostile_load.py "$PORT" "$PID" "$SECONDS_RUN" "$FIRST" >"$WORK/load.json"
for c in "${CLIENTS[@]}"; do wait "$c"; done
python3 - "$WORK" <<'PY'
import glob, json, sys
work = sys.argv[1]
main = json.load(open(f"{work}/load.json"))
for f in sorted(glob.glob(f"{work}/half-*.json")):
    h = json.load(open(f))
    for k in ("half_open_peak", "half_open_opened", "half_open_closed_by_server",
              "half_open_connect_failed"):
        main[k] += h[k]
json.dump(main, open(f"{work}/load.json", "w"), indent=1)
PY

RSS_END=$(rss)
sleep 5
RSS_AFTER=$(rss)
START=$(date +%s.%N)
curl -fsS --max-time 30 "http://127.0.0.1:$PORT/healthz" >/dev/null
HEALTH_MS=$(python3 -c "import time; print(round((time.time()-$START)*1000))")
METRICS=$(curl -s "http://127.0.0.1:$PORT/metrics" | wc -c)
DATA1=$(size "$DATA")
PEAK=$(python3 -c "import json; print(max(json.load(open('$WORK/' + f))['rss_kib_samples_max'] for f in ('phase1.json', 'load.json')))")

echo "== phase 1"
cat "$WORK/phase1.json"
echo
echo "== phase 2"
cat "$WORK/load.json"
echo
python3 - "$RSS0" "$PEAK" "$RSS_END" "$RSS_AFTER" "$METRICS" "$DATA0" "$DATA1" "$HEALTH_MS" <<'PY'
import sys
rss0, peak, end, after, metrics, data0, data1, health = map(int, sys.argv[1:])
mb = 1024 * 1024
def verdict(ok): return "ok" if ok else "OVER GOAL"
print(f"RSS: baseline {rss0/1024:.1f} MiB, peak {peak/1024:.1f} MiB (+{(peak-rss0)/1024:.1f}), "
      f"at the end {end/1024:.1f} MiB, 5 s later {after/1024:.1f} MiB (+{(after-rss0)/1024:.1f})  "
      f"[goal: growth < 30 MB: {verdict((peak-rss0)*1024 < 30*mb)}]")
print(f"/metrics: {metrics} bytes  [goal < 1 MB: {verdict(metrics < mb)}]")
print(f"data dir: {data1/mb:.2f} MiB (was {data0/mb:.2f})  [goal < 30 MB: {verdict(data1 < 30*mb)}]")
print(f"/healthz after the load: {health} ms")
PY
