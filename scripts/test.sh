#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run): installs what is missing (Debian packages, npm
# packages from the lock file), then three stages, each built under /tmp/tessera-build.lock:
#
#   debug  the debug build, the source checks (scripts/lint.sh: clang-format on the tree,
#          clang-tidy on what the last commit changed), and every test through CTest (arguments
#          to this script go to this ctest, e.g. `scripts/test.sh -R e2e`)
#   asan   the same suite built with AddressSanitizer + UndefinedBehaviorSanitizer (the `asan`
#          presets: unit, store contract and the black-box e2e files against the ASan binary)
#   fuzz   the libFuzzer targets (the `fuzz` preset), each run for FUZZ_SECONDS (default 20)
#          on a copy of its seed corpus (scripts/fuzz.sh)
#
# asan and fuzz run only once the debug stage has passed. TESSERA_TEST_STAGES picks stages
# (default "debug asan fuzz"). The output ends with each stage's summary (CTest's lines, the
# fuzz summary) and one verdict line.
set -uo pipefail
cd "$(dirname "$0")/.."

stages=${TESSERA_TEST_STAGES:-debug asan fuzz}
logs=$(mktemp -d "${TMPDIR:-/tmp}/tessera-test.XXXXXX")
trap 'rm -rf "$logs"' EXIT
declare -A result
order=()
started=$SECONDS

wants() { [[ " $stages " == *" $1 "* ]]; }

# run_stage NAME COMMAND...: runs the stage, its output both shown and kept for the recap.
run_stage() {
  local name=$1
  shift
  order+=("$name")
  local t0=$SECONDS
  echo "==== stage $name: $*"
  if "$@" 2>&1 | tee "$logs/$name.log"; then
    result[$name]="passed in $((SECONDS - t0))s"
    return 0
  fi
  result[$name]="FAILED after $((SECONDS - t0))s"
  return 1
}

build() {  # build PRESET [TARGET...]
  local preset=$1
  shift
  cmake --preset "$preset" >/dev/null || return 1
  local targets=()
  for t in "$@"; do targets+=(--target "$t"); done
  flock /tmp/tessera-build.lock cmake --build --preset "$preset" "${targets[@]}"
}

stage_debug() { build debug && scripts/lint.sh build/debug && ctest --preset debug -j2 "$@"; }
stage_asan() { build asan && ctest --preset asan -j2; }
stage_fuzz() {
  build fuzz fuzz_jws fuzz_json_body fuzz_headers fuzz_config fuzz_http fuzz_user_lines &&
    FUZZ_NO_BUILD=1 scripts/fuzz.sh "${FUZZ_SECONDS:-20}"
}

scripts/deps.sh test || { echo "CI: FAILED (could not install dependencies)"; exit 1; }

ok=1
if wants debug; then run_stage debug stage_debug "$@" || ok=0; fi
if ((ok)); then
  if wants asan; then run_stage asan stage_asan || ok=0; fi
  if wants fuzz; then run_stage fuzz stage_fuzz || ok=0; fi
fi

echo
echo "==== summary"
for name in "${order[@]}"; do
  echo "-- $name: ${result[$name]}"
  if [[ $name == fuzz ]]; then
    sed -n '/^fuzz summary:/,$p' "$logs/$name.log"
  else
    grep -E '^[0-9]+% tests passed|^The following tests (FAILED|did not run)|^[[:space:]]+[0-9]+ - |^Total Test time' "$logs/$name.log" || true
  fi
done
failed=()
for name in "${order[@]}"; do [[ ${result[$name]} == FAILED* ]] && failed+=("$name"); done
if ((ok)) && ((${#failed[@]} == 0)); then
  echo "CI: PASSED (${order[*]}) in $((SECONDS - started))s"
  exit 0
fi
echo "CI: FAILED (${failed[*]:-?}) in $((SECONDS - started))s"
exit 1
