#!/usr/bin/env bash
# The whole test suite: installs what is missing (Debian packages, npm packages from the lock
# file), builds, and runs every test through CTest, which ends with its summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
cmake --preset debug >/dev/null
cmake --build --preset debug
ctest --preset debug -j2 "$@"
