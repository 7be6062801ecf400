#!/usr/bin/env bash
# Builds the libFuzzer targets (the `fuzz` preset: clang, ASan + UBSan) and runs each for a while.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]    default: 30 seconds each, every target in fuzz/
#
# Each target runs, one after another, on a copy of its seed corpus (fuzz/corpus/<target>) in a
# temporary directory, so new inputs never land in the repository; its dictionary is
# fuzz/dict/<target>.dict. A finding (crash, sanitizer report, failed property, leak, timeout,
# out-of-memory) is saved under build/fuzz/findings/<target>/, its path is printed, and the
# script exits 1 after the remaining targets have run. Reproduce one with
#   build/fuzz/fuzz/<target> build/fuzz/findings/<target>/crash-...
# Environment: FUZZ_RSS_MB (default 2048), FUZZ_TIMEOUT (seconds per input, default 25),
# FUZZ_ARGS (extra libFuzzer flags), FUZZ_NO_BUILD=1 (use the binaries as they are),
# FUZZ_KEEP=1 (after a run without findings, merge the inputs that reached new coverage into
# fuzz/corpus/<target> with libFuzzer's -merge=1, for a long run's corpus to be committed).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

seconds=${1:-30}
shift || true
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=(fuzz_jws fuzz_json_body fuzz_headers fuzz_config fuzz_http fuzz_user_lines)
fi

if [[ "${FUZZ_NO_BUILD:-0}" != 1 ]]; then
  cmake --preset fuzz >/dev/null
  # Several people may build on this machine: one build at a time.
  flock /tmp/tessera-build.lock cmake --build --preset fuzz
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/tessera-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
findings_root="$root/build/fuzz/findings"

# Sanitizer reports end the run; leaks are findings too.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:print_stacktrace=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}"

failed=()
summary=()
for t in "${targets[@]}"; do
  bin="$root/build/fuzz/fuzz/$t"
  if [[ ! -x "$bin" ]]; then
    echo "fuzz: no target $t (looked for $bin)" >&2
    exit 2
  fi
  corpus="$work/$t/corpus"
  mkdir -p "$corpus" "$findings_root/$t" "$work/$t/tmp"
  if [[ -d "fuzz/corpus/$t" ]]; then cp -R "fuzz/corpus/$t/." "$corpus/"; fi
  args=(-max_total_time="$seconds" -rss_limit_mb="${FUZZ_RSS_MB:-2048}" -timeout="${FUZZ_TIMEOUT:-25}"
        -print_final_stats=1 -artifact_prefix="$findings_root/$t/")
  if [[ -f "fuzz/dict/$t.dict" ]]; then args+=(-dict="$root/fuzz/dict/$t.dict"); fi
  # Inputs long enough to cross the limits: a token's 8 KiB, a request head's 16 KiB.
  case "$t" in
    fuzz_jws) args+=(-max_len=9000) ;;
    fuzz_http) args+=(-max_len=20000) ;;
    fuzz_user_lines) args+=(-max_len=70000) ;;  # past a line's 64 KiB
  esac
  # shellcheck disable=SC2206
  args+=(${FUZZ_ARGS:-})
  log="$work/$t/log"
  echo "fuzz: $t for ${seconds}s: $bin ${args[*]} <corpus copy>"
  status=0
  # The fixture's database and temporary files live in the work directory too.
  (cd "$work/$t" && TMPDIR="$work/$t/tmp" "$bin" "${args[@]}" "$corpus" >"$log" 2>&1) || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/cov \1, ft \2, corpus \3/p' <<<"$last")
  first=$(grep -E '^#[0-9]+[[:space:]]+INITED' "$log" | head -1 || true)
  cov0=$(sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/cov \1, ft \2, corpus \3/p' <<<"$first")
  if ((status == 0)); then
    kept=""
    if [[ "${FUZZ_KEEP:-0}" == 1 ]]; then
      before=$(find "fuzz/corpus/$t" -type f | wc -l)
      mkdir -p "fuzz/corpus/$t"
      (cd "$work/$t" && TMPDIR="$work/$t/tmp" "$bin" -merge=1 "${args[@]:1:2}" "$root/fuzz/corpus/$t" "$corpus" \
        >"$work/$t/merge.log" 2>&1)
      kept=", kept $(( $(find "fuzz/corpus/$t" -type f | wc -l) - before )) new corpus entries"
    fi
    summary+=("$t: passed, ${runs:-?} runs in ${seconds}s (${rate:-?}/s), at start ${cov0:-?}, at end ${cov:-no coverage line}$kept")
  else
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    cp "$log" "$findings_root/$t/last-run.log"
    echo "---- $t: last 60 lines of its log ----" >&2
    tail -60 "$log" >&2
    summary+=("$t: FINDING (exit $status), input: ${artifact:-none written}, log: $findings_root/$t/last-run.log")
    failed+=("$t")
  fi
done

echo "fuzz summary:"
printf '  %s\n' "${summary[@]}"
if ((${#failed[@]})); then
  echo "fuzz: findings in ${failed[*]}" >&2
  exit 1
fi
