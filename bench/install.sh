#!/usr/bin/env bash
# Installs the peers that bench/run.sh times fanout against.
# Idempotent: runs `apt-get update` only when a Debian package is missing, and
# `npm ci` only when node_modules does not match package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

# pypy3 + cut: the seed pipeline; mawk: the awk peer; time: /usr/bin/time for peak RSS;
# python3: the harness (/usr/bin/python3, standard library only). The project's own
# install script does the checking and installing.
bash scripts/install-deps.sh pypy3 mawk hyperfine time coreutils findutils

# DuckDB and Polars come from npm and run on Node.js 20 or newer.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "bench/install.sh: node and npm (Node.js >= 20) are needed for the DuckDB and Polars rows" >&2
  exit 1
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if ((node_major < 20)); then
  echo "bench/install.sh: Node.js >= 20 is needed, found $(node --version)" >&2
  exit 1
fi

# npm ci wipes and reinstalls node_modules: do it only when package-lock.json changed
# since the last `npm ci` here (its hash is kept in node_modules/.bench-lock.sha256)
# or a needed package is not there.
stamp=node_modules/.bench-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ -f $stamp && $(cat "$stamp") == "$want" ]] &&
   node -e 'require.resolve("@duckdb/node-api"); require.resolve("nodejs-polars"); require.resolve("nodejs-polars-linux-x64-gnu")' 2>/dev/null; then
  exit 0
fi
echo "bench/install.sh: npm ci" >&2
# nodejs-polars-linux-x64-gnu declares node >= 22 but runs on node 20; npm only warns.
npm ci --no-audit --no-fund --loglevel=error
echo "$want" >"$stamp"
