#!/usr/bin/env bash
# `tessera user import` of many users with bcrypt hashes, on SQLite and on PostgreSQL, in one
# run on this machine (issue 19: 100,000 users in <= 20 s on SQLite, <= 40 s on PostgreSQL, with
# flat memory).
#
#   sudo bench/import.sh [USERS]            (default 100000)
#
# Builds the release binary; writes USERS lines of the import format (bench/import_users.mjs:
# distinct emails and UUIDs, 64 real bcryptjs cost-10 hashes in turn, roles, flags, times); then
# for each store imports them into a fresh database and reports the wall time, users/s and the
# peak RSS (GNU time), and the peak RSS of an import of a tenth as many, so a memory that grows
# with the file shows as a ratio well above 1. PostgreSQL is Debian's 15 with its default
# durability (fsync on), on loopback in a temp directory, started and stopped here.
# Env: OUT (/tmp/tessera-import-bench) PGPORT (55434)
set -euo pipefail

USERS=${1:-100000}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
OUT=${OUT:-/tmp/tessera-import-bench}
PGPORT=${PGPORT:-55434}
PGBIN=/usr/lib/postgresql/15/bin
log() { printf '[import] %s\n' "$*" >&2; }
[[ $(id -u) -eq 0 ]] || { echo "run as root (apt-get, runuser postgres)" >&2; exit 1; }

PG_PID=""
cleanup() {
  set +e
  if [[ -n "$PG_PID" ]] && kill -0 "$PG_PID" 2>/dev/null; then
    kill -INT "$PG_PID"
    for _ in $(seq 100); do kill -0 "$PG_PID" 2>/dev/null || break; sleep 0.1; done
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

missing=()
for p in postgresql-15 time; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
"$ROOT/scripts/deps.sh" test >/dev/null  # node and the npm packages (bcryptjs)
log "building tessera (release)"
(cd "$ROOT" && cmake --preset release >/dev/null && flock /tmp/tessera-build.lock cmake --build --preset release --target tessera >/dev/null)
TESSERA="$ROOT/build/release/tessera"

rm -rf "$OUT" && mkdir -p "$OUT" && chmod 755 "$OUT"
log "writing $USERS users and $((USERS / 10))"
node "$HERE/import_users.mjs" "$USERS" >"$OUT/users.jsonl"
head -n $((USERS / 10)) "$OUT/users.jsonl" >"$OUT/users-tenth.jsonl"
ls -l "$OUT"/users*.jsonl >&2

PGDATA="$OUT/pgdata"
mkdir -p "$PGDATA" && chown postgres:postgres "$PGDATA"
runuser -u postgres -- "$PGBIN/initdb" -D "$PGDATA" -A trust -U postgres -E UTF8 --no-locale >"$OUT/initdb.log" 2>&1
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w \
  -o "-p $PGPORT -k $PGDATA -c listen_addresses=127.0.0.1" start >/dev/null
PG_PID=$(head -1 "$PGDATA/postmaster.pid")

# import NAME DATABASE FILE -> "seconds peak_rss_kib imported"
import() {
  local name=$1 db=$2 file=$3
  TESSERA_DATABASE=$db "$TESSERA" migrate >/dev/null
  TESSERA_DATABASE=$db TESSERA_LOG=warn /usr/bin/time -f '%e %M' -o "$OUT/$name.time" \
    "$TESSERA" user import "$file" --json >"$OUT/$name.json" 2>"$OUT/$name.err" || true
  local imported
  imported=$(node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); if (r.refused.length) { console.error(JSON.stringify(r.refused.slice(0, 3))); process.exit(1); } console.log(r.imported)' "$OUT/$name.json")
  echo "$(cat "$OUT/$name.time") $imported"
}
pg_db() {
  psql -h 127.0.0.1 -p "$PGPORT" -U postgres -qc "CREATE DATABASE $1" >/dev/null
  echo "postgres://postgres@127.0.0.1:$PGPORT/$1"
}

printf '%-10s %8s %9s %9s %12s %14s %10s\n' store users seconds users/s "peak RSS MiB" "tenth RSS MiB" "RSS ratio"
for store in sqlite postgres; do
  if [[ $store == sqlite ]]; then
    full="sqlite://$OUT/full.db"; tenth="sqlite://$OUT/tenth.db"
  else
    full=$(pg_db import_full); tenth=$(pg_db import_tenth)
  fi
  read -r t_secs t_rss t_n < <(import "$store-tenth" "$tenth" "$OUT/users-tenth.jsonl")
  read -r secs rss n < <(import "$store" "$full" "$OUT/users.jsonl")
  [[ $n == "$USERS" && $t_n == $((USERS / 10)) ]] || { echo "$store imported $n of $USERS" >&2; exit 1; }
  awk -v s="$store" -v n="$n" -v t="$secs" -v r="$rss" -v tr="$t_rss" \
    'BEGIN {printf "%-10s %8d %9.2f %9.0f %12.1f %14.1f %10.2f\n", s, n, t, n / t, r / 1024, tr / 1024, r / tr}'
done
