#!/usr/bin/env bash
# How Tessera's costs grow (docs/performance.md, issue 9), on throw-away SQLite databases,
# loopback only, every load bounded by -d:
#
#   threads   guarded GET /profile req/s with TESSERA_THREADS = 1, 2 and 4 network threads
#   sessions  refresh req/s with 10k, 100k and 1M sessions in the database
#   revoked   RSS with 0, 1k and 100k revoked sessions held in memory
#
# Bulk rows (the extra sessions, the revocation events) are inserted with sqlite3 while the
# server is stopped, so what is measured is the size of the state, not how it was made. The
# refresh runs use 256 freshly signed-up users' tokens (bench/load/seed.mjs) each time, because
# a run rotates them.
#
# Usage: bench/scaling.sh [threads|sessions|revoked]...   (default: all three)
# Env:   DUR (10s) CONNS (32) WRK_THREADS (2) OUT (/tmp/tessera-scaling) PORT (18520)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
DUR=${DUR:-10s}
CONNS=${CONNS:-32}
WRK_THREADS=${WRK_THREADS:-2}
OUT=${OUT:-/tmp/tessera-scaling}
PORT=${PORT:-18520}
BASE="http://127.0.0.1:$PORT"
PASSWORD='Bench-Tessera-Passphrase-2026'
parts=("$@")
((${#parts[@]})) || parts=(threads sessions revoked)

for tool in wrk sqlite3 node curl; do
  command -v "$tool" >/dev/null || { echo "$tool is needed (apt-get install wrk sqlite3 curl; node 20)" >&2; exit 1; }
done
cd "$ROOT"
cmake --preset release >/dev/null
flock /tmp/tessera-build.lock cmake --build --preset release --target tessera >/dev/null
TESSERA="$ROOT/build/release/tessera"
rm -rf "$OUT" && mkdir -p "$OUT"

PID=""
stop() {
  [[ -n "$PID" ]] || return 0
  kill -TERM "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  PID=""
}
trap stop EXIT

start() {  # DB [ENV=VALUE...]
  local db=$1
  shift
  env TESSERA_DATABASE="sqlite://$db" TESSERA_LISTEN="127.0.0.1:$PORT" TESSERA_RATE_LIMITS=off TESSERA_LOG=warn "$@" \
    "$TESSERA" serve >>"$OUT/server.log" 2>&1 &
  PID=$!
  for _ in $(seq 200); do curl -sf -o /dev/null "$BASE/readyz" && return 0; sleep 0.05; done
  echo "the server did not become ready; see $OUT/server.log" >&2
  exit 1
}

rss_mib() { awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$PID/status"; }

# wrk ... -> "req/s p99"
measure() {
  local f="$OUT/wrk-$1.txt"
  shift
  wrk -t"$WRK_THREADS" -c"$CONNS" -d"$DUR" --latency --timeout 10s "$@" >"$f" 2>&1 || true
  awk '/Requests\/sec/ {rps=$2} /^ +99%/ {p99=$2} /Non-2xx/ {bad=$NF}
       END {printf "%s req/s, p99 %s%s", rps, p99, (bad ? ", non-2xx " bad : "")}' "$f"
}

seed() {  # DIR: signs up 256 users through the API
  mkdir -p "$1"
  node "$HERE/load/seed.mjs" "$BASE" 256 "$1" "$PASSWORD" 8 "u$RANDOM$RANDOM" >/dev/null
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

threads() {
  echo "## guarded GET /profile by network threads (wrk -t$WRK_THREADS -c$CONNS -d$DUR)"
  local db="$OUT/threads.db"
  start "$db"
  seed "$OUT/threads"
  stop
  local access
  access=$(cat "$OUT/threads/access.txt")
  for n in 1 2 4; do
    start "$db" TESSERA_THREADS="$n"
    wrk -t"$WRK_THREADS" -c"$CONNS" -d3s -H "Authorization: Bearer $access" "$BASE/profile" >/dev/null 2>&1 || true
    echo "- $n network thread(s): $(measure "get-$n" -H "Authorization: Bearer $access" "$BASE/profile")"
    stop
  done
}

sessions() {
  echo "## refresh by sessions in the database (wrk -t$WRK_THREADS -c$CONNS -d$DUR)"
  local db="$OUT/sessions.db" have=0
  start "$db"
  seed "$OUT/filler"
  stop
  local uid
  uid=$(sqlite3 "$db" "SELECT id FROM users LIMIT 1")
  for total in 10000 100000 1000000; do
    local add=$((total - have)) t
    t=$(now_ms)
    sqlite3 -cmd ".timeout 5000" "$db" "
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $add)
      INSERT INTO sessions (id, user_id, created_at, last_used_at, idle_expires_at, absolute_expires_at, token_hash)
      SELECT lower(hex(randomblob(16))), '$uid', $t, $t, $t + 86400000, $t + 2592000000, randomblob(32) FROM n;"
    have=$total
    start "$db"
    seed "$OUT/sessions-$total"
    local count
    count=$(sqlite3 "$db" "SELECT count(*) FROM sessions")
    echo "- $count sessions: $(measure "refresh-$total" -s "$HERE/load/refresh.lua" "$BASE" -- "$OUT/sessions-$total/refresh.txt" "$WRK_THREADS")"
    stop
  done
}

revoked() {
  echo "## resident memory by revoked sessions held (idle, after start-up)"
  local db="$OUT/revoked.db"
  start "$db"
  seed "$OUT/revoked"
  stop
  local have=0
  for total in 0 1000 100000; do
    local add=$((total - have)) t
    t=$(now_ms)
    if ((add > 0)); then
      # Live for an hour: longer than any access token, so none has expired when measured.
      sqlite3 -cmd ".timeout 5000" "$db" "
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $add)
        INSERT INTO revocation_events (kind, subject, version, created_at, expires_at)
        SELECT 'session', lower(hex(randomblob(16))), 0, $t, $t + 3600000 FROM n;"
    fi
    have=$total
    start "$db"
    sleep 2
    local held
    held=$(curl -s "$BASE/metrics" | awk '/^tessera_revocation_entries / {print $2}')
    echo "- $total revoked sessions (tessera_revocation_entries ${held:-?}): RSS $(rss_mib) MiB"
    stop
  done
}

echo "# Tessera scaling ($(date -u +%Y-%m-%dT%H:%M:%SZ), nproc=$(nproc))"
for p in "${parts[@]}"; do
  case "$p" in
    threads|sessions|revoked) "$p" ;;
    *) echo "unknown part $p (threads, sessions, revoked)" >&2; exit 2 ;;
  esac
done
