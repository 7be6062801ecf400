#!/usr/bin/env bash
# A throw-away PostgreSQL for the tests: Debian's PostgreSQL 15 binaries, run as a non-root user,
# listening on 127.0.0.1 only, everything (data, socket, log) inside one directory.
#
#   pg.sh start DIR [PORT]  makes a new cluster in DIR (which must be missing, empty, or an old
#                           cluster of this script, which is removed first), starts it on PORT or
#                           on a free port, creates the database tessera_test, and writes its URL
#                           (postgres://postgres@127.0.0.1:PORT/tessera_test) to DIR/url.
#   pg.sh stop DIR          stops the server (and any cluster a test started in a subdirectory
#                           of DIR and left behind) and removes DIR.
#   pg.sh restart DIR       restarts the server on the same port (what an operator's restart
#                           does to open connections).
#   pg.sh suspend DIR       stops the server and keeps DIR: the database is down.
#   pg.sh resume DIR        starts a suspended server again, same port, same data.
#
# The server runs as `postgres` when we are root (PostgreSQL refuses to run as root), else as the
# calling user. It is tuned for tests, not for keeping data: fsync and synchronous_commit are off.
# Authentication is `trust`, which is safe only because nothing but loopback can connect.
set -euo pipefail

PG_BIN=${TESSERA_PG_BIN:-/usr/lib/postgresql/15/bin}
DB_NAME=tessera_test
SUPERUSER=postgres
MARKER=.tessera-test-cluster  # only directories holding this are ever removed

die() { echo "pg.sh: $*" >&2; exit 1; }

[[ $# -ge 2 ]] || die "usage: pg.sh start DIR [PORT] | stop DIR | restart DIR | suspend DIR | resume DIR"
cmd=$1
dir=$(realpath -m -- "$2")
port_arg=${3:-}

[[ -x "$PG_BIN/pg_ctl" ]] || die "no PostgreSQL binaries in $PG_BIN (scripts/deps.sh test installs them)"

# Runs a command as the user that owns the cluster.
if [[ $(id -u) -eq 0 ]]; then
  getent passwd postgres >/dev/null || die "running as root needs the 'postgres' user (Debian's postgresql package makes it)"
  as_owner() { runuser -u postgres -- "$@"; }
  owner=postgres
else
  as_owner() { "$@"; }
  owner=$(id -un)
fi

# A TCP port on 127.0.0.1 that nothing listens on right now (another process may still take it
# before the server does; start() then tries another).
free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  die "found no free port"
}

pg_ctl_quiet() { as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" "$@" >/dev/null; }

running() { [[ -f "$dir/data/postmaster.pid" ]] && as_owner "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; }

init_cluster() {
  # mkdtemp-like: created here, owned by the server's user, private to it.
  mkdir -p "$dir"
  chmod 0700 "$dir"
  touch "$dir/$MARKER"
  if [[ $(id -u) -eq 0 ]]; then chown "$owner" "$dir"; fi
  # --no-sync: a test cluster need not survive a power cut. C locale: the tests compare ordering
  # bytewise, and it is the fastest.
  as_owner "$PG_BIN/initdb" -D "$dir/data" -U "$SUPERUSER" --auth=trust --encoding=UTF8 --no-locale \
    --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  as_owner tee -a "$dir/data/postgresql.conf" >/dev/null <<EOF

# tests/support/pg.sh: loopback only, fast, nothing kept
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
shared_buffers = 64MB
max_wal_size = 1GB
checkpoint_timeout = 30min
log_min_messages = warning
log_min_error_statement = panic
log_connections = off
EOF
}

# Starts the server on `port` (a free one when empty), trying other free ports when it was taken
# meanwhile, and records it.
launch() {
  local port=$1 tries=1
  [[ -n "$port" ]] || { port=$(free_port); tries=5; }
  for ((i = 1; ; i++)); do
    if pg_ctl_quiet -w -t 60 -o "-p $port" start; then break; fi
    ((i < tries)) || { tail -n 20 "$dir/server.log" >&2; die "the server did not start on port $port"; }
    port=$(free_port)
  done
  echo "$port" >"$dir/port"
}

start() {
  if [[ -e "$dir" && -n "$(ls -A "$dir" 2>/dev/null)" ]]; then
    [[ -f "$dir/$MARKER" ]] || die "$dir exists and is not a test cluster of this script"
    stop  # left behind by an earlier run that did not clean up
  fi
  init_cluster
  launch "$port_arg"
  local port
  port=$(cat "$dir/port")
  as_owner "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U "$SUPERUSER" "$DB_NAME"
  echo "postgres://$SUPERUSER@127.0.0.1:$port/$DB_NAME" >"$dir/url"
}

stop() {
  [[ -d "$dir" ]] || return 0
  [[ -f "$dir/$MARKER" ]] || die "$dir is not a test cluster of this script; leaving it alone"
  # Private clusters that tests started below this one first: a crashed test leaves its own
  # behind, and this is the last chance to stop it.
  local sub
  for sub in "$dir"/*/data; do
    [[ -f "$sub/postmaster.pid" ]] && as_owner "$PG_BIN/pg_ctl" -D "$sub" -m immediate -w stop >/dev/null 2>&1 || true
  done
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    # immediate: nothing here is worth a shutdown checkpoint.
    as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf -- "$dir"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  restart)
    running || die "no server runs in $dir"
    pg_ctl_quiet -w -t 60 -m fast restart
    ;;
  suspend)
    running || die "no server runs in $dir"
    pg_ctl_quiet -w -t 60 -m fast stop
    ;;
  resume)
    [[ -f "$dir/port" ]] || die "no suspended cluster in $dir"
    running && die "the server in $dir is running already"
    launch "$(cat "$dir/port")"
    ;;
  *) die "unknown command $cmd" ;;
esac
