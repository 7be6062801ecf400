#!/usr/bin/env bash
# The second step of a login (issue 22): POST /auth/login/mfa with a TOTP code, which involves no
# password hash, and the guarded GET with the new claims (aal, amr, auth_time) against a build
# without them.
#
# Usage: bench/load/mfa.sh [OLD_BINARY]
#   Builds the optimised binary, starts it on a throwaway SQLite database (rate limits off; the
#   cheapest Argon2id cost, which only the seeding pays: the measured route hashes nothing),
#   seeds N accounts with a TOTP factor and one login ticket each (bench/load/mfa_seed.mjs), and
#   sends each ticket once with its code for MFA_DUR (N must outlast it: the script's `failed`
#   count says when it did not). With OLD_BINARY (a `tessera` built from an earlier
#   commit), it also alternates GET /profile against both, REPEAT times each, on databases of
#   their own, and prints the medians.
# Env: N (12000), MFA_DUR (3s), THREADS (2), CONNS (32), DUR (5s, the GETs), REPEAT (3), PORT (18490),
#      OUT (/tmp/tessera-mfa-bench). Loopback only; every wrk run bounded by -d.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OLD_BIN=${1:-}
N=${N:-12000}
MFA_DUR=${MFA_DUR:-3s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-32}
DUR=${DUR:-5s}
REPEAT=${REPEAT:-3}
PORT=${PORT:-18490}
OUT=${OUT:-/tmp/tessera-mfa-bench}
PASSWORD='Bench-Tessera-Passphrase-2026'

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
cd "$ROOT"
cmake --preset release >/dev/null
flock /tmp/tessera-build.lock cmake --build --preset release --target tessera >/dev/null

rm -rf "$OUT" && mkdir -p "$OUT/new" "$OUT/old"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done; wait 2>/dev/null || true' EXIT

# start BINARY DIR PORT: a server on its own database.
start() {
  TESSERA_DATABASE="sqlite://$2/bench.db" TESSERA_LISTEN="127.0.0.1:$3" TESSERA_RATE_LIMITS=off TESSERA_LOG=warn \
    TESSERA_ARGON2_MEMORY_KIB=1024 TESSERA_ARGON2_ITERATIONS=1 "$1" serve >"$2/server.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$3/healthz" >/dev/null && return; sleep 0.1; done
  echo "server $1 did not start" >&2; exit 1
}

# rps NAME ARGS...: one wrk run; prints and returns its req/s.
rps() {
  local name=$1; shift
  wrk "$@" >"$OUT/wrk-$name.txt" 2>&1
  awk -v name="$name" '/Requests\/sec/ {rps=$2} /^ +99%/ {p99=$2} /Non-2xx/ {bad=$NF}
    END {printf "%-14s req/s=%-10s p99=%-9s non-2xx=%s\n", name, rps, p99, (bad == "" ? 0 : bad)}' "$OUT/wrk-$name.txt" >&2
  awk '/Requests\/sec/ {print $2}' "$OUT/wrk-$name.txt"
}

start build/release/tessera "$OUT/new" "$PORT"
node "$HERE/mfa_seed.mjs" "http://127.0.0.1:$PORT" "$N" "$OUT/new" "$PASSWORD"
rps login_mfa -t"$THREADS" -c"$CONNS" -d"$MFA_DUR" --latency --timeout 10s -s "$HERE/login_mfa.lua" \
  "http://127.0.0.1:$PORT" -- "$OUT/new/mfa.txt" "$THREADS" >/dev/null
grep -h '^login_mfa.lua' "$OUT/wrk-login_mfa.txt" >&2 || true

[[ -n "$OLD_BIN" ]] || exit 0
start "$OLD_BIN" "$OUT/old" $((PORT + 1))
node "$HERE/seed.mjs" "http://127.0.0.1:$((PORT + 1))" 1 "$OUT/old" "$PASSWORD" 1 >/dev/null
NEW_TOKEN=$(cat "$OUT/new/access.txt")
OLD_TOKEN=$(cat "$OUT/old/access.txt")
W=(-t"$THREADS" -c"$CONNS" -d"$DUR" --latency --timeout 10s)
wrk -t"$THREADS" -c"$CONNS" -d2s -H "Authorization: Bearer $NEW_TOKEN" "http://127.0.0.1:$PORT/profile" >/dev/null
wrk -t"$THREADS" -c"$CONNS" -d2s -H "Authorization: Bearer $OLD_TOKEN" "http://127.0.0.1:$((PORT + 1))/profile" >/dev/null
news=() olds=()
for i in $(seq "$REPEAT"); do
  olds+=("$(rps "old-profile-$i" "${W[@]}" -H "Authorization: Bearer $OLD_TOKEN" "http://127.0.0.1:$((PORT + 1))/profile")")
  news+=("$(rps "new-profile-$i" "${W[@]}" -H "Authorization: Bearer $NEW_TOKEN" "http://127.0.0.1:$PORT/profile")")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
NEW_M=$(median "${news[@]}")
OLD_M=$(median "${olds[@]}")
awk -v n="$NEW_M" -v o="$OLD_M" 'BEGIN {printf "GET /profile medians: aal2 token on this build %s req/s, older build %s req/s: %.1f %%\n", n, o, 100 * n / o}'
