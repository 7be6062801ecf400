#!/usr/bin/env bash
# CPU time of one process's threads over an interval, by thread name (the server names them:
# net-N, hash-N, db-N, log, maintenance, outbox, pg-listen), as a share of one core.
#
#   bench/load/cpu_by_thread.sh PID SECONDS
#
# The main thread keeps the process name (tessera): it is the first network thread.
# Run it beside a load (wrk) to see whether the hash workers really hash all the time or wait
# on something else (a database commit, a lock), and what the other threads cost.
set -euo pipefail
PID=${1:?usage: cpu_by_thread.sh PID SECONDS}
SECS=${2:?usage: cpu_by_thread.sh PID SECONDS}
TICK=$(getconf CLK_TCK)

snapshot() {  # prints "tid name ticks" per thread
  for t in /proc/"$PID"/task/*; do
    [[ -r $t/stat ]] || continue
    local name stat
    name=$(cat "$t/comm" 2>/dev/null) || continue
    stat=$(cat "$t/stat" 2>/dev/null) || continue
    # Fields after the ")" that closes comm: utime is the 12th, stime the 13th.
    awk -v tid="${t##*/}" -v name="$name" '{sub(/^.*\) /, ""); print tid, name, $12 + $13}' <<<"$stat"
  done
}

before=$(snapshot)
sleep "$SECS"
after=$(snapshot)
awk -v secs="$SECS" -v tick="$TICK" '
  NR == FNR {start[$1] = $3; next}
  {
    used = ($3 - ($1 in start ? start[$1] : 0)) / tick
    group = $2; sub(/-[0-9]+$/, "", group)
    cpu[group] += used; threads[group]++; total += used
  }
  END {
    for (g in cpu) printf "%-12s threads=%-3d cpu=%5.1f%% of one core\n", g, threads[g], 100 * cpu[g] / secs
    printf "%-12s             cpu=%5.1f%% of one core\n", "all", 100 * total / secs
  }' <(echo "$before") <(echo "$after") | sort
