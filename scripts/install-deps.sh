#!/usr/bin/env bash
# Installs what fanout needs to build and test, from Debian's packages, plus any
# package names given as arguments (bench/install.sh adds the benchmark's peers).
# Idempotent: does nothing (and needs no network) when everything is present.
set -euo pipefail

PACKAGES=(
  g++ cmake ninja-build pkg-config git
  zlib1g-dev libzstd-dev libsnappy-dev libdeflate-dev liblz4-dev libbrotli-dev libxxhash-dev libfast-float-dev libssl-dev
  libcurl4-openssl-dev libtinyxml2-dev
  libcli11-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev
  python3 gzip zstd curl python3-botocore
  clang libclang-rt-14-dev
  openssh-server openssh-client iproute2 nftables procps strace
  nginx-light slurm-wlm munge
  chromium
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

cd "$(dirname "$0")/.."
# Test and benchmark tools from npm (s3rver; DuckDB and Polars), locked in
# package-lock.json; they run on Node.js 20 or newer.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "install-deps: installing Debian's nodejs and npm" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if ((node_major < 20)); then
  echo "install-deps: Node.js $(node --version) is older than 20: the benchmark's Polars row may not run" >&2
fi

# npm ci wipes and reinstalls node_modules: do it only when package-lock.json changed
# since the last `npm ci` here (its hash is kept in node_modules/.fanout-lock.sha256)
# or a needed package is not there.
stamp=node_modules/.fanout-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ -f $stamp && $(cat "$stamp") == "$want" ]] &&
   node -e 'require.resolve("s3rver"); require.resolve("@duckdb/node-api"); require.resolve("nodejs-polars")' 2>/dev/null; then
  exit 0
fi
echo "install-deps: npm ci" >&2
# nodejs-polars-linux-x64-gnu declares node >= 22 but runs on node 20; npm only warns.
npm ci --no-audit --no-fund --loglevel=error
echo "$want" >"$stamp"
