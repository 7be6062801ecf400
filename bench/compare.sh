#!/usr/bin/env bash
# Tessera side by side with the NestJS peer (../shared/peers), in one run on this machine.
#
#   sudo bench/compare.sh [--postgres] [--repeat N]
#
# Starts Tessera on SQLite (rate limits off, default Argon2id cost) and, with --postgres, on a
# throwaway PostgreSQL as well; starts the peer on PostgreSQL; seeds the same number of users in
# each; runs the same wrk profile against each (guarded GET /profile with a valid token, login,
# refresh where every request rotates a live token, signup, and a login flood); measures the
# Argon2id hash floor in the same run; records idle and peak RSS and Tessera's start-up time on
# an existing database; prints one table with the ratios Tessera/peer and login/signup as a
# share of the hash-bound ceiling (cores / the time of one hash alone, as issue 9 defines it,
# measured at the start and the end; the faster sets the ceiling), and each Tessera server's
# login/signup also against the floor measured just before and after its own hash loads.
# Tessera's own hasher (bench/password_bench, libargon2 on a kept block) is timed at the same
# moments, and login/signup are given against its all-cores rate too: the server's own
# overhead, apart from the Argon2 library (docs/performance.md, "Password hashing").
# --repeat N runs each profile (but the flood) N times in a row, and reports per cell the
# median of the N (peak RSS: the highest; non-2xx: the sum), with every run listed below; each
# repetition of refresh uses its own N-th of the seeded users' tokens. This machine is noisy:
# single runs of one profile have differed by a third.
# Loopback only; every load bounded by -d.
# It stops everything it started.
#
# Env: DUR (15s) THREADS (2) CONNS (32) FLOOD_CONNS (256) SEED_USERS (256) OUT (/tmp/tessera-compare)
#      PEER_DIR (../shared/peers next to the repository) PEER_WORK (/var/tmp/tessera-peer-nestjs)
#      PGPORT (55433) TESSERA_LOG (info)
set -euo pipefail

POSTGRES=0
REPEAT=1
while (($#)); do
  case "$1" in
    --postgres) POSTGRES=1 ;;
    --repeat) shift; REPEAT=${1:-} ;;
    --repeat=*) REPEAT=${1#--repeat=} ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
PEER_DIR=${PEER_DIR:-$(cd "$ROOT/../shared/peers" 2>/dev/null && pwd || true)}
DUR=${DUR:-15s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-32}
FLOOD_CONNS=${FLOOD_CONNS:-256}
SEED_USERS=${SEED_USERS:-256}
OUT=${OUT:-/tmp/tessera-compare}
PGPORT=${PGPORT:-55433}
PEER_WORK=${PEER_WORK:-/var/tmp/tessera-peer-nestjs}
[[ $REPEAT =~ ^[1-9][0-9]?$ ]] || { echo "--repeat takes a count from 1 to 99" >&2; exit 2; }
((SEED_USERS / REPEAT > CONNS)) || { echo "SEED_USERS / --repeat must exceed CONNS (refresh needs more tokens than connections)" >&2; exit 2; }
PEER_PORT=3300
TS_PORT=18500
TP_PORT=18501
PGBIN=/usr/lib/postgresql/15/bin
TICK=$(getconf CLK_TCK)
PEER_PASSWORD='bench-Passw0rd!'
TS_PASSWORD='Bench-Tessera-Passphrase-2026'
export TESSERA_LOG=${TESSERA_LOG:-info}

log() { printf '[compare] %s\n' "$*" >&2; }
[[ $(id -u) -eq 0 ]] || { echo "run as root (apt-get, runuser postgres, /proc/PID/clear_refs)" >&2; exit 1; }
[[ -n "$PEER_DIR" && -f "$PEER_DIR/bench.sh" ]] || { echo "the peer is not at ${PEER_DIR:-../shared/peers}; set PEER_DIR" >&2; exit 1; }

PIDS=()
PG_PID=""
cleanup() {
  set +e
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done; kill -KILL "$p" 2>/dev/null; done
  if [[ -n "$PG_PID" ]] && kill -0 "$PG_PID" 2>/dev/null; then
    kill -INT "$PG_PID"
    for _ in $(seq 100); do kill -0 "$PG_PID" 2>/dev/null || break; sleep 0.1; done
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM  # exit runs cleanup (the EXIT trap); cleanup alone would carry on

# ------------------------------------------------------------------ packages and builds
missing=()
for p in postgresql-15 wrk libcrypt-dev libsodium-dev gcc curl; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v node >/dev/null || { echo "node >= 20 is needed" >&2; exit 1; }
"$ROOT/scripts/deps.sh" build
log "building tessera (release)"
(cd "$ROOT" && cmake --preset release >/dev/null && flock /tmp/tessera-build.lock cmake --build --preset release --target tessera >/dev/null)
TESSERA="$ROOT/build/release/tessera"
log "building password_bench (Tessera's own hasher, for its floor)"
(cd "$ROOT" && cmake --preset bench >/dev/null && flock /tmp/tessera-build.lock cmake --build --preset bench --target password_bench >/dev/null)
PASSWORD_BENCH="$ROOT/build/bench/bench/password_bench"

rm -rf "$OUT" && mkdir -p "$OUT"
chmod 755 "$OUT"

# ------------------------------------------------------------------ hash floor
log "hash floor (20 runs each, then two copies at once)"
cc -O2 -o "$OUT/hashfloor" "$PEER_DIR/floor/hashfloor.c" -lcrypt -lsodium
"$OUT/hashfloor" 20 >"$OUT/hashfloor.txt"
"$OUT/hashfloor" 20 >"$OUT/hashfloor-a.txt" & HA=$!
"$OUT/hashfloor" 20 >"$OUT/hashfloor-b.txt" & HB=$!
wait "$HA" "$HB"
median() { awk -v k="$1" '$0 ~ k {for (i = 1; i <= NF; i++) if ($i ~ /^median_ms=/) {sub(/median_ms=/, "", $i); print $i}}' "$2" | head -1; }
AR_MS_START=$(median argon2id "$OUT/hashfloor.txt")
AR_PAR_MS=$(cat "$OUT/hashfloor-a.txt" "$OUT/hashfloor-b.txt" | awk '/argon2id/ {for (i = 1; i <= NF; i++) if ($i ~ /^median_ms=/) {sub(/median_ms=/, "", $i); s += $i; n++}} END {printf "%.2f", s / n}')
NPROC=$(nproc)
# Tessera's own hasher (libargon2 into a kept block per hash slot): one hash alone, and as many
# threads as cores at once. Its all-cores rate is the most logins/s Tessera's hasher allows on
# this machine now; login/signup are reported against it as well, which isolates the server's
# own overhead from the difference between the two Argon2 libraries (docs/performance.md,
# "Password hashing").
own_floor() {  # OUTFILE -> "ms_alone rate_all_cores"
  "$PASSWORD_BENCH" --benchmark_filter='BM_Argon2idHashDefaultCost' --benchmark_min_time=1 >"$1" 2>&1
  awk -v n="$NPROC" '/threads:1 / {alone = $2} $0 ~ ("threads:" n " ") {for (i = 1; i <= NF; i++) if ($i ~ /^items_per_second=/) {v = $i; sub(/items_per_second=/, "", v); sub(/\/s$/, "", v); rate = v}}
    END {printf "%s %.1f", alone, rate}' "$1"
}
OWN_START=$(own_floor "$OUT/ownfloor.txt")

# ------------------------------------------------------------------ PostgreSQL
PGDATA="$OUT/pgdata"
mkdir -p "$PGDATA" && chown postgres:postgres "$PGDATA"
runuser -u postgres -- "$PGBIN/initdb" -D "$PGDATA" -A trust -U postgres -E UTF8 --no-locale >"$OUT/initdb.log" 2>&1
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w \
  -o "-p $PGPORT -k $PGDATA -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
PG_PID=$(head -1 "$PGDATA/postmaster.pid")
psql -h 127.0.0.1 -p "$PGPORT" -U postgres -qc 'CREATE DATABASE peer' >/dev/null
psql -h 127.0.0.1 -p "$PGPORT" -U postgres -qc 'CREATE DATABASE tessera' >/dev/null
log "postgres on 127.0.0.1:$PGPORT"

# ------------------------------------------------------------------ helpers
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
READY_MS=0
# Polls with bash's own /dev/tcp and a read timeout as the pause: spawning curl and sleep every
# few milliseconds would take CPU from the very start-up it measures (2 cores).
exec {PAUSE_FD}<> <(:)
ready_once() {  # HOST PORT -> 0 when GET /readyz answers 200
  local line fd
  { exec {fd}<>"/dev/tcp/$1/$2"; } 2>/dev/null || return 1
  printf 'GET /readyz HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$1" >&"$fd"
  IFS= read -r -t 2 line <&"$fd" || line=""
  exec {fd}>&-
  [[ $line == "HTTP/1.1 200"* ]]
}
wait_ready() {  # HOST PORT PID T0_NS -> sets READY_MS: milliseconds from T0 until /readyz answers 200
  local host=$1 port=$2 pid=$3 t0=$4 t1
  for _ in $(seq 10000); do
    if ready_once "$host" "$port"; then
      t1=$(date +%s%N)
      READY_MS=$(((t1 - t0) / 1000000))
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { echo "server $pid died; see $OUT/*.log" >&2; exit 1; }
    read -r -t 0.002 -u "$PAUSE_FD" _ || true
  done
  echo "server $pid not ready in 20 s" >&2
  exit 1
}

start_peer() {
  (cd "$PEER_WORK" && exec env NODE_ENV=production PORT=$PEER_PORT HOST=127.0.0.1 \
    DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/peer" JWT_SECRET="bench-access-$RANDOM$RANDOM" \
    JWT_REFRESH_SECRET="bench-refresh-$RANDOM$RANDOM" node dist/main.js) >>"$OUT/peer.log" 2>&1 &
  PEER_PID=$!
  PIDS+=("$PEER_PID")
  # /profile answers 401 without a token: any answer means it is up.
  for _ in $(seq 300); do curl -s -o /dev/null "http://127.0.0.1:$PEER_PORT/profile" && break; sleep 0.1; done
}

start_tessera() {  # NAME PORT DATABASE -> sets TS_PID and READY_MS (start-up to ready)
  local name=$1 port=$2 db=$3 t0
  t0=$(date +%s%N)
  TESSERA_DATABASE="$db" TESSERA_LISTEN="127.0.0.1:$port" TESSERA_RATE_LIMITS=off \
    "$TESSERA" serve >>"$OUT/$name.log" 2>&1 &
  TS_PID=$!
  PIDS+=("$TS_PID")
  wait_ready 127.0.0.1 "$port" "$TS_PID" "$t0"
}

stop_pid() {
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
}

ROWS=()  # one row per server and profile: the median of its repetitions
RAW=()   # every run
run_wrk() {  # SERVER RUN PID WRK-ARGS... (REP: the repetition, for the file name)
  local server=$1 run=$2 pid=$3; shift 3
  local f="$OUT/wrk-$server-$run${REP:+-$REP}.txt"
  # The previous profile's last requests finish first (a hash queue drains for a few hundred ms
  # after wrk stops): this run's peak RSS and its first second are its own.
  sleep 2
  echo 5 >"/proc/$pid/clear_refs"
  wrk "$@" >"$f" 2>&1 || true
  local hwm; hwm=$(hwm_kb "$pid")
  local row
  row=$(awk -v server="$server" -v run="$run" -v hwm="$hwm" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ {rps=$2} /^ +50%/ {p50=ms($2)} /^ +99%/ {p99=ms($2)} /Non-2xx/ {bad=$NF}
    END {printf "%s %s %.1f %.2f %.2f %d %.1f\n", server, run, rps, p50, p99, bad + 0, hwm / 1024}' "$f")
  RAW+=("$row")
  log "$row"
}

# The row of SERVER RUN from its repetitions: the median of each of req/s, p50 and p99 (the
# middle one, the lower of the two middle ones for an even count), the sum of non-2xx and the
# highest peak RSS.
median_row() {  # SERVER RUN
  printf '%s\n' "${RAW[@]}" | awk -v server="$1" -v run="$2" '
    function middle(a, n,   i, j, t) {
      for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
      return a[int((n + 1) / 2)]
    }
    $1 == server && $2 == run {n++; rps[n] = $3; p50[n] = $4; p99[n] = $5; bad += $6; if ($7 > rss) rss = $7}
    END {if (n) printf "%s %s %.1f %.2f %.2f %d %.1f\n", server, run, middle(rps, n), middle(p50, n), middle(p99, n), bad, rss}'
}

# Runs COMMAND... REPEAT times, with REP (the file-name suffix) and rep (1..REPEAT) set.
repeated() {
  for ((rep = 1; rep <= REPEAT; rep++)); do
    ((REPEAT > 1)) && REP=$rep || REP=""
    "$@"
  done
  REP=""
}
# These read W, dir and rep from the caller (profile, repeated): bash scopes dynamically.
refresh_run() {  # SERVER PID SCRIPT BASE
  run_wrk "$1" refresh "$2" "${W[@]}" -s "$3" "$4" -- "$dir/refresh-$rep.txt" "$THREADS"
}
signup_run() {  # SERVER PID SCRIPT BASE PASSWORD: a fresh name prefix per run
  run_wrk "$1" signup "$2" "${W[@]}" -s "$3" "$4" -- "run$RANDOM" "$5"
}

# The floor measured just before a server's login runs and just after its sign-up runs (the
# server idle, its hash queue drained): the machine's speed moves within a run (one run read
# 20 ms at its start and 41 ms at its end), so the minutes of the hash loads get a reading of
# their own as well. The faster of the two sets that server's own ceiling. Tessera's own hasher
# is read at the same two moments.
declare -A FLOOR_BESIDE=() OWN_BESIDE=()
floor_beside() {  # SERVER before|after
  "$OUT/hashfloor" 10 >"$OUT/hashfloor-$1-$2.txt"
  FLOOR_BESIDE[$1]+="$(median argon2id "$OUT/hashfloor-$1-$2.txt") "
  local own; own=$(own_floor "$OUT/ownfloor-$1-$2.txt")
  OWN_BESIDE[$1]+="${own#* } "
}

profile() {  # SERVER BASE PID SEED_SCRIPT_KIND
  local server=$1 base=$2 pid=$3 kind=$4
  local W=(-t"$THREADS" -c"$CONNS" -d"$DUR" --latency --timeout 30s)
  local dir="$OUT/$server" && mkdir -p "$dir"
  if [[ $kind == peer ]]; then
    node "$PEER_DIR/bench/seed.mjs" "$base" "$SEED_USERS" "$dir" 8 "seed$RANDOM" >&2
  else
    node "$HERE/load/seed.mjs" "$base" "$SEED_USERS" "$dir" "$TS_PASSWORD" 8 "seed$RANDOM" >&2
  fi
  local access; access=$(cat "$dir/access.txt")
  wrk -t"$THREADS" -c"$CONNS" -d5s -H "Authorization: Bearer $access" "$base/profile" >/dev/null 2>&1 || true
  # A rotated token cannot be sent again: each repetition of refresh gets its own share of the
  # seeded users' tokens (still more per wrk thread than connections per thread).
  local per=$((SEED_USERS / REPEAT)) rep
  for ((rep = 1; rep <= REPEAT; rep++)); do
    sed -n "$(((rep - 1) * per + 1)),$((rep * per))p" "$dir/refresh.txt" >"$dir/refresh-$rep.txt"
  done
  # Each profile's repetitions run back to back, refresh before login: the peer keeps one
  # refresh token per user and a login replaces it.
  local scripts=$HERE/load password=$TS_PASSWORD
  [[ $kind == peer ]] && scripts=$PEER_DIR/bench password=$PEER_PASSWORD
  repeated run_wrk "$server" get "$pid" "${W[@]}" -H "Authorization: Bearer $access" "$base/profile"
  # GET /auth/check (issue 19: >= 90 % of the guarded GET's req/s, p99 <= 5 ms): Tessera only.
  [[ $kind != peer ]] && repeated run_wrk "$server" check "$pid" "${W[@]}" -H "Authorization: Bearer $access" "$base/auth/check"
  repeated refresh_run "$server" "$pid" "$scripts/refresh.lua" "$base"
  [[ $kind != peer ]] && floor_beside "$server" before
  repeated run_wrk "$server" login "$pid" "${W[@]}" -s "$scripts/login.lua" "$base" -- "$dir/users.txt" "$password" "$THREADS"
  repeated signup_run "$server" "$pid" "$scripts/signup.lua" "$base" "$password"
  if [[ $kind != peer ]]; then
    sleep 2
    floor_beside "$server" after
    run_wrk "$server" flood "$pid" -t"$THREADS" -c"$FLOOD_CONNS" -d10s --latency --timeout 30s \
      -s "$HERE/load/login.lua" "$base" -- "$dir/users.txt" "$TS_PASSWORD" "$THREADS"
  fi
  local run
  for run in get check refresh login signup flood; do
    local row; row=$(median_row "$server" "$run")
    [[ -n $row ]] && ROWS+=("$row")
  done
  return 0
}

# ------------------------------------------------------------------ the peer
# Built in a copy (PEER_WORK), so ../shared stays as it is; node_modules is kept between runs.
log "peer: npm ci (first time) and tsc in $PEER_WORK"
mkdir -p "$PEER_WORK" && cp -R "$PEER_DIR/nestjs/." "$PEER_WORK/"
(cd "$PEER_WORK" && { [[ -d node_modules ]] || npm ci --include=dev --no-audit --no-fund >"$OUT/peer-npm.log" 2>&1; } \
  && rm -rf dist && npx --no-install tsc -p tsconfig.json)
start_peer
sleep 2
PEER_IDLE=$(rss_kb "$PEER_PID")
profile peer "http://127.0.0.1:$PEER_PORT" "$PEER_PID" peer
stop_pid "$PEER_PID"

# ------------------------------------------------------------------ Tessera on SQLite
log "tessera on SQLite"
start_tessera tessera-sqlite "$TS_PORT" "sqlite://$OUT/tessera.db"
stop_pid "$TS_PID"   # the first start made the schema and the key; now time a start on that database
start_tessera tessera-sqlite "$TS_PORT" "sqlite://$OUT/tessera.db"
TS_START_MS=$READY_MS
sleep 2
TS_IDLE=$(rss_kb "$TS_PID")
profile tessera-sqlite "http://127.0.0.1:$TS_PORT" "$TS_PID" tessera
stop_pid "$TS_PID"

TP_IDLE=""
TP_START_MS=""
if ((POSTGRES)); then
  log "tessera on PostgreSQL"
  start_tessera tessera-pg "$TP_PORT" "postgres://postgres@127.0.0.1:$PGPORT/tessera"
  stop_pid "$TS_PID"
  start_tessera tessera-pg "$TP_PORT" "postgres://postgres@127.0.0.1:$PGPORT/tessera"
  TP_START_MS=$READY_MS
  sleep 2
  TP_IDLE=$(rss_kb "$TS_PID")
  profile tessera-pg "http://127.0.0.1:$TP_PORT" "$TS_PID" tessera
  stop_pid "$TS_PID"
fi

# ------------------------------------------------------------------ hash floor, again
# The machine is noisy: the floor is measured at the start and at the end, and the faster of the
# two sets the ceiling (the stricter reading for Tessera's percentages).
"$OUT/hashfloor" 20 >"$OUT/hashfloor-end.txt"
AR_MS_END=$(median argon2id "$OUT/hashfloor-end.txt")
AR_MS=$(awk -v a="$AR_MS_START" -v b="$AR_MS_END" 'BEGIN {print (a < b ? a : b)}')
OWN_END=$(own_floor "$OUT/ownfloor-end.txt")
# The faster of the two readings, as for the floor.
OWN_RATE=$(awk -v a="${OWN_START#* }" -v b="${OWN_END#* }" 'BEGIN {print (a > b ? a : b)}')

# ------------------------------------------------------------------ summary
{
  echo "## Tessera vs the NestJS peer ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
  echo
  echo "machine: nproc=$NPROC, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $(uname -r)"
  echo "wrk -t$THREADS -c$CONNS -d$DUR (flood: -c$FLOOD_CONNS -d10s); $SEED_USERS seeded users each; tessera log level $TESSERA_LOG"
  echo "Argon2id m=19456 KiB t=2 p=1 (the peer's floor tool, libsodium): one hash alone ${AR_MS_START} ms at the start," \
       "${AR_MS_END} ms at the end (${AR_PAR_MS} ms each with two processes at once);" \
       "hash-bound ceiling = $NPROC cores / one hash = $(awk -v n="$NPROC" -v a="$AR_MS" 'BEGIN {printf "%.1f", n * 1000 / a}') logins/s"
  echo "Tessera's own hasher (libargon2 on a kept block, bench/password_bench): one hash alone ${OWN_START% *} ms at the start," \
       "${OWN_END% *} ms at the end; $NPROC threads at once ${OWN_START#* }/s at the start, ${OWN_END#* }/s at the end"
  echo
  ((REPEAT > 1)) && echo "each cell: the median of $REPEAT runs of the profile (flood: one run); non-2xx: their sum; peak RSS: the highest" && echo
  echo "| server | run | req/s | p50 ms | p99 ms | non-2xx | peak RSS MiB |"
  echo "|---|---|---|---|---|---|---|"
  for r in "${ROWS[@]}"; do echo "$r" | awk '{printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7}'; done
  echo
  echo "idle RSS: peer $((PEER_IDLE / 1024)) MiB, tessera-sqlite $((TS_IDLE / 1024)) MiB${TP_IDLE:+, tessera-pg $((TP_IDLE / 1024)) MiB}"
  echo "tessera start-up to ready on an existing database: sqlite ${TS_START_MS} ms${TP_START_MS:+, postgres ${TP_START_MS} ms}"
  echo
  echo "### Ratios (Tessera / peer) and share of the hash-bound ceiling"
  printf '%s\n' "${ROWS[@]}" | awk -v ceil="$(awk -v n="$NPROC" -v a="$AR_MS" 'BEGIN {print n * 1000 / a}')" '
    {rps[$1 " " $2] = $3; p99[$1 " " $2] = $5; servers[$1] = 1}
    END {
      for (s in servers) {
        if (s == "peer") continue
        printf "- %s: GET %.1fx (p99 %s ms), refresh %.1fx (%s/s), login %.1fx = %.0f%% of ceiling, signup %.1fx = %.0f%% of ceiling\n",
          s, rps[s " get"] / rps["peer get"], p99[s " get"], rps[s " refresh"] / rps["peer refresh"], rps[s " refresh"],
          rps[s " login"] / rps["peer login"], 100 * rps[s " login"] / ceil,
          rps[s " signup"] / rps["peer signup"], 100 * rps[s " signup"] / ceil
        if (rps[s " check"] != "")
          printf "- %s: GET /auth/check %.0f%% of the guarded GET /profile (p99 %s ms)\n", s, 100 * rps[s " check"] / rps[s " get"], p99[s " check"]
      }
    }'
  printf '%s\n' "${ROWS[@]}" | awk -v own="$OWN_RATE" -v n="$NPROC" '
    $1 != "peer" && $2 == "login" {login[$1] = $3} $1 != "peer" && $2 == "signup" {signup[$1] = $3}
    END {
      for (s in login)
        printf "- %s, against its own hasher on %d threads (the faster of the start and end readings, %.1f/s): login %.0f%%, signup %.0f%%\n", s, n, own, 100 * login[s] / own, 100 * signup[s] / own
    }'
  for server in "${!OWN_BESIDE[@]}"; do
    printf '%s\n' "${ROWS[@]}" | awk -v s="$server" -v n="$NPROC" -v owns="${OWN_BESIDE[$server]}" '
      $1 == s && $2 == "login" {login = $3} $1 == s && $2 == "signup" {signup = $3}
      END {
        split(owns, o, " "); best = o[1] > o[2] ? o[1] : o[2]
        printf "- %s, against its own hasher on %d threads beside its own hash loads (%s/s before its login runs, %s/s after its sign-up runs): login %.0f%%, signup %.0f%%\n",
          s, n, o[1], o[2], 100 * login / best, 100 * signup / best
      }'
  done
  for server in "${!FLOOR_BESIDE[@]}"; do
    printf '%s\n' "${ROWS[@]}" | awk -v s="$server" -v n="$NPROC" -v floors="${FLOOR_BESIDE[$server]}" '
      $1 == s && $2 == "login" {login = $3} $1 == s && $2 == "signup" {signup = $3}
      END {
        split(floors, f, " "); best = f[1] < f[2] ? f[1] : f[2]; ceil = n * 1000 / best
        printf "- %s, against the floor beside its own hash loads (%s ms before its login runs, %s ms after its sign-up runs): ceiling %.1f/s, login %.0f%%, signup %.0f%%\n",
          s, f[1], f[2], ceil, 100 * login / ceil, 100 * signup / ceil
      }'
  done
  if ((REPEAT > 1)); then
    echo
    echo "### Every run, in the order run"
    echo
    echo "| server | run | req/s | p50 ms | p99 ms | non-2xx | peak RSS MiB |"
    echo "|---|---|---|---|---|---|---|"
    for r in "${RAW[@]}"; do echo "$r" | awk '{printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7}'; done
  fi
  echo
  echo "raw outputs: $OUT/wrk-*.txt, logs: $OUT/*.log"
} | tee "$OUT/summary.md"
