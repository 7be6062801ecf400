#!/usr/bin/env bash
# Quick start: installs what is missing, builds the optimised binary, and runs `tessera serve`
# on the embedded defaults (SQLite in ./tessera.db, emails in the log, pages at /).
# Extra arguments go to `tessera serve`, e.g. scripts/start.sh --listen 127.0.0.1:9000
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build
cmake --preset release >/dev/null
cmake --build --preset release --target tessera
exec build/release/tessera serve "$@"
