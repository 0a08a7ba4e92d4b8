#!/usr/bin/env bash
# Installs what fanout needs to build and test, from Debian's packages, plus any
# package names given as arguments (bench/install.sh adds the benchmark's peers).
# Idempotent: does nothing (and needs no network) when everything is present.
set -euo pipefail

PACKAGES=(
  g++ cmake ninja-build pkg-config git
  zlib1g-dev libzstd-dev libxxhash-dev libfast-float-dev libssl-dev
  libcurl4-openssl-dev libtinyxml2-dev
  libcli11-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev
  python3 gzip zstd
  clang libclang-rt-14-dev
  "$@"
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: missing packages: ${missing[*]} (run as root to install them)" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
