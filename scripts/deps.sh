#!/usr/bin/env bash
# Installs what Tessera needs from Debian 12 packages, only what is missing (idempotent).
#   scripts/deps.sh build   compilers and libraries for building `tessera`
#   scripts/deps.sh test    the above, plus what the test suite starts (PostgreSQL, Chromium,
#                           Node.js, clang for the fuzzers) and the npm packages from the lock file
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_PACKAGES=(
  g++ cmake ninja-build pkg-config ccache
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsodium-dev libargon2-dev libcrypt-dev libsqlite3-dev libpq-dev libcurl4-openssl-dev
  libzxcvbn-dev libutf8proc-dev libcli11-dev libtomlplusplus-dev libqrencode-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
TEST_PACKAGES=(
  postgresql chromium clang libclang-rt-14-dev curl ca-certificates procps iproute2 openssl sqlite3
  nginx python3-jwt python3-cryptography clang-format-14 clang-tidy-14 librsvg2-bin zbar-tools
)

want=("${BUILD_PACKAGES[@]}")
if [[ "${1:-build}" == "test" ]]; then
  want+=("${TEST_PACKAGES[@]}")
  command -v node >/dev/null 2>&1 || want+=(nodejs npm)
fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}" >&2
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ "${1:-build}" == "test" && -f package-lock.json ]]; then
  # npm ci only when a lock file changed since the last install: the test tooling's at the root,
  # and each example's own (examples/*/, which the suite runs as their users would).
  for lock in package-lock.json examples/*/package-lock.json; do
    [[ -f "$lock" ]] || continue
    dir=$(dirname "$lock")
    stamp="$dir/node_modules/.tessera-lock.sha256"
    sum=$(sha256sum "$lock" | cut -d' ' -f1)
    if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$sum" ]]; then
      echo "deps: npm ci in $dir" >&2
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
      echo "$sum" > "$stamp"
    fi
  done
fi
