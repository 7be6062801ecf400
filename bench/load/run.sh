#!/usr/bin/env bash
# Load scripts for Tessera alone (loopback, every run bounded by -d): guarded GET /data and
# /profile, GET /auth/check, login,
# refresh (every request rotates a live token), signup. Builds the optimised binary, starts it on
# a throwaway SQLite database with rate limits off and the default Argon2id cost, seeds users,
# runs wrk, prints req/s and latency percentiles, and stops what it started.
#
# Usage: bench/load/run.sh            Env: DUR (10s), THREADS (2), CONNS (32), SEED_USERS (256),
#                                            PORT (18480), OUT (/tmp/tessera-load)
# bench/compare.sh runs the same profile against the NestJS peer as well.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DUR=${DUR:-10s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-32}
SEED_USERS=${SEED_USERS:-256}
PORT=${PORT:-18480}
OUT=${OUT:-/tmp/tessera-load}
PASSWORD='Bench-Tessera-Passphrase-2026'
BASE="http://127.0.0.1:$PORT"

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
cd "$ROOT"
cmake --preset release >/dev/null
flock /tmp/tessera-build.lock cmake --build --preset release --target tessera >/dev/null

rm -rf "$OUT" && mkdir -p "$OUT"
TESSERA_DATABASE="sqlite://$OUT/bench.db" TESSERA_LISTEN="127.0.0.1:$PORT" TESSERA_RATE_LIMITS=off TESSERA_LOG=warn \
  build/release/tessera serve >"$OUT/server.log" 2>&1 &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.1; done

node "$HERE/seed.mjs" "$BASE" "$SEED_USERS" "$OUT" "$PASSWORD" 8 "seed$(date +%s)"
ACCESS=$(cat "$OUT/access.txt")
W=(-t"$THREADS" -c"$CONNS" -d"$DUR" --latency --timeout 10s)

run() {
  local name=$1; shift
  wrk "$@" >"$OUT/wrk-$name.txt" 2>&1
  awk -v name="$name" '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Non-2xx/ {bad=$NF}
    END {printf "%-8s req/s=%-10s p50=%-9s p99=%-9s non-2xx=%s\n", name, rps, p50, p99, (bad == "" ? 0 : bad)}' "$OUT/wrk-$name.txt"
}

wrk -t"$THREADS" -c"$CONNS" -d3s -H "Authorization: Bearer $ACCESS" "$BASE/data" >/dev/null 2>&1  # warm-up
run data "${W[@]}" -H "Authorization: Bearer $ACCESS" "$BASE/data"
run profile "${W[@]}" -H "Authorization: Bearer $ACCESS" "$BASE/profile"
run check "${W[@]}" -H "Authorization: Bearer $ACCESS" "$BASE/auth/check"
run refresh "${W[@]}" -s "$HERE/refresh.lua" "$BASE" -- "$OUT/refresh.txt" "$THREADS"
grep -h '^refresh.lua' "$OUT/wrk-refresh.txt" || true
run login "${W[@]}" -s "$HERE/login.lua" "$BASE" -- "$OUT/users.txt" "$PASSWORD" "$THREADS"
run signup "${W[@]}" -s "$HERE/signup.lua" "$BASE" -- "run$(date +%s%N)" "$PASSWORD"
echo "raw wrk outputs: $OUT/wrk-*.txt"
