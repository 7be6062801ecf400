#!/usr/bin/env bash
# The source checks scripts/test.sh runs in its debug stage (so CI runs them), after the build:
#
#   format  every tracked C++ file is as .clang-format says (clang-format-14 --dry-run --Werror);
#           `clang-format-14 -i FILE` fixes one
#   tidy    clang-tidy-14 with the checks of .clang-tidy, as errors, on the C++ source files
#           changed since TESSERA_LINT_BASE (default HEAD~1: what the last commit changed;
#           `TESSERA_LINT_BASE=main scripts/lint.sh` before a submission of several commits),
#           with the compile database of the build folder given as $1 (default build/debug).
#           The headers those files include are checked with them (HeaderFilterRegex); the
#           whole tree passes, so only a change can bring a finding.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/debug}
base=${TESSERA_LINT_BASE:-HEAD~1}
ok=1

mapfile -t sources < <(git ls-files '*.cpp' '*.hpp' '*.h')
if ! clang-format-14 --dry-run --Werror "${sources[@]}"; then
  echo "lint: format: the files above differ from .clang-format (clang-format-14 -i FILE)"
  ok=0
else
  echo "lint: format: ${#sources[@]} files as .clang-format says"
fi

changed=()
if git rev-parse -q --verify "$base^{commit}" >/dev/null; then
  # Source files of the compile database only (fuzz/ builds with its own preset).
  mapfile -t changed < <(git diff --name-only --diff-filter=d "$base" -- 'src/*.cpp' 'tests/*.cpp' 'bench/*.cpp')
fi
if ((${#changed[@]} == 0)); then
  echo "lint: tidy: no C++ source changed since $base"
elif [[ ! -f $build/compile_commands.json ]]; then
  echo "lint: tidy: no $build/compile_commands.json (configure and build first)"
  ok=0
else
  # The build's compile database without GCC's precompiled header (clang cannot read the .gch):
  # each file is checked with the headers it includes itself.
  db=$(mktemp -d "${TMPDIR:-/tmp}/tessera-lint.XXXXXX")
  trap 'rm -rf "$db"' EXIT
  python3 - "$build/compile_commands.json" "$db/compile_commands.json" <<'PY'
import json, re, sys
entries = [e for e in json.load(open(sys.argv[1])) if not e["file"].endswith("cmake_pch.hxx.cxx")]
for e in entries:
    # Also GCC's -Werror and its warning options clang does not know: tidy reports its checks,
    # the compilers report their warnings in the build.
    e["command"] = re.sub(r" -Winvalid-pch| -include \S+/cmake_pch\.hxx| -Werror\S*| -Wno-error=\S+", "", e["command"])
json.dump(entries, open(sys.argv[2], "w"))
PY
  # Two at a time, like the build; --quiet keeps only the findings.
  if printf '%s\n' "${changed[@]}" | xargs -P 2 -n 4 clang-tidy-14 -p "$db" --quiet 2> >(grep -Ev '^[0-9]+ warnings?( and [0-9]+ errors?)? generated\.$' >&2); then
    echo "lint: tidy: ${#changed[@]} changed file(s) since $base pass .clang-tidy"
  else
    echo "lint: tidy: findings above (checks in .clang-tidy)"
    ok=0
  fi
fi
((ok))
